package io.alrc.djl.training;

import ai.djl.nn.ParameterList;
import ai.djl.training.Trainer;
import ai.djl.training.listener.DivergenceCheckTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import io.alrc.AlrcConfig;
import io.alrc.NonFiniteStepException;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.stabilizer.GradientStabilizer;
import io.alrc.djl.stabilizer.Gradients;
import io.alrc.telemetry.StepTelemetry;
import io.alrc.snapshot.SnapshotFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides each training step once, between backward and the optimizer step: it commits ALRC's
 * statistics and applies the gradient stabilizers, or it skips a step whose loss or gradients are
 * not finite. <b>Stateful</b> (step counters, the current decision) and <b>not thread-safe</b>: one
 * guard per training.
 *
 * <pre>
 * afterBackward(parameters), once per step:
 *   if an ALRC loss is attached and a pending example loss is NaN or infinite: skip
 *   norm = global L2 norm of all gradients;  if norm is not finite: skip
 *   otherwise: every stabilizer in order scales the gradients and advances its state,
 *              then ALRC commits (mu1, mu2 advance once); the optimizer step runs
 *   skip: nothing advances, the guarded optimizer leaves weights and its own state untouched
 *         and clears the gradients; the skip is counted and logged (WARN), and the K-th skip in
 *         a row throws NonFiniteStepException naming the step
 * </pre>
 *
 * <h2>Wiring</h2>
 *
 * Two parts, because DJL offers no single hook for both: the guard is a {@link TrainingListener}
 * ({@code onTrainingBatch} runs after backward and before {@code Trainer.step()}), and {@link
 * #wrap(Optimizer)} returns the {@link GuardedOptimizer} that carries a skip decision into {@code
 * Trainer.step()}, which {@code EasyTrain.fit} always calls.
 *
 * <pre>{@code
 * // EasyTrain.fit
 * config.optOptimizer(guard.wrap(Optimizer.adam().build())).addTrainingListeners(guard);
 * // hand-written loop, per step
 * try (GradientCollector c = trainer.newGradientCollector()) { c.backward(loss.evaluate(labels, preds)); }
 * guard.afterBackward(trainer);
 * trainer.step();                  // always: a skipped step is skipped inside the optimizer
 * }</pre>
 *
 * With DJL's default listeners, pass them through {@link #withoutDivergenceCheck}: DJL's divergence
 * check would stop training at the first NaN batch, before the guard can skip it.
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
  private final List<GradientStabilizer> stabilizers;
  private final int nonFiniteLimit;
  private final Consumer<StepReport> reportListener;

  private long steps;
  private long skippedSteps;
  private int consecutiveSkipped;
  private long decision;
  private long acknowledged;
  private boolean skipping;
  private boolean wrapped;
  private StepReport last;

  private StepGuard(Builder b) {
    this.alrc = b.alrc;
    this.stabilizers = List.copyOf(b.stabilizers);
    this.nonFiniteLimit =
        b.nonFiniteLimit != null
            ? b.nonFiniteLimit
            : alrc != null ? alrc.config().nonFiniteLimit() : AlrcConfig.DEFAULT_NON_FINITE_LIMIT;
    this.reportListener = b.reportListener;
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
   * Wraps the optimizer of the {@code TrainingConfig} so that skipped steps update nothing. Call
   * it once per guard.
   */
  public Optimizer wrap(Optimizer optimizer) {
    if (wrapped) {
      throw new IllegalStateException("this StepGuard already wraps an optimizer");
    }
    GuardedOptimizer guarded = new GuardedOptimizer(this, optimizer);
    wrapped = true;
    return guarded;
  }

  /** {@link #afterBackward(ParameterList)} for the trainer's model. */
  public StepReport afterBackward(Trainer trainer) {
    return afterBackward(trainer.getModel().getBlock().getParameters());
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
    if (!wrapped) {
      throw new IllegalStateException(
          "StepGuard cannot skip steps without its optimizer: build the TrainingConfig with"
              + " optOptimizer(guard.wrap(optimizer))");
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
    long step = ++steps;
    String reason = alrc != null ? alrc.pendingNonFiniteLoss().orElse(null) : null;
    double norm = Double.NaN;
    List<StepTelemetry> applied = new ArrayList<>(stabilizers.size());
    if (reason == null) {
      try (Gradients g = Gradients.of(parameters)) {
        norm = g.globalNorm();
        if (!Double.isFinite(norm)) {
          reason = "gradient norm is " + norm;
        } else {
          for (GradientStabilizer s : stabilizers) {
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
    if (reason == null) {
      skipping = false;
      consecutiveSkipped = 0;
      StepTelemetry alrcTelemetry = alrc != null ? alrc.commit().telemetry() : null;
      last =
          new StepReport(
              step, false, null, norm, alrcTelemetry, applied, 0, skippedSteps);
      notifyReport(last);
      return last;
    }
    skipping = true;
    skippedSteps++;
    consecutiveSkipped++;
    StepTelemetry alrcTelemetry = alrc != null ? alrc.discard().orElse(null) : null;
    last =
        new StepReport(
            step, true, reason, norm, alrcTelemetry, List.of(), consecutiveSkipped, skippedSteps);
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

  /** Training steps decided so far, skipped ones included. */
  public long steps() {
    return steps;
  }

  /** Steps skipped in total. */
  public long skippedSteps() {
    return skippedSteps;
  }

  /** Steps skipped in a row up to now (0 after an applied step). */
  public int consecutiveSkipped() {
    return consecutiveSkipped;
  }

  /** The limit K: the K-th non-finite step in a row throws. */
  public int nonFiniteLimit() {
    return nonFiniteLimit;
  }

  /**
   * Saves the guard's counters and the state of its ALRC loss and every stabilizer, in the
   * versioned snapshot envelope (kind {@value #SNAPSHOT_KIND}), so a checkpointed run resumes with
   * the same statistics and the same count of non-finite steps in a row. Call it between steps.
   */
  public byte[] snapshot() {
    return SnapshotFormat.encode(
        SNAPSHOT_KIND,
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
        });
  }

  /**
   * Restores what {@link #snapshot()} wrote, for a guard built the same way (same ALRC
   * configuration, same stabilizers in the same order).
   *
   * @throws IllegalArgumentException if the snapshot was taken with other components, naming them
   */
  public void restore(byte[] bytes) {
    SnapshotFormat.decode(
        bytes,
        SNAPSHOT_KIND,
        in -> {
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
          if (alrc != null) {
            alrc.restore(alrcBytes);
          }
          for (int i = 0; i < n; i++) {
            stabilizers.get(i).restore(states[i]);
          }
          steps = savedSteps;
          skippedSteps = savedSkipped;
          consecutiveSkipped = savedConsecutive;
          decision = 0;
          acknowledged = 0;
          skipping = false;
          last = null;
          return null;
        });
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

  /** Nothing to do. */
  @Override
  public void onTrainingBegin(Trainer trainer) {}

  /** Nothing to do. */
  @Override
  public void onTrainingEnd(Trainer trainer) {}

  private void notifyReport(StepReport report) {
    if (reportListener != null) {
      reportListener.accept(report);
    }
  }

  /** Builds a {@link StepGuard}; all options are optional and {@link #build()} validates. */
  public static final class Builder {
    private StatefulAlrcLoss alrc;
    private final List<GradientStabilizer> stabilizers = new ArrayList<>();
    private Integer nonFiniteLimit;
    private Consumer<StepReport> reportListener;

    private Builder() {}

    /** The ALRC loss whose statistics the guard commits once per applied step. */
    public Builder optAlrcLoss(StatefulAlrcLoss alrc) {
      this.alrc = alrc;
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
     * @throws IllegalArgumentException for a limit below 1 or a stabilizer added twice
     */
    public StepGuard build() {
      if (nonFiniteLimit != null && nonFiniteLimit < 1) {
        throw new IllegalArgumentException(
            "nonFiniteLimit (" + nonFiniteLimit + ") must be >= 1");
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
