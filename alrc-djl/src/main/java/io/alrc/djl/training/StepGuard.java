package io.alrc.djl.training;

import ai.djl.Device;
import ai.djl.metric.Metrics;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.listener.DivergenceCheckTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import io.alrc.AlrcConfig;
import io.alrc.AlrcStep;
import io.alrc.NonFiniteStepException;
import io.alrc.djl.loss.MonitoredLoss;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.loss.TruncatedLoss;
import io.alrc.djl.stabilizer.GradientStabilizer;
import io.alrc.djl.stabilizer.Gradients;
import io.alrc.stabilizer.LossTruncation;
import io.alrc.stabilizer.SpikeSkipper;
import io.alrc.telemetry.StepTelemetry;
import io.alrc.snapshot.SnapshotFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides each training step once, between backward and the optimizer step: it commits ALRC's
 * statistics (or loss truncation's history) and applies the gradient stabilizers, or it skips a
 * step whose loss or gradients are not finite, or (with skip-step) whose loss or gradient norm
 * spikes. <b>Stateful</b> (step counters, the current decision) and <b>not thread-safe</b>: one
 * guard per training.
 *
 * <pre>
 * afterBackward(parameters), once per step:
 *   if an ALRC or truncated loss is attached and a pending example loss is NaN or infinite: skip
 *   skip-step, loss signal: the monitor decides on the step's batch-mean loss (a non-finite one: skip)
 *   norm = global L2 norm of all gradients;  if norm is not finite: skip
 *   skip-step, gradient-norm signal: the monitor decides on norm
 *   a monitor found a spike: spike skip
 *   otherwise: every stabilizer in order scales the gradients and advances its state,
 *              then ALRC or truncation commits (once); the monitors keep the step; the optimizer
 *              step runs
 *   skip: nothing advances, the guarded optimizer leaves weights and its own state untouched
 *         and clears the gradients; the skip is counted and logged (WARN), and the K-th skip in
 *         a row throws NonFiniteStepException naming the step
 *   spike skip: as a skip for weights, optimizer, ALRC, truncation and stabilizers, but the
 *         monitors keep the step (the spike enters their windows); counted apart (INFO), never
 *         towards the limit K, and the row of non-finite steps goes on as it was
 * </pre>
 *
 * <h2>Skip-step</h2>
 *
 * {@link Builder#optSkipOnSpikes(int, double, SpikeSignal)} adds one {@link SpikeSkipper} per
 * watched signal, as OLMo-core's {@code SkipStepOptimizer} and MaxText's {@code
 * skip_step_on_spikes}: the update is skipped when the value is more than {@code factor} rolling
 * standard deviations above the mean of the previous {@code interval} values (defaults 128 and 6,
 * both signals). The loss is the batch mean of the pending per-example losses of the ALRC or
 * truncated loss (before clipping or truncation), or the value of a {@link MonitoredLoss}
 * ({@link Builder#optMonitoredLoss}). The backward has already run when the guard decides; a
 * hand-written loop that wants to save it on a loss spike can run a {@link SpikeSkipper} of its
 * own before backward.
 *
 * <h2>Wiring</h2>
 *
 * DJL offers no single hook for both halves of the job: the guard is a {@link TrainingListener}
 * ({@code onTrainingBatch} runs after backward and before {@code Trainer.step()}), and {@link
 * #wrap(Optimizer)} returns the {@link GuardedOptimizer} that carries a skip decision into {@code
 * Trainer.step()}, which {@code EasyTrain.fit} always calls. {@link #configure(DefaultTrainingConfig)}
 * does all of it in one call for {@code EasyTrain.fit}; hand-written loops wrap the optimizer and
 * call {@link #afterBackward(Trainer)} themselves:
 *
 * <pre>{@code
 * // EasyTrain.fit: wraps the config's optimizer, puts the guard first among the listeners, drops
 * // DJL's divergence check, adds the telemetry evaluators
 * guard.configure(new DefaultTrainingConfig(loss).optOptimizer(adam)
 *     .addTrainingListeners(TrainingListener.Defaults.logging()));
 * // hand-written loop: config.optOptimizer(guard.wrap(adam)), then per step
 * try (GradientCollector c = trainer.newGradientCollector()) { c.backward(loss.evaluate(labels, preds)); }
 * guard.afterBackward(trainer);
 * trainer.step();                  // always: a skipped step is skipped inside the optimizer
 * }</pre>
 *
 * Without {@code configure}, pass DJL's default listeners through {@link #withoutDivergenceCheck}:
 * DJL's divergence check would stop training at the first NaN batch, before the guard can skip it.
 *
 * <h2>Telemetry</h2>
 *
 * Each step's {@link StepReport} goes to {@link #lastReport()}, to the report listeners ({@link
 * Builder#optReportListener}, {@link #addReportListener}, e.g. a {@link TensorBoardTrainingListener}),
 * and, when the trainer has {@link Metrics}, into them under the per-step names of {@link
 * GuardMetrics}; {@link #evaluators()} put the same quantities into DJL's log lines.
 *
 * <h2>One device</h2>
 *
 * The guard supports training on one device and refuses more, at configuration time ({@link
 * #configure}) and when a trainer is created with it ({@code onTrainingBegin}): DJL's parameter
 * server calls {@code Optimizer.update} once per device for the same parameter, and the guard
 * measures the gradients of the parameters' own arrays (the first device) only.
 *
 * <p>Misuse fails early with {@link IllegalStateException}: no wrapped optimizer, a step whose
 * decision never reached the optimizer (trainer.step() not called, or another optimizer), an
 * optimizer step without a decision, or no ALRC evaluation in a step.
 *
 * <p>Without an ALRC loss a non-finite loss is caught through its gradients (a NaN or infinite loss
 * makes them non-finite); the ALRC loss reports its per-example losses directly. The default limit
 * K is the ALRC loss's {@link AlrcConfig#nonFiniteLimit()}, else {@link
 * AlrcConfig#DEFAULT_NON_FINITE_LIMIT}.
 */
public final class StepGuard implements TrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(StepGuard.class);

  /** The kind written in the guard's snapshots. */
  public static final String SNAPSHOT_KIND = "step-guard";

  private final StatefulAlrcLoss alrc;
  private final TruncatedLoss truncated;
  private final MonitoredLoss monitored;
  private final List<GradientStabilizer> stabilizers;
  private final SpikeSkipper lossSkipper;
  private final SpikeSkipper normSkipper;
  private final int nonFiniteLimit;
  private final List<Consumer<StepReport>> reportListeners = new CopyOnWriteArrayList<>();
  private List<Evaluator> evaluators;
  private DefaultTrainingConfig configured;

  private long steps;
  private long skippedSteps;
  private long spikeSkippedSteps;
  private int consecutiveSkipped;
  private SpikeSkipper.State lossSkipState;
  private SpikeSkipper.State normSkipState;
  private long decision;
  private long acknowledged;
  private boolean skipping;
  private GuardedOptimizer guarded;
  private String wrappedBy;
  private StepReport last;

  private StepGuard(Builder b) {
    this.alrc = b.alrc;
    this.truncated = b.truncated;
    this.monitored = b.monitored;
    this.stabilizers = List.copyOf(b.stabilizers);
    SpikeSignal signal = b.spikeSignal;
    this.lossSkipper =
        signal != null && signal.watchesLoss() ? new SpikeSkipper(b.spikeInterval, b.spikeFactor) : null;
    this.normSkipper =
        signal != null && signal.watchesGradientNorm()
            ? new SpikeSkipper(b.spikeInterval, b.spikeFactor)
            : null;
    this.lossSkipState = lossSkipper != null ? lossSkipper.init() : null;
    this.normSkipState = normSkipper != null ? normSkipper.init() : null;
    this.nonFiniteLimit =
        b.nonFiniteLimit != null
            ? b.nonFiniteLimit
            : alrc != null ? alrc.config().nonFiniteLimit() : AlrcConfig.DEFAULT_NON_FINITE_LIMIT;
    if (b.reportListener != null) {
      reportListeners.add(b.reportListener);
    }
  }

  /** A builder; everything is optional (a bare guard only protects against non-finite steps). */
  public static Builder builder() {
    return new Builder();
  }

  /** A guard for ALRC alone. */
  public static StepGuard of(StatefulAlrcLoss alrc) {
    return builder().optAlrcLoss(alrc).build();
  }

  /** A guard applying the given stabilizers in order. */
  public static StepGuard of(GradientStabilizer... stabilizers) {
    Builder b = builder();
    for (GradientStabilizer s : stabilizers) {
      b.addStabilizer(s);
    }
    return b.build();
  }

  /**
   * Wires the guard into {@code config} for {@code EasyTrain.fit}, in one call; call it after
   * setting the optimizer and adding the listeners. It
   *
   * <ol>
   *   <li>refuses a configuration with more than one device ({@link IllegalArgumentException});
   *   <li>wraps the config's optimizer (DJL's default Adam if none was set) with {@link
   *       #wrap(Optimizer)};
   *   <li>removes DJL's {@link DivergenceCheckTrainingListener} (it would stop training at the
   *       first NaN batch; the guard's own limit replaces it, see {@link #withoutDivergenceCheck});
   *   <li>puts the guard first among the listeners, so that it decides each step before DJL's
   *       {@code EvaluatorTrainingListener} reads the step's telemetry;
   *   <li>adds {@link #evaluators()}, so DJL's {@code LoggingTrainingListener} prints ALRC's clipped
   *       objective, clip fraction, threshold, {@code mu1}, {@code sigma} and skipped steps beside
   *       the (unclipped) loss.
   * </ol>
   *
   * A divergence check added after this call makes the trainer's creation fail with a message
   * saying so. For a hand-written loop, {@link #wrap(Optimizer)} is all it needs.
   *
   * @return {@code config}
   * @throws IllegalArgumentException if the config has more than one device
   * @throws IllegalStateException if this guard already wraps an optimizer
   */
  public DefaultTrainingConfig configure(DefaultTrainingConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("config must not be null");
    }
    checkOneDevice(config.getDevices(), "the TrainingConfig");
    config.optOptimizer(wrap(config.getOptimizer(), "configure(config)"));
    List<TrainingListener> listeners = config.getTrainingListeners();
    listeners.removeIf(l -> l instanceof DivergenceCheckTrainingListener || l == this);
    listeners.add(0, this);
    config.addEvaluators(evaluators());
    configured = config;
    return config;
  }

  /**
   * Wraps the optimizer of the {@code TrainingConfig} so that skipped steps update nothing: the
   * explicit route for hand-written loops (with {@code EasyTrain.fit}, {@link
   * #configure(DefaultTrainingConfig)} does this and the rest). Call it once per guard.
   *
   * @throws IllegalStateException if this guard already wraps an optimizer
   */
  public Optimizer wrap(Optimizer optimizer) {
    return wrap(optimizer, "wrap(optimizer)");
  }

  private Optimizer wrap(Optimizer optimizer, String call) {
    if (guarded != null) {
      throw new IllegalStateException(
          "this StepGuard already wraps an optimizer (" + guarded + ", by " + wrappedBy + "), so "
              + call + " cannot wrap another: call either guard.configure(config) or"
              + " guard.wrap(optimizer), once; a guard belongs to one training, so build a new"
              + " StepGuard (and ALRC loss) for another TrainingConfig");
    }
    guarded = new GuardedOptimizer(this, optimizer);
    wrappedBy = call;
    return guarded;
  }

  /**
   * The optimizer this guard wrapped (given to {@link #wrap} or found by {@link #configure}), e.g.
   * to read a {@link CheckpointableAdam}'s learning rate; empty before wrapping.
   */
  public Optional<Optimizer> optimizer() {
    return guarded == null ? Optional.empty() : Optional.of(guarded.delegate());
  }

  /**
   * DJL evaluators of this guard's telemetry, for DJL's log lines (names and meanings: {@link
   * GuardMetrics}): with ALRC the clipped objective, clip fraction, threshold, {@code mu1} and
   * {@code sigma}; each stabilizer's threshold and clip fraction; with loss truncation its
   * objective, drop fraction and cutoff; with skip-step each monitor's threshold and the
   * spike-skipped steps; always the (non-finite) skipped steps. {@link
   * #configure} adds them; for a config built by hand, {@code config.addEvaluators(guard.evaluators())}
   * and put the guard before DJL's {@code EvaluatorTrainingListener}. The same instances on every
   * call.
   */
  public synchronized List<Evaluator> evaluators() {
    if (evaluators == null) {
      List<Evaluator> e = new ArrayList<>();
      if (alrc != null) {
        e.add(evaluator(GuardMetrics.ALRC_OBJECTIVE, GuardEvaluator.Quantity.OBJECTIVE, -1));
        e.add(evaluator(GuardMetrics.ALRC_CLIP_FRACTION, GuardEvaluator.Quantity.CLIP_FRACTION, -1));
        e.add(evaluator(GuardMetrics.ALRC_THRESHOLD, GuardEvaluator.Quantity.THRESHOLD, -1));
        e.add(evaluator(GuardMetrics.ALRC_MU1, GuardEvaluator.Quantity.MU1, -1));
        e.add(evaluator(GuardMetrics.ALRC_SIGMA, GuardEvaluator.Quantity.SIGMA, -1));
      }
      for (int i = 0; i < stabilizers.size(); i++) {
        String kind = stabilizers.get(i).kind();
        e.add(evaluator(
            GuardMetrics.stabilizerThreshold(kind), GuardEvaluator.Quantity.STABILIZER_THRESHOLD, i));
        e.add(evaluator(
            GuardMetrics.stabilizerClipFraction(kind),
            GuardEvaluator.Quantity.STABILIZER_CLIP_FRACTION,
            i));
      }
      if (truncated != null) {
        e.add(evaluator(
            GuardMetrics.TRUNCATION_OBJECTIVE, GuardEvaluator.Quantity.TRUNCATION_OBJECTIVE, -1));
        e.add(evaluator(
            GuardMetrics.TRUNCATION_DROP_FRACTION,
            GuardEvaluator.Quantity.TRUNCATION_DROP_FRACTION,
            -1));
        e.add(evaluator(
            GuardMetrics.TRUNCATION_THRESHOLD, GuardEvaluator.Quantity.TRUNCATION_THRESHOLD, -1));
      }
      if (lossSkipper != null) {
        e.add(evaluator(
            GuardMetrics.LOSS_SPIKE_THRESHOLD, GuardEvaluator.Quantity.LOSS_SPIKE_THRESHOLD, -1));
      }
      if (normSkipper != null) {
        e.add(evaluator(
            GuardMetrics.GRADIENT_NORM_SPIKE_THRESHOLD,
            GuardEvaluator.Quantity.GRADIENT_NORM_SPIKE_THRESHOLD,
            -1));
      }
      if (lossSkipper != null || normSkipper != null) {
        e.add(evaluator(
            GuardMetrics.SPIKE_SKIPPED_STEPS, GuardEvaluator.Quantity.SPIKE_SKIPPED, -1));
      }
      e.add(evaluator(GuardMetrics.SKIPPED_STEPS, GuardEvaluator.Quantity.SKIPPED, -1));
      evaluators = List.copyOf(e);
    }
    return evaluators;
  }

  private Evaluator evaluator(String name, GuardEvaluator.Quantity q, int stabilizer) {
    return new GuardEvaluator(name, this, q, stabilizer);
  }

  /** Adds a receiver of every later step's report (e.g. a {@link TensorBoardTrainingListener}). */
  public void addReportListener(Consumer<StepReport> listener) {
    if (listener == null) {
      throw new IllegalArgumentException("report listener must not be null");
    }
    reportListeners.add(listener);
  }

  /**
   * {@link #afterBackward(ParameterList)} for the trainer's model; also puts the step's telemetry
   * into the trainer's {@link Metrics}, if it has any (names: {@link GuardMetrics}).
   *
   * @throws IllegalStateException as {@link #afterBackward(ParameterList)}
   * @throws IllegalArgumentException for a trainer with more than one device
   */
  public StepReport afterBackward(Trainer trainer) {
    checkOneDevice(trainer.getDevices(), "the trainer");
    StepReport report;
    try {
      report = afterBackward(trainer.getModel().getBlock().getParameters());
    } catch (NonFiniteStepException e) {
      publish(trainer.getMetrics(), last);
      throw e;
    }
    publish(trainer.getMetrics(), report);
    return report;
  }

  /**
   * Decides the current step; call once after backward (collector closed) and before {@code
   * trainer.step()}.
   *
   * @return what was decided and measured
   * @throws NonFiniteStepException when this is the K-th non-finite step in a row
   * @throws IllegalStateException for the wiring errors listed in the class documentation
   */
  public StepReport afterBackward(ParameterList parameters) {
    if (guarded == null) {
      throw new IllegalStateException(
          "StepGuard cannot skip steps without its optimizer: build the TrainingConfig with"
              + " guard.configure(config) (EasyTrain.fit) or optOptimizer(guard.wrap(optimizer))");
    }
    if (decision > 0 && acknowledged != decision) {
      throw new IllegalStateException(
          "the decision for step " + steps + " never reached the optimizer: call trainer.step()"
              + " after every afterBackward, with the optimizer returned by guard.wrap(...)");
    }
    if (alrc != null && !alrc.hasPending()) {
      throw new IllegalStateException(
          "step " + (steps + 1) + ": the ALRC loss has no pending evaluation; evaluate the"
              + " training batch with it (inside the GradientCollector) before afterBackward");
    }
    if (truncated != null && !truncated.hasPending()) {
      throw new IllegalStateException(
          "step " + (steps + 1) + ": the truncated loss has no pending evaluation; evaluate the"
              + " training batch with it (inside the GradientCollector) before afterBackward");
    }
    if (lossSkipper != null && monitored != null && !monitored.hasPending()) {
      throw new IllegalStateException(
          "step " + (steps + 1) + ": the monitored loss has no pending evaluation; evaluate the"
              + " training batch with it (the TrainingConfig's loss) before afterBackward");
    }
    long step = ++steps;
    String reason = alrc != null ? alrc.pendingNonFiniteLoss().orElse(null) : null;
    if (reason == null && truncated != null) {
      reason = truncated.pendingNonFiniteLoss().orElse(null);
    }
    double monitoredLoss = monitored != null ? monitored.takePending().orElse(Double.NaN) : Double.NaN;
    SpikeSkipper.Decision lossDecision = null;
    if (reason == null && lossSkipper != null) {
      double value =
          alrc != null
              ? alrc.pendingMeanLoss().orElseThrow()
              : truncated != null ? truncated.pendingMeanLoss().orElseThrow() : monitoredLoss;
      if (!Double.isFinite(value)) {
        reason = "loss is " + value;
      } else {
        lossDecision = lossSkipper.update(value, lossSkipState);
      }
    }
    double norm = Double.NaN;
    SpikeSkipper.Decision normDecision = null;
    boolean spike = false;
    List<StepTelemetry> applied = new ArrayList<>(stabilizers.size());
    if (reason == null) {
      try (Gradients g = gradientsOf(parameters)) {
        norm = g.globalNorm();
        if (!Double.isFinite(norm)) {
          reason = "gradient norm is " + norm;
        } else {
          if (normSkipper != null) {
            normDecision = normSkipper.update(norm, normSkipState);
          }
          spike =
              (lossDecision != null && lossDecision.spike())
                  || (normDecision != null && normDecision.spike());
          for (GradientStabilizer s : spike ? List.<GradientStabilizer>of() : stabilizers) {
            StepTelemetry t = s.apply(g);
            applied.add(t);
            if (t.skipped()) {
              // not expected with a finite global norm; earlier stabilizers have already advanced
              reason = s.kind() + " found non-finite gradients";
              break;
            }
          }
        }
      }
    }
    decision++;
    StepTelemetry lossSpike = null;
    StepTelemetry normSpike = null;
    if (reason == null) {
      // applied or spike-skipped: the monitors keep the step (a spike enters their windows)
      if (lossDecision != null) {
        lossSkipState = lossDecision.state();
        lossSpike = numbered(lossDecision.telemetry(), step);
      }
      if (normDecision != null) {
        normSkipState = normDecision.state();
        normSpike = numbered(normDecision.telemetry(), step);
      }
    }
    if (reason == null && !spike) {
      skipping = false;
      consecutiveSkipped = 0;
      StepTelemetry alrcTelemetry = null;
      StepTelemetry truncationTelemetry = null;
      double objective = Double.NaN;
      double unclipped = Double.NaN;
      int examples = 0;
      if (alrc != null) {
        AlrcStep committed = alrc.commit();
        alrcTelemetry = numbered(committed.telemetry(), step);
        objective = committed.objective();
        unclipped = unclippedMean(committed);
        examples = committed.size();
      }
      if (truncated != null) {
        unclipped = truncated.pendingMeanLoss().orElseThrow();
        LossTruncation.Step committed = truncated.commit();
        truncationTelemetry = numbered(committed.telemetry(), step);
        objective = committed.objective();
        examples = committed.size();
      }
      List<StepTelemetry> stabilizerTelemetry = new ArrayList<>(applied.size());
      for (StepTelemetry t : applied) {
        stabilizerTelemetry.add(numbered(t, step));
      }
      last =
          new StepReport(
              step, false, null, norm, alrcTelemetry, stabilizerTelemetry, 0, skippedSteps,
              objective, unclipped, examples, false, spikeSkippedSteps, lossSpike, normSpike,
              truncationTelemetry);
      notifyReport(last);
      return last;
    }
    skipping = true;
    StepTelemetry alrcTelemetry =
        alrc != null ? alrc.discard().map(t -> numbered(t, step)).orElse(null) : null;
    StepTelemetry truncationTelemetry =
        truncated != null ? truncated.discard().map(t -> numbered(t, step)).orElse(null) : null;
    if (reason == null) {
      spikeSkippedSteps++;
      String why = spikeReason(lossDecision, normDecision);
      last =
          new StepReport(
              step, false, why, norm, alrcTelemetry, List.of(), consecutiveSkipped, skippedSteps,
              Double.NaN, Double.NaN, 0, true, spikeSkippedSteps, lossSpike, normSpike,
              truncationTelemetry);
      LOG.info("step {} skipped: {} ({} spike skips in total)", step, why, spikeSkippedSteps);
      notifyReport(last);
      return last;
    }
    skippedSteps++;
    consecutiveSkipped++;
    last =
        new StepReport(
            step, true, reason, norm, alrcTelemetry, List.of(), consecutiveSkipped, skippedSteps,
            Double.NaN, Double.NaN, 0, false, spikeSkippedSteps, null, null, truncationTelemetry);
    LOG.warn(
        "step {} skipped: {} ({} in a row, {} in total; limit {})",
        step,
        reason,
        consecutiveSkipped,
        skippedSteps,
        nonFiniteLimit);
    notifyReport(last);
    if (consecutiveSkipped >= nonFiniteLimit) {
      throw NonFiniteStepException.diverged(step, consecutiveSkipped, reason, nonFiniteLimit);
    }
    return last;
  }

  /**
   * The given listeners without DJL's {@link DivergenceCheckTrainingListener}, for {@code
   * EasyTrain.fit} with a guard: that listener stops training as soon as one batch's loss is NaN
   * (it reads the per-batch {@code train/all} accumulator), which defeats skipping the step. The
   * guard's own limit takes its place: the K-th non-finite step in a row stops training.
   *
   * <pre>{@code
   * config.addTrainingListeners(StepGuard.withoutDivergenceCheck(TrainingListener.Defaults.logging()))
   *     .addTrainingListeners(guard);
   * }</pre>
   */
  public static TrainingListener[] withoutDivergenceCheck(TrainingListener... listeners) {
    List<TrainingListener> kept = new ArrayList<>(listeners.length);
    for (TrainingListener l : listeners) {
      if (!(l instanceof DivergenceCheckTrainingListener)) {
        kept.add(l);
      }
    }
    return kept.toArray(new TrainingListener[0]);
  }

  /** Why skip-step skipped: each monitor that found a spike, with its value and threshold. */
  private static String spikeReason(SpikeSkipper.Decision loss, SpikeSkipper.Decision norm) {
    List<String> parts = new ArrayList<>(2);
    if (loss != null && loss.spike()) {
      parts.add(spike("loss", loss.telemetry()));
    }
    if (norm != null && norm.spike()) {
      parts.add(spike("gradient norm", norm.telemetry()));
    }
    return String.join(" and ", parts);
  }

  private static String spike(String what, StepTelemetry t) {
    return String.format(
        Locale.ROOT,
        "%s %.6g is a spike (above mean %.6g + factor * std %.6g = %.6g)",
        what,
        t.observed(),
        t.mean(),
        t.sigma(),
        t.threshold());
  }

  /** Training steps decided so far, skipped ones included. */
  public long steps() {
    return steps;
  }

  /** Steps skipped in total because their loss or gradients were not finite. */
  public long skippedSteps() {
    return skippedSteps;
  }

  /** Steps whose update skip-step skipped because of a spike, in total. */
  public long spikeSkippedSteps() {
    return spikeSkippedSteps;
  }

  /**
   * Non-finite steps skipped in a row up to now (0 after an applied step; a spike skip leaves it as
   * it was).
   */
  public int consecutiveSkipped() {
    return consecutiveSkipped;
  }

  /** The limit K: the K-th non-finite step in a row throws. */
  public int nonFiniteLimit() {
    return nonFiniteLimit;
  }

  /**
   * Saves the guard's counters and the state of its ALRC or truncated loss, every stabilizer and
   * the skip-step monitors, in the versioned snapshot envelope (kind {@value #SNAPSHOT_KIND}), so a
   * checkpointed run resumes with the same statistics and the same count of non-finite steps in a
   * row. Call it between steps. A guard without loss truncation and skip-step writes format
   * version 1, as before they existed; with them, version 2.
   */
  public byte[] snapshot() {
    boolean extended = truncated != null || lossSkipper != null || normSkipper != null;
    return SnapshotFormat.encode(
        SNAPSHOT_KIND,
        extended ? (short) 2 : (short) 1,
        out -> {
          out.writeLong(steps);
          out.writeLong(skippedSteps);
          out.writeInt(consecutiveSkipped);
          writeBlock(out, alrc != null ? alrc.snapshot() : new byte[0]);
          out.writeInt(stabilizers.size());
          for (GradientStabilizer s : stabilizers) {
            out.writeUTF(s.kind());
            writeBlock(out, s.snapshot());
          }
          if (extended) {
            out.writeLong(spikeSkippedSteps);
            writeBlock(out, truncated != null ? truncated.snapshot() : new byte[0]);
            writeBlock(out, lossSkipper != null ? lossSkipper.snapshot(lossSkipState) : new byte[0]);
            writeBlock(out, normSkipper != null ? normSkipper.snapshot(normSkipState) : new byte[0]);
          }
        });
  }

  /**
   * Restores what {@link #snapshot()} wrote, for a guard built the same way (same ALRC or
   * truncation configuration, same stabilizers in the same order, same skip-step monitors).
   *
   * @throws IllegalArgumentException if the snapshot was taken with other components, naming them
   */
  public void restore(byte[] bytes) {
    SnapshotFormat.decode(
        bytes,
        SNAPSHOT_KIND,
        (short) 2,
        (in, version) -> {
          long savedSteps = in.readLong();
          long savedSkipped = in.readLong();
          int savedConsecutive = in.readInt();
          byte[] alrcBytes = readBlock(in);
          if ((alrc == null) != (alrcBytes.length == 0)) {
            throw new IllegalArgumentException(
                "snapshot was taken " + (alrc == null ? "with" : "without")
                    + " an ALRC loss, this guard has " + (alrc == null ? "none" : "one"));
          }
          int n = in.readInt();
          if (n != stabilizers.size()) {
            throw new IllegalArgumentException(
                "snapshot holds " + n + " stabilizers, this guard has " + stabilizers.size());
          }
          byte[][] states = new byte[n][];
          for (int i = 0; i < n; i++) {
            String kind = in.readUTF();
            if (!kind.equals(stabilizers.get(i).kind())) {
              throw new IllegalArgumentException(
                  "stabilizer " + (i + 1) + " of the snapshot is " + kind + ", this guard has "
                      + stabilizers.get(i).kind());
            }
            states[i] = readBlock(in);
          }
          long savedSpikes = 0;
          byte[] truncationBytes = new byte[0];
          byte[] lossBytes = new byte[0];
          byte[] normBytes = new byte[0];
          if (version >= 2) {
            savedSpikes = in.readLong();
            truncationBytes = readBlock(in);
            lossBytes = readBlock(in);
            normBytes = readBlock(in);
          }
          expectPresence("a truncated loss", truncated != null, truncationBytes);
          expectPresence("a skip-step loss monitor", lossSkipper != null, lossBytes);
          expectPresence("a skip-step gradient-norm monitor", normSkipper != null, normBytes);
          SpikeSkipper.State lossState = lossSkipper != null ? lossSkipper.restore(lossBytes) : null;
          SpikeSkipper.State normState = normSkipper != null ? normSkipper.restore(normBytes) : null;
          if (truncated != null) {
            truncated.truncation().restore(truncationBytes); // check before anything changes
          }
          if (alrc != null) {
            alrc.restore(alrcBytes);
          }
          for (int i = 0; i < n; i++) {
            stabilizers.get(i).restore(states[i]);
          }
          if (truncated != null) {
            truncated.restore(truncationBytes);
          }
          lossSkipState = lossState;
          normSkipState = normState;
          if (monitored != null) {
            monitored.takePending();
          }
          steps = savedSteps;
          skippedSteps = savedSkipped;
          spikeSkippedSteps = savedSpikes;
          consecutiveSkipped = savedConsecutive;
          decision = 0;
          acknowledged = 0;
          skipping = false;
          last = null;
          return null;
        });
  }

  private static void expectPresence(String what, boolean here, byte[] block) {
    if (here == (block.length == 0)) {
      throw new IllegalArgumentException(
          "snapshot was taken " + (here ? "without" : "with") + " " + what + ", this guard has "
              + (here ? "one" : "none"));
    }
  }

  private static void writeBlock(java.io.DataOutputStream out, byte[] bytes)
      throws java.io.IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static byte[] readBlock(java.io.DataInputStream in) throws java.io.IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IllegalArgumentException("StepGuard snapshot is corrupt: block length " + n);
    }
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new java.io.EOFException();
    }
    return b;
  }

  /** The last step's report, if any. */
  public Optional<StepReport> lastReport() {
    return Optional.ofNullable(last);
  }

  /** The ALRC loss whose statistics this guard commits, if any. */
  public Optional<StatefulAlrcLoss> alrcLoss() {
    return Optional.ofNullable(alrc);
  }

  /** The truncated loss whose history this guard commits, if any. */
  public Optional<TruncatedLoss> truncatedLoss() {
    return Optional.ofNullable(truncated);
  }

  /** The skip-step monitor of the loss and its current state, if the loss is watched. */
  public Optional<SpikeSkipper.State> lossSpikeState() {
    return Optional.ofNullable(lossSkipState);
  }

  /** The skip-step monitor of the gradient norm's current state, if the norm is watched. */
  public Optional<SpikeSkipper.State> gradientNormSpikeState() {
    return Optional.ofNullable(normSkipState);
  }

  /** The gradient stabilizers, in the order they are applied. */
  public List<GradientStabilizer> stabilizers() {
    return stabilizers;
  }

  // --- the decision, as the guarded optimizer reads it ---

  /** The number of decisions made (0 before the first afterBackward). */
  long decision() {
    return decision;
  }

  /** Whether the current decision is to skip. */
  boolean skipping() {
    return skipping;
  }

  /** The optimizer has applied {@code d}. */
  void acknowledge(long d) {
    acknowledged = d;
  }

  // --- TrainingListener ---

  /** Runs {@link #afterBackward(Trainer)}: after backward, before {@code Trainer.step()}. */
  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    afterBackward(trainer);
  }

  /** Nothing to do. */
  @Override
  public void onEpoch(Trainer trainer) {}

  /** Nothing to do: validation never touches the statistics. */
  @Override
  public void onValidationBatch(Trainer trainer, BatchData batchData) {}

  /**
   * Checks the wiring when a trainer is created with the guard: one device, and no DJL divergence
   * check added after {@link #configure}.
   *
   * @throws IllegalArgumentException for more than one device
   * @throws IllegalStateException for a divergence check added after {@code configure}
   */
  @Override
  public void onTrainingBegin(Trainer trainer) {
    checkOneDevice(trainer.getDevices(), "the trainer");
    if (configured != null
        && configured.getTrainingListeners().stream()
            .anyMatch(l -> l instanceof DivergenceCheckTrainingListener)) {
      throw new IllegalStateException(
          "DJL's DivergenceCheckTrainingListener was added to the TrainingConfig after"
              + " guard.configure(config): it stops training at the first NaN batch, before the"
              + " guard can skip it. Add the listeners before calling configure, or pass them"
              + " through StepGuard.withoutDivergenceCheck(...)");
    }
  }

  /** Nothing to do. */
  @Override
  public void onTrainingEnd(Trainer trainer) {}

  private void notifyReport(StepReport report) {
    for (Consumer<StepReport> l : reportListeners) {
      l.accept(report);
    }
  }

  /**
   * The step's gradients; a parameter without one gets a message naming DJL's trap of weights
   * loaded after {@code trainer.initialize}.
   */
  private static Gradients gradientsOf(ParameterList parameters) {
    try {
      return Gradients.of(parameters);
    } catch (IllegalStateException e) {
      for (var pair : parameters) {
        Parameter p = pair.getValue();
        if (p.requiresGradient() && p.isInitialized() && !p.getArray().hasGradient()) {
          throw new IllegalStateException(
              "parameter " + pair.getKey() + " has no gradient: its array was replaced after"
                  + " trainer.initialize (by Block.loadParameters, Model.load or"
                  + " Parameter.setArray), and the trainer trains the array it kept then, not this"
                  + " one. Load the weights before trainer.initialize, or copy them into the"
                  + " existing arrays in place (parameter.getArray().set(...))",
              e);
        }
      }
      throw e;
    }
  }

  /** The record with the guard's step number (see {@link StepReport}). */
  private static StepTelemetry numbered(StepTelemetry t, long step) {
    return new StepTelemetry(
        step, t.observed(), t.threshold(), t.mean(), t.sigma(), t.clipped(), t.minScale(),
        t.skipped());
  }

  /**
   * {@code mean_i(L_i)} from the committed step, {@code L_i = out_i / s_i} ({@code s_i > 0} for
   * every positive loss, as {@code lmax > 0} with {@code eps > 0}; a loss of 0 has {@code s_i = 1}).
   */
  private static double unclippedMean(AlrcStep step) {
    double sum = 0;
    for (int i = 0; i < step.size(); i++) {
      double s = step.scale(i);
      sum += s == 1 ? step.output(i) : step.output(i) / s;
    }
    return sum / step.size();
  }

  private void publish(Metrics metrics, StepReport r) {
    if (metrics == null || r == null) {
      return;
    }
    metrics.addMetric(GuardMetrics.SKIPPED_STEPS_TOTAL, r.skippedSteps());
    addFinite(metrics, GuardMetrics.GRADIENT_NORM, r.gradientNorm());
    if (lossSkipper != null || normSkipper != null) {
      metrics.addMetric(GuardMetrics.SPIKE_SKIPPED_STEPS_TOTAL, r.spikeSkippedSteps());
    }
    if (r.lossSpike() != null) {
      addFinite(metrics, GuardMetrics.LOSS_SPIKE_THRESHOLD, r.lossSpike().threshold());
    }
    if (r.gradientNormSpike() != null) {
      addFinite(metrics, GuardMetrics.GRADIENT_NORM_SPIKE_THRESHOLD, r.gradientNormSpike().threshold());
    }
    if (!r.applied()) {
      return;
    }
    if (r.truncation() != null) {
      addFinite(metrics, GuardMetrics.TRUNCATION_OBJECTIVE, r.objective());
      addFinite(metrics, GuardMetrics.TRUNCATION_UNTRUNCATED_LOSS, r.unclippedLoss());
      addFinite(metrics, GuardMetrics.TRUNCATION_THRESHOLD, r.truncation().threshold());
      addFinite(metrics, GuardMetrics.TRUNCATION_DROP_FRACTION, r.dropFraction());
    }
    if (r.alrc() != null) {
      addFinite(metrics, GuardMetrics.ALRC_OBJECTIVE, r.objective());
      addFinite(metrics, GuardMetrics.ALRC_UNCLIPPED_LOSS, r.unclippedLoss());
      addFinite(metrics, GuardMetrics.ALRC_THRESHOLD, r.alrc().threshold());
      addFinite(metrics, GuardMetrics.ALRC_MU1, r.alrc().mean());
      addFinite(metrics, GuardMetrics.ALRC_SIGMA, r.alrc().sigma());
      addFinite(metrics, GuardMetrics.ALRC_CLIP_FRACTION, r.clipFraction());
    }
    for (int i = 0; i < r.stabilizers().size(); i++) {
      String kind = stabilizers.get(i).kind();
      StepTelemetry t = r.stabilizers().get(i);
      addFinite(metrics, GuardMetrics.stabilizerThreshold(kind), t.threshold());
      addFinite(metrics, GuardMetrics.stabilizerMinScale(kind), t.minScale());
    }
  }

  private static void addFinite(Metrics metrics, String name, double value) {
    if (Double.isFinite(value)) {
      metrics.addMetric(name, value);
    }
  }

  private static void checkOneDevice(Device[] devices, String what) {
    if (devices != null && devices.length > 1) {
      throw new IllegalArgumentException(
          "StepGuard supports training on one device, and " + what + " has " + devices.length
              + " " + Arrays.toString(devices) + ": DJL's parameter server calls"
              + " Optimizer.update once per device for each parameter, which the guarded"
              + " optimizer and CheckpointableAdam cannot tell from a second update, and the"
              + " guard measures the gradients of the first device only. Train on one device,"
              + " e.g. config.optDevices(new Device[] {Device.gpu()})");
    }
  }

  /** Builds a {@link StepGuard}; all options are optional and {@link #build()} validates. */
  public static final class Builder {
    private StatefulAlrcLoss alrc;
    private TruncatedLoss truncated;
    private MonitoredLoss monitored;
    private final List<GradientStabilizer> stabilizers = new ArrayList<>();
    private Integer nonFiniteLimit;
    private Consumer<StepReport> reportListener;
    private SpikeSignal spikeSignal;
    private int spikeInterval;
    private double spikeFactor;

    private Builder() {}

    /** The ALRC loss whose statistics the guard commits once per applied step. */
    public Builder optAlrcLoss(StatefulAlrcLoss alrc) {
      this.alrc = alrc;
      return this;
    }

    /**
     * The truncated loss ({@link TruncatedLoss}) whose history the guard commits once per applied
     * step; not together with an ALRC loss (a training has one loss).
     */
    public Builder optTruncatedLoss(TruncatedLoss truncated) {
      this.truncated = truncated;
      return this;
    }

    /**
     * The training loss, wrapped so that the guard can read its value for skip-step's loss signal,
     * when it is neither an ALRC nor a truncated loss (those report their losses themselves).
     */
    public Builder optMonitoredLoss(MonitoredLoss monitored) {
      this.monitored = monitored;
      return this;
    }

    /**
     * Skip-step with the references' defaults: both signals, a window of {@value
     * SpikeSkipper#DEFAULT_INTERVAL} steps, a factor of 6 standard deviations.
     */
    public Builder optSkipOnSpikes() {
      return optSkipOnSpikes(
          SpikeSkipper.DEFAULT_INTERVAL, SpikeSkipper.DEFAULT_FACTOR, SpikeSignal.BOTH);
    }

    /**
     * Skip-step ({@link SpikeSkipper}; OLMo-core's {@code SkipStepOptimizer}): the update of a
     * step is skipped when a watched value is more than {@code factor} rolling standard deviations
     * above the mean of the previous {@code interval} values. The loss signal needs the step's
     * loss: an ALRC loss, a truncated loss, or {@link #optMonitoredLoss}.
     *
     * @param interval the rolling window, &gt;= 1 (the monitor acts from the {@code
     *     max(2, interval / 2)}-th value on)
     * @param factor the number of standard deviations, finite and &gt; 0
     * @param signal what to watch
     */
    public Builder optSkipOnSpikes(int interval, double factor, SpikeSignal signal) {
      if (signal == null) {
        throw new IllegalArgumentException("signal must not be null: LOSS, GRADIENT_NORM or BOTH");
      }
      new SpikeSkipper(interval, factor); // the core's checks, naming the parameter
      this.spikeSignal = signal;
      this.spikeInterval = interval;
      this.spikeFactor = factor;
      return this;
    }

    /** A gradient stabilizer, applied after those added before it. */
    public Builder addStabilizer(GradientStabilizer stabilizer) {
      if (stabilizer == null) {
        throw new IllegalArgumentException("stabilizer must not be null");
      }
      stabilizers.add(stabilizer);
      return this;
    }

    /**
     * The K-th non-finite step in a row throws; default: the ALRC loss's limit, else {@link
     * AlrcConfig#DEFAULT_NON_FINITE_LIMIT}.
     */
    public Builder optNonFiniteLimit(int limit) {
      this.nonFiniteLimit = limit;
      return this;
    }

    /** Receives every step's report (telemetry is data: the guard only logs skips). */
    public Builder optReportListener(Consumer<StepReport> listener) {
      this.reportListener = listener;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException for a limit below 1, a stabilizer added twice, more than
     *     one of the ALRC, truncated and monitored losses, or skip-step's loss signal without a
     *     loss to read
     */
    public StepGuard build() {
      if (nonFiniteLimit != null && nonFiniteLimit < 1) {
        throw new IllegalArgumentException(
            "nonFiniteLimit (" + nonFiniteLimit + ") must be >= 1");
      }
      int losses = (alrc != null ? 1 : 0) + (truncated != null ? 1 : 0) + (monitored != null ? 1 : 0);
      if (losses > 1) {
        throw new IllegalArgumentException(
            "optAlrcLoss, optTruncatedLoss and optMonitoredLoss each name the training loss:"
                + " set one of them (a training has one loss)");
      }
      if (spikeSignal != null && spikeSignal.watchesLoss() && losses == 0) {
        throw new IllegalArgumentException(
            "optSkipOnSpikes(..., " + spikeSignal + ") watches the loss, and the guard has no"
                + " loss to read it from: attach the training loss with optAlrcLoss,"
                + " optTruncatedLoss or optMonitoredLoss(MonitoredLoss.of(loss)), or watch"
                + " SpikeSignal.GRADIENT_NORM only");
      }
      for (int i = 0; i < stabilizers.size(); i++) {
        for (int j = i + 1; j < stabilizers.size(); j++) {
          if (stabilizers.get(i) == stabilizers.get(j)) {
            throw new IllegalArgumentException(
                "stabilizer " + stabilizers.get(i).kind() + " was added twice: its state would"
                    + " advance twice per step");
          }
        }
      }
      return new StepGuard(this);
    }
  }
}
