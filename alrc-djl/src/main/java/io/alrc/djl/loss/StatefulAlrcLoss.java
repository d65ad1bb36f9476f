package io.alrc.djl.loss;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import io.alrc.AlrcClipper;
import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import io.alrc.AlrcStep;
import io.alrc.NonFiniteLossException;
import io.alrc.djl.training.StepArrays;
import io.alrc.snapshot.AlrcSnapshot;
import io.alrc.telemetry.StepTelemetry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adaptive learning rate clipping (ALRC; Ede and Beanland, arXiv 1906.09060) as a DJL {@link
 * Loss}: a <b>stateful</b>, <b>not thread-safe</b> wrapper around a {@link PerExampleLoss} that
 * carries the running moments {@code mu1}, {@code mu2} of the loss from step to step. Build it with
 * {@link AlrcLoss#builder()}.
 *
 * <p>For the per-example losses {@code L_1..L_B} of a training step and the committed state, the
 * value of {@link #evaluate} is
 *
 * <pre>
 * lmax      = mu1 + n * sigma,  sigma = sqrt(max(mu2 - mu1^2, 0) + eps)   # committed state, before this step
 * s_i       = L_i &lt; lmax ? 1 : lmax / L_i                              # a constant: no gradient flows through it
 * objective = mean_i(s_i * L_i)                                         # gradient of example i: s_i * dL_i/dtheta
 * </pre>
 *
 * exactly {@link AlrcClipper}'s rule; the constants are {@link AlrcConfig}'s. Unless initial moments
 * are given, the moments start with {@link AlrcConfig}'s auto start (a robust warm-up over the
 * first 64 losses, then bias-corrected running moments), which needs no guess of the loss scale.
 *
 * <h2>Once per step: evaluate, then commit</h2>
 *
 * DJL evaluates a loss more often than once per step: {@code Loss.updateAccumulators} evaluates it
 * again for the logged loss, and validation evaluates it on other data. So {@link #evaluate} never
 * advances the statistics: it computes the scales from the <em>committed</em> state and keeps the
 * step's losses as <em>pending</em> (the latest evaluation per device replaces an earlier one). The
 * statistics advance when the step is {@link #commit() committed}, once, after backward and before
 * the optimizer step; a step that must not count (a non-finite loss or gradient) is {@link
 * #discard() discarded} instead. {@link io.alrc.djl.training.StepGuard} does this for you, as a
 * {@code TrainingListener} in {@code EasyTrain.fit} or by one call in a hand-written loop. The
 * guard supports one device and refuses a multi-device configuration; a loop that commits by
 * itself and evaluates on several devices gets their pending evaluations committed as one batch
 * (not tested on several devices: DJL's PyTorch engine offers a single CPU device).
 *
 * <p>An evaluation that replaces a pending one of the same device, with no commit or discard in
 * between, is counted ({@link #replacedEvaluations()}) and the first such replacement is logged at
 * WARN through SLF4J: it means nothing commits this loss (no {@code StepGuard}, no {@code
 * commit()}), so its statistics never move, or that a validation batch was evaluated with the
 * training loss.
 *
 * <p>The accumulator methods ({@code addAccumulator}, {@code updateAccumulators}, ...) are handed
 * to the wrapped loss as a batch mean, as DJL's {@code AbstractCompositeLoss} hands them to its
 * components: training and validation logs show the <em>unclipped</em> mean loss, under the base
 * loss's name (e.g. {@code MSE}, see {@link Builder#optName}), and they never touch ALRC's state.
 * The batch of a training step whose loss was not finite is left out of the accumulators, so
 * epoch means stay finite across a skipped step (a per-batch value such as DJL's
 * {@code train/all} then reads NaN for that batch, which is why {@link
 * io.alrc.djl.training.StepGuard#withoutDivergenceCheck} exists).
 *
 * <h2>Edge cases</h2>
 *
 * <ul>
 *   <li>A loss of 0 has scale 1. A finite negative loss throws {@link IllegalArgumentException}
 *       from {@link #evaluate}, naming the example and value (ALRC's domain is {@code L >= 0}).
 *   <li>A non-finite loss (NaN, infinity) in a batch: {@link #evaluate} multiplies every loss by 1
 *       (never 0, so DJL's first-step check for all-zero gradients does not fire), and the step
 *       must be skipped. {@link #discard()} leaves the state as it was; {@link #commit()} records
 *       the skip as {@link AlrcClipper} does (moments untouched, counted, {@link
 *       NonFiniteLossException} at the {@link AlrcConfig#nonFiniteLimit() K-th} in a row).
 *   <li>{@link #commit()} without a pending evaluation throws {@link IllegalStateException}.
 * </ul>
 *
 * <h2>Memory</h2>
 *
 * The arrays {@link #evaluate} creates besides its result are closed before it returns; the
 * result lives in the predictions' manager, as with DJL's own losses.
 *
 * <h2>Thread safety</h2>
 *
 * Not thread-safe in general: one instance belongs to one training. The pending evaluations are
 * guarded, so splits may be evaluated from several threads (multi-device training, which {@link
 * io.alrc.djl.training.StepGuard} does not support).
 */
public final class StatefulAlrcLoss extends Loss {
  private static final Logger LOG = LoggerFactory.getLogger(StatefulAlrcLoss.class);

  private final PerExampleLoss base;
  private final Loss accumulators;
  private final AlrcClipper clipper;

  private AlrcState state;
  private AlrcStep lastStep;
  private StepTelemetry lastTelemetry;
  private final Map<Device, Pending> pending = new LinkedHashMap<>();
  private final Set<NDList> nonFiniteTraining =
      Collections.newSetFromMap(new IdentityHashMap<>());
  private long replacedEvaluations;

  /** The root threshold applied after clipping ({@link Builder#optSqrtAboveAfterClipping}), or NaN. */
  private final double sqrtAfterClipping;

  StatefulAlrcLoss(String name, PerExampleLoss base, AlrcConfig config) {
    this(name, base, config, Double.NaN);
  }

  StatefulAlrcLoss(String name, PerExampleLoss base, AlrcConfig config, double sqrtAfterClipping) {
    super(name);
    this.sqrtAfterClipping = sqrtAfterClipping;
    this.base = base;
    this.accumulators = new PerExampleLosses.BatchMeanLoss(name, base);
    this.clipper = new AlrcClipper(config);
    this.state = clipper.init();
  }

  /** The configuration. */
  public AlrcConfig config() {
    return clipper.config();
  }

  /** The wrapped per-example loss. */
  public PerExampleLoss baseLoss() {
    return base;
  }

  /** The committed state: the moments the next step's threshold is computed from. */
  public synchronized AlrcState state() {
    return state;
  }

  /** The last committed step (scales, clipped losses, threshold), if any. */
  public synchronized Optional<AlrcStep> lastStep() {
    return Optional.ofNullable(lastStep);
  }

  /**
   * What ALRC did in the last committed or discarded step, as the shared telemetry record; a
   * discarded step has {@code skipped} set.
   */
  public synchronized Optional<StepTelemetry> lastTelemetry() {
    return Optional.ofNullable(lastTelemetry);
  }

  /**
   * The clipped batch-mean objective {@code mean_i(s_i * L_i)}, with scales from the committed
   * state; records the step's losses as pending for {@link #commit()} and changes nothing else.
   *
   * @param labels the labels
   * @param predictions the predictions, first dimension the batch
   * @return a scalar whose gradient for example {@code i} is {@code s_i * dL_i/dtheta / B}
   * @throws IllegalArgumentException if the per-example loss does not have shape {@code (B,)}, or
   *     a finite loss is negative (naming the example and value)
   */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray per = base.evaluate(labels, predictions);
    boolean own = !PerExampleLosses.isInput(per, labels, predictions);
    try {
      long batch = predictions.head().getShape().get(0);
      PerExampleLosses.checkPerExample(base.name(), per, batch);
      float[] losses = toFloats(per);
      int bad = firstNonFinite(losses);
      float[] multipliers = new float[losses.length];
      AlrcStep step = null;
      AlrcState before;
      synchronized (this) {
        before = state;
      }
      if (bad < 0) {
        step = clipper.update(losses, before);
        step.copyScalesTo(multipliers);
      } else {
        java.util.Arrays.fill(multipliers, 1f);
      }
      synchronized (this) {
        if (pending.isEmpty()) {
          nonFiniteTraining.clear();
        }
        if (pending.put(per.getDevice(), new Pending(losses, before, step, bad)) != null) {
          replaced();
        }
        if (bad >= 0) {
          nonFiniteTraining.add(predictions);
        }
      }
      try (NDArray s = scalesLike(per, multipliers);
          NDArray weighted = per.mul(s)) {
        if (!Double.isNaN(sqrtAfterClipping)) {
          try (NDArray rooted = PerExampleLosses.sqrtAbove(weighted, sqrtAfterClipping)) {
            return rooted.mean();
          }
        }
        return weighted.mean();
      }
    } finally {
      if (own) {
        per.close();
      }
    }
  }

  /** Counts and, the first time, logs an evaluation that replaced an uncommitted one. */
  private void replaced() {
    replacedEvaluations++;
    if (replacedEvaluations == 1) {
      LOG.warn(
          "{}: an ALRC evaluation replaced one that was never committed (after {} committed"
              + " steps): its statistics only move when each training step is committed once,"
              + " after backward. Attach a StepGuard (StepGuard.of(loss) as a TrainingListener"
              + " for EasyTrain.fit, or guard.afterBackward(trainer) in a hand-written loop) or"
              + " call loss.commit(); evaluate validation batches with a separate loss. Further"
              + " replacements are counted in replacedEvaluations(), not logged.",
          getName(),
          state.steps());
    }
  }

  /**
   * How many evaluations replaced a pending one of the same device that was neither committed nor
   * discarded: 0 in a correctly wired training. Not reset by {@link #reset()} or {@link
   * #restore(byte[])}.
   */
  public synchronized long replacedEvaluations() {
    return replacedEvaluations;
  }

  /** Whether an evaluation is pending (evaluated since the last commit or discard). */
  public synchronized boolean hasPending() {
    return !pending.isEmpty();
  }

  /**
   * Describes the first non-finite loss of the pending evaluations, e.g. {@code "loss of example
   * 3 is NaN"}; empty if all are finite or nothing is pending.
   */
  public synchronized Optional<String> pendingNonFiniteLoss() {
    for (Pending p : pending.values()) {
      if (p.nonFiniteIndex >= 0) {
        return Optional.of(
            String.format(
                Locale.ROOT,
                "loss of example %d is %s",
                p.nonFiniteIndex,
                p.losses[p.nonFiniteIndex]));
      }
    }
    return Optional.empty();
  }

  /**
   * The mean of the pending per-example losses before clipping, {@code mean_i(L_i)} over every
   * pending device (what a loss-spike monitor watches); empty if nothing is pending.
   */
  public synchronized java.util.OptionalDouble pendingMeanLoss() {
    if (pending.isEmpty()) {
      return java.util.OptionalDouble.empty();
    }
    double sum = 0;
    int n = 0;
    for (Pending p : pending.values()) {
      for (float l : p.losses) {
        sum += l;
      }
      n += p.losses.length;
    }
    return java.util.OptionalDouble.of(sum / n);
  }

  /**
   * Advances the statistics by the pending step, once: the only method that moves {@code mu1} and
   * {@code mu2}. Call it after backward and before the optimizer step (or let {@link
   * io.alrc.djl.training.StepGuard} call it).
   *
   * @return the committed step
   * @throws IllegalStateException if nothing is pending
   * @throws NonFiniteLossException if the pending losses are non-finite for the {@link
   *     AlrcConfig#nonFiniteLimit() K-th} step in a row (the state stays as before)
   */
  public synchronized AlrcStep commit() {
    if (pending.isEmpty()) {
      throw new IllegalStateException(
          "commit() found no pending ALRC evaluation: call evaluate(labels, predictions) for the"
              + " training batch (inside the GradientCollector) before committing, once per step");
    }
    try {
      AlrcStep step;
      if (pending.size() == 1) {
        Pending p = pending.values().iterator().next();
        step =
            p.step != null && p.stateAtEvaluate == state ? p.step : clipper.update(p.losses, state);
      } else {
        step = clipper.update(concatenated(), state);
      }
      state = step.state();
      lastStep = step;
      lastTelemetry = step.telemetry();
      return step;
    } finally {
      pending.clear();
    }
  }

  /**
   * Drops the pending step without touching the state: for a step that is skipped (a non-finite
   * loss or gradient).
   *
   * @return the skipped step's telemetry ({@code skipped} set), or empty if nothing was pending
   */
  public synchronized Optional<StepTelemetry> discard() {
    if (pending.isEmpty()) {
      return Optional.empty();
    }
    double observed = Double.NEGATIVE_INFINITY;
    for (Pending p : pending.values()) {
      if (p.nonFiniteIndex >= 0) {
        observed = p.losses[p.nonFiniteIndex];
        break;
      }
      for (float l : p.losses) {
        observed = Math.max(observed, l);
      }
    }
    lastTelemetry =
        new StepTelemetry(
            state.steps() + 1,
            observed,
            clipper.threshold(state),
            state.mu1(),
            clipper.sigma(state),
            0,
            Double.NaN,
            true,
            state.inWarmup(config()));
    pending.clear();
    return Optional.of(lastTelemetry);
  }

  /** The configuration and committed state in the versioned snapshot format ({@link AlrcSnapshot}). */
  public synchronized byte[] snapshot() {
    return new AlrcSnapshot(config(), state).toBytes();
  }

  /**
   * Continues from a snapshot taken by {@link #snapshot()}; drops any pending evaluation.
   *
   * @throws IllegalArgumentException if the bytes are not an ALRC snapshot
   * @throws IllegalStateException if the snapshot was taken with another configuration (naming
   *     both)
   */
  public synchronized void restore(byte[] bytes) {
    AlrcState restored = AlrcSnapshot.fromBytes(bytes).stateFor(config());
    state = restored;
    pending.clear();
  }

  /** Back to the fresh state {@code mu1(0)}, {@code mu2(0)}; drops any pending evaluation. */
  public synchronized void reset() {
    state = clipper.init();
    lastStep = null;
    lastTelemetry = null;
    pending.clear();
  }

  // Accumulators: the wrapped loss's batch mean, as AbstractCompositeLoss hands them to components.

  /** {@inheritDoc} Kept by the wrapped loss (the unclipped batch mean). */
  @Override
  public void addAccumulator(String key) {
    accumulators.addAccumulator(key);
  }

  /** {@inheritDoc} Evaluates the wrapped loss; never touches ALRC's state. */
  @Override
  public void updateAccumulator(String key, NDList labels, NDList predictions) {
    updateAccumulators(new String[] {key}, labels, predictions);
  }

  /**
   * {@inheritDoc} Evaluates the wrapped loss (the unclipped batch mean); never touches ALRC's
   * state. The predictions of a training step whose loss was not finite are left out.
   */
  @Override
  public void updateAccumulators(String[] keys, NDList labels, NDList predictions) {
    synchronized (this) {
      if (nonFiniteTraining.contains(predictions)) {
        return;
      }
    }
    accumulators.updateAccumulators(keys, labels, predictions);
  }

  /** {@inheritDoc} */
  @Override
  public void resetAccumulator(String key) {
    accumulators.resetAccumulator(key);
  }

  /** {@inheritDoc} The unclipped mean loss. */
  @Override
  public float getAccumulator(String key) {
    return accumulators.getAccumulator(key);
  }

  @Override
  public String toString() {
    return getName() + "[" + config() + ", " + state() + "]";
  }

  private float[] concatenated() {
    int n = 0;
    for (Pending p : pending.values()) {
      n += p.losses.length;
    }
    float[] all = new float[n];
    int at = 0;
    for (Pending p : pending.values()) {
      System.arraycopy(p.losses, 0, all, at, p.losses.length);
      at += p.losses.length;
    }
    return all;
  }

  private static float[] toFloats(NDArray per) {
    if (per.getDataType() == DataType.FLOAT32) {
      return per.toFloatArray();
    }
    try (NDArray f = per.toType(DataType.FLOAT32, true)) {
      return f.toFloatArray();
    }
  }

  private static NDArray scalesLike(NDArray per, float[] multipliers) {
    NDArray s = StepArrays.copyOf(per.getManager(), multipliers, new Shape(multipliers.length));
    if (per.getDataType() == DataType.FLOAT32) {
      return s;
    }
    try (s) {
      return s.toType(per.getDataType(), true);
    }
  }

  private static int firstNonFinite(float[] losses) {
    for (int i = 0; i < losses.length; i++) {
      if (!Float.isFinite(losses[i])) {
        return i;
      }
    }
    return -1;
  }

  /** One device's evaluation awaiting commit. */
  private static final class Pending {
    final float[] losses;
    final AlrcState stateAtEvaluate;
    final AlrcStep step;
    final int nonFiniteIndex;

    Pending(float[] losses, AlrcState stateAtEvaluate, AlrcStep step, int nonFiniteIndex) {
      this.losses = losses;
      this.stateAtEvaluate = stateAtEvaluate;
      this.step = step;
      this.nonFiniteIndex = nonFiniteIndex;
    }
  }

  /**
   * Builds a {@link StatefulAlrcLoss} in DJL's style: {@code setBaseLoss} is required, {@code optX}
   * are optional, and {@link #build()} validates. Unset options take the chosen profile's defaults
   * from {@link AlrcConfig} ({@code auto}, the scale-free start, unless {@link #optProfile} says
   * otherwise); they are not restated here. The options have the names of {@link
   * AlrcConfig.Builder}'s methods with {@code opt} in front.
   *
   * <p>Where the moments start is one choice: {@link #optInitialMoments(double, double)} (fixed
   * moments, a pair) or the auto start (the default; {@link #optWarmup(int)} sets its length).
   */
  public static final class Builder {
    private PerExampleLoss base;
    private String name;
    private AlrcConfig.Profile profile;
    private AlrcConfig config;
    private Double n;
    private Double beta1;
    private Double beta2;
    private Double initialMu1;
    private Double initialMu2;
    private Integer warmup;
    private Double eps;
    private Integer nonFiniteLimit;
    private Integer warmupLosses;
    private double sqrtAfterClipping = Double.NaN;
    private Double lowerN;

    Builder() {}

    /** Required: the per-example loss to clip. */
    public Builder setBaseLoss(PerExampleLoss base) {
      this.base = base;
      return this;
    }

    /**
     * The loss's name in DJL's logs, where it labels what the accumulators report: the
     * <em>unclipped</em> batch mean. Default {@code baseLoss.name()} (e.g. {@code MSE}), the name
     * of the same loss without ALRC ({@link PerExampleLosses#batchMean}), so runs with and without
     * ALRC log it under one metric name; {@link io.alrc.djl.training.StepGuard#evaluators()} log
     * the clipped objective as {@code alrc_objective}.
     */
    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    /**
     * The parameter profile whose defaults the unset options take; default {@code auto}. {@code
     * reference} and {@code cifar2019} are the authors' constants, fixed initial moments included.
     */
    public Builder optProfile(AlrcConfig.Profile profile) {
      this.profile = profile;
      return this;
    }

    /** A complete configuration; cannot be combined with the per-field options. */
    public Builder optConfig(AlrcConfig config) {
      this.config = config;
      return this;
    }

    /** Threshold in running standard deviations above the running mean. */
    public Builder optN(double n) {
      this.n = n;
      return this;
    }

    /** Both decays, {@code beta1} and {@code beta2}. */
    public Builder optBeta(double beta) {
      this.beta1 = beta;
      this.beta2 = beta;
      return this;
    }

    /** Decay of the running mean {@code mu1}. */
    public Builder optBeta1(double beta1) {
      this.beta1 = beta1;
      return this;
    }

    /** Decay of the running second moment {@code mu2}. */
    public Builder optBeta2(double beta2) {
      this.beta2 = beta2;
      return this;
    }

    /**
     * Fixed initial moments: {@code mu1(0)}, the initial running mean of the loss, and {@code
     * mu2(0)}, that of its square ({@code > mu1^2}); replaces the auto start.
     */
    public Builder optInitialMoments(double mu1, double mu2) {
      this.initialMu1 = mu1;
      this.initialMu2 = mu2;
      return this;
    }

    /**
     * {@code mu1(0)}: one half of {@link #optInitialMoments(double, double)}; {@link #build()}
     * fails unless {@link #optInitialMu2(double)} is set too.
     *
     * @deprecated set the pair with {@link #optInitialMoments(double, double)}
     */
    @Deprecated
    public Builder optInitialMu1(double mu1) {
      this.initialMu1 = mu1;
      return this;
    }

    /**
     * {@code mu2(0)}: one half of {@link #optInitialMoments(double, double)}; {@link #build()}
     * fails unless {@link #optInitialMu1(double)} is set too.
     *
     * @deprecated set the pair with {@link #optInitialMoments(double, double)}
     */
    @Deprecated
    public Builder optInitialMu2(double mu2) {
      this.initialMu2 = mu2;
      return this;
    }

    /**
     * The auto start's warm-up length in example losses ({@link AlrcConfig.Builder#warmup(int)});
     * with a profile of fixed moments it replaces them by the auto start.
     */
    public Builder optWarmup(int k) {
      this.warmup = k;
      return this;
    }

    /** Added to the variance under the square root (relative to {@code mu2} with the auto start). */
    public Builder optEps(double eps) {
      this.eps = eps;
      return this;
    }

    /**
     * The K-th consecutive non-finite step raises an error; {@link
     * io.alrc.djl.training.StepGuard} takes it as its own limit unless given another.
     */
    public Builder optNonFiniteLimit(int limit) {
      this.nonFiniteLimit = limit;
      return this;
    }

    /**
     * Legacy extension: the plain mean of the first {@code k} example losses replaces fixed
     * initial moments ({@link AlrcConfig.Builder#warmupLosses(int)}); needs a profile with fixed
     * moments, e.g. {@code optProfile(AlrcConfig.Profile.REFERENCE)}.
     *
     * @deprecated outlier-sensitive: use the auto start ({@link #optWarmup(int)}, the default)
     */
    @Deprecated
    public Builder optWarmupLosses(int k) {
      this.warmupLosses = k;
      return this;
    }

    /** Extension: a lower threshold {@code mu1 - lowerN * sigma}. */
    public Builder optLowerN(double lowerN) {
      this.lowerN = lowerN;
      return this;
    }

    /**
     * Applies {@code x < t ? x : sqrt(x)} to each clipped loss {@code s_i * L_i} before the batch
     * mean: the authors' "Huberized" MSE of partial-scan STEM completion with ALRC ({@code t = 1}),
     * where ALRC clips the raw squared error (and its moments follow the clipped raw losses) and the
     * root comes after. Without it, a Huberized loss given as the base loss is clipped after its
     * root. Off by default.
     *
     * @param threshold {@code t}; finite, &gt; 0
     */
    public Builder optSqrtAboveAfterClipping(double threshold) {
      if (!(Double.isFinite(threshold) && threshold > 0)) {
        throw new IllegalArgumentException("threshold (" + threshold + ") must be finite and > 0");
      }
      this.sqrtAfterClipping = threshold;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException if no base loss is set, if {@code optConfig} is combined
     *     with per-field options or a profile, if one initial moment is set without the other, or
     *     naming the first invalid parameter
     */
    @SuppressWarnings("deprecation") // the core builder's halves and legacy warm-up, on purpose
    public StatefulAlrcLoss build() {
      if (base == null) {
        throw new IllegalArgumentException(
            "setBaseLoss(...) is required: the per-example loss to clip, e.g."
                + " PerExampleLosses.mse()");
      }
      List<String> fields = setFields();
      AlrcConfig resolved;
      if (config != null) {
        if (!fields.isEmpty() || profile != null) {
          throw new IllegalArgumentException(
              "optConfig(...) cannot be combined with " + (profile != null ? "optProfile, " : "")
                  + String.join(", ", fields) + ": set them on the AlrcConfig instead");
        }
        resolved = config;
      } else {
        if ((initialMu1 == null) != (initialMu2 == null)) {
          throw new IllegalArgumentException(
              (initialMu1 != null
                      ? "optInitialMu1 (" + initialMu1 + ") was set without optInitialMu2"
                      : "optInitialMu2 (" + initialMu2 + ") was set without optInitialMu1")
                  + ": the initial moments mu1(0) (initialMu1, the mean) and mu2(0) (initialMu2,"
                  + " the mean square of the loss) are a pair; set both with"
                  + " optInitialMoments(mu1, mu2), or neither for the auto start");
        }
        AlrcConfig.Builder b =
            (profile != null ? profile : AlrcConfig.Profile.AUTO).builder();
        if (n != null) {
          b.n(n);
        }
        if (beta1 != null) {
          b.beta1(beta1);
        }
        if (beta2 != null) {
          b.beta2(beta2);
        }
        if (initialMu1 != null) {
          b.initialMoments(initialMu1, initialMu2);
        }
        if (warmup != null) {
          b.warmup(warmup);
        }
        if (eps != null) {
          b.eps(eps);
        }
        if (nonFiniteLimit != null) {
          b.nonFiniteLimit(nonFiniteLimit);
        }
        if (warmupLosses != null) {
          b.warmupLosses(warmupLosses);
        }
        if (lowerN != null) {
          b.lowerN(lowerN);
        }
        resolved = b.build();
      }
      String resolvedName = name != null ? name : base.name();
      if (resolvedName.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      return new StatefulAlrcLoss(resolvedName, base, resolved, sqrtAfterClipping);
    }

    private List<String> setFields() {
      List<String> out = new ArrayList<>();
      if (n != null) {
        out.add("optN");
      }
      if (beta1 != null || beta2 != null) {
        out.add("optBeta");
      }
      if (initialMu1 != null || initialMu2 != null) {
        out.add("optInitialMoments");
      }
      if (warmup != null) {
        out.add("optWarmup");
      }
      if (eps != null) {
        out.add("optEps");
      }
      if (nonFiniteLimit != null) {
        out.add("optNonFiniteLimit");
      }
      if (warmupLosses != null) {
        out.add("optWarmupLosses");
      }
      if (lowerN != null) {
        out.add("optLowerN");
      }
      return out;
    }
  }
}
