package io.alrc.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import io.alrc.djl.training.StepArrays;
import io.alrc.stabilizer.LossTruncation;
import io.alrc.telemetry.StepTelemetry;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loss truncation (Kang and Hashimoto, ACL 2020; {@link LossTruncation}) as a DJL {@link Loss}: a
 * <b>stateful</b>, <b>not thread-safe</b> wrapper around a {@link PerExampleLoss} that drops the
 * examples whose loss is at or above a running quantile of the recent per-example losses. Build it
 * with {@link #builder()}.
 *
 * <p>For the per-example losses {@code L_1..L_B} of a training step and the committed state, the
 * value of {@link #evaluate} is
 *
 * <pre>
 * history' = the last R losses of history + [L_1..L_B]                  # R = recompute
 * cutoff   = quantile(history', 1 - dropFraction), recomputed every ~R examples, once at least
 *            max(R, minCount) examples were seen (+Infinity before)
 * s_i      = L_i &lt; cutoff ? 1 : 0                                      # a constant: no gradient flows through it
 * objective = (1/B) * sum_i s_i * L_i                                   # the mean over ALL B examples
 * </pre>
 *
 * exactly {@link LossTruncation}'s rule, defaults and deliberate differences (the reference is the
 * authors' {@code LossDropper}): {@code dropFraction} 0.4, {@code minCount} and {@code recompute}
 * 10000. Dropped examples count 0 in the mean, so a kept example's weight stays {@code 1/B}, as
 * without truncation and as with ALRC.
 *
 * <h2>Once per step: evaluate, then commit</h2>
 *
 * As {@link StatefulAlrcLoss}: {@link #evaluate} computes the scales from the <em>committed</em>
 * state and keeps the step as <em>pending</em> (the latest evaluation replaces an earlier one); the
 * history and the cutoff advance when the step is {@link #commit() committed}, once, after backward
 * and before the optimizer step, and a step that must not count is {@link #discard() discarded}.
 * {@link io.alrc.djl.training.StepGuard} does this ({@code optTruncatedLoss}). An evaluation that
 * replaces an uncommitted one is counted ({@link #replacedEvaluations()}) and the first is logged at
 * WARN: nothing commits this loss, or a validation batch was evaluated with the training loss.
 * One device: the pending evaluation is the latest of any device.
 *
 * <p>The accumulator methods go to the wrapped loss as a plain batch mean (as {@link
 * StatefulAlrcLoss} does): DJL's logs show the <em>untruncated</em> mean loss, under the base loss's
 * name, and never touch the state; the guard's evaluators log the truncated objective and the
 * fraction dropped. A training batch whose loss was not finite is left out of the accumulators.
 *
 * <h2>Edge cases</h2>
 *
 * <ul>
 *   <li>A non-finite loss (NaN, infinity) in a batch: every loss is multiplied by 1 (never 0, so
 *       DJL's first-step check for all-zero gradients does not fire), and the step must be
 *       skipped; {@link #commit()} and {@link #discard()} leave the state as it was (the core's
 *       rule).
 *   <li>A batch whose examples are all dropped has objective 0 and no gradient.
 *   <li>Losses may be any finite values: the rule only compares them.
 * </ul>
 */
public final class TruncatedLoss extends Loss {
  private static final Logger LOG = LoggerFactory.getLogger(TruncatedLoss.class);

  private final PerExampleLoss base;
  private final Loss accumulators;
  private final LossTruncation truncation;

  private LossTruncation.State state;
  private LossTruncation.Step lastStep;
  private StepTelemetry lastTelemetry;
  private Pending pending;
  private final Set<NDList> nonFiniteTraining = Collections.newSetFromMap(new IdentityHashMap<>());
  private long replacedEvaluations;

  private TruncatedLoss(String name, PerExampleLoss base, LossTruncation truncation) {
    super(name);
    this.base = base;
    this.accumulators = new PerExampleLosses.BatchMeanLoss(name, base);
    this.truncation = truncation;
    this.state = truncation.init();
  }

  /** A builder; {@link Builder#setBaseLoss} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The core rule and its configuration (drop fraction, minimum count, recompute interval). */
  public LossTruncation truncation() {
    return truncation;
  }

  /** The wrapped per-example loss. */
  public PerExampleLoss baseLoss() {
    return base;
  }

  /** The committed state: the history and cutoff the next step's scales come from. */
  public synchronized LossTruncation.State state() {
    return state;
  }

  /** The last committed step (scales, cutoff, objective), if any. */
  public synchronized Optional<LossTruncation.Step> lastStep() {
    return Optional.ofNullable(lastStep);
  }

  /**
   * What truncation did in the last committed or discarded step, as the shared telemetry record
   * ({@code observed} the largest loss, {@code threshold} the cutoff in force, {@code clipped} the
   * examples dropped); a discarded step has {@code skipped} set.
   */
  public synchronized Optional<StepTelemetry> lastTelemetry() {
    return Optional.ofNullable(lastTelemetry);
  }

  /**
   * The truncated batch-mean objective {@code (1/B) sum_i s_i * L_i}, with scales from the
   * committed state; records the step as pending for {@link #commit()} and changes nothing else.
   *
   * @return a scalar whose gradient for example {@code i} is {@code s_i * dL_i/dtheta / B}
   * @throws IllegalArgumentException if the per-example loss does not have shape {@code (B,)}
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
      LossTruncation.State before;
      synchronized (this) {
        before = state;
      }
      LossTruncation.Step step = truncation.update(losses, before);
      float[] multipliers = new float[losses.length];
      if (bad < 0) {
        step.copyScalesTo(multipliers);
      } else {
        java.util.Arrays.fill(multipliers, 1f);
      }
      synchronized (this) {
        if (pending == null) {
          nonFiniteTraining.clear();
        } else {
          replaced();
        }
        pending = new Pending(losses, before, step, bad);
        if (bad >= 0) {
          nonFiniteTraining.add(predictions);
        }
      }
      try (NDArray s = scalesLike(per, multipliers);
          NDArray weighted = per.mul(s)) {
        return weighted.mean();
      }
    } finally {
      if (own) {
        per.close();
      }
    }
  }

  private void replaced() {
    replacedEvaluations++;
    if (replacedEvaluations == 1) {
      LOG.warn(
          "{}: a loss-truncation evaluation replaced one that was never committed (after {}"
              + " committed steps): its history only moves when each training step is committed"
              + " once, after backward. Attach a StepGuard (StepGuard.builder().optTruncatedLoss("
              + "loss)) or call loss.commit(); evaluate validation batches with a separate loss."
              + " Further replacements are counted in replacedEvaluations(), not logged.",
          getName(),
          state.steps());
    }
  }

  /** How many evaluations replaced a pending one that was neither committed nor discarded. */
  public synchronized long replacedEvaluations() {
    return replacedEvaluations;
  }

  /** Whether an evaluation is pending (evaluated since the last commit or discard). */
  public synchronized boolean hasPending() {
    return pending != null;
  }

  /**
   * Describes the first non-finite loss of the pending evaluation, e.g. {@code "loss of example 3
   * is NaN"}; empty if all are finite or nothing is pending.
   */
  public synchronized Optional<String> pendingNonFiniteLoss() {
    if (pending == null || pending.nonFiniteIndex < 0) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            Locale.ROOT,
            "loss of example %d is %s",
            pending.nonFiniteIndex,
            pending.losses[pending.nonFiniteIndex]));
  }

  /**
   * The mean of the pending per-example losses before truncation, {@code mean_i(L_i)} (what a
   * loss-spike monitor watches); empty if nothing is pending.
   */
  public synchronized OptionalDouble pendingMeanLoss() {
    return pending == null ? OptionalDouble.empty() : OptionalDouble.of(mean(pending.losses));
  }

  /**
   * Advances the history and the cutoff by the pending step, once. Call it after backward and
   * before the optimizer step (or let {@link io.alrc.djl.training.StepGuard} call it). A step with
   * a non-finite loss leaves the state as it was.
   *
   * @return the committed step
   * @throws IllegalStateException if nothing is pending
   */
  public synchronized LossTruncation.Step commit() {
    if (pending == null) {
      throw new IllegalStateException(
          "commit() found no pending loss-truncation evaluation: call evaluate(labels,"
              + " predictions) for the training batch (inside the GradientCollector) before"
              + " committing, once per step");
    }
    try {
      LossTruncation.Step step =
          pending.stateAtEvaluate == state ? pending.step : truncation.update(pending.losses, state);
      state = step.state();
      lastStep = step;
      lastTelemetry = step.telemetry();
      return step;
    } finally {
      pending = null;
    }
  }

  /**
   * Drops the pending step without touching the state: for a step that is skipped (a non-finite
   * loss or gradient, or a spike that skip-step skips).
   *
   * @return the discarded step's telemetry ({@code skipped} set), or empty if nothing was pending
   */
  public synchronized Optional<StepTelemetry> discard() {
    if (pending == null) {
      return Optional.empty();
    }
    StepTelemetry t = pending.step.telemetry();
    double observed = pending.nonFiniteIndex >= 0 ? pending.losses[pending.nonFiniteIndex] : t.observed();
    lastTelemetry =
        new StepTelemetry(
            t.step(), observed, t.threshold(), Double.NaN, Double.NaN, 0, Double.NaN, true);
    pending = null;
    return Optional.of(lastTelemetry);
  }

  /** The configuration and committed state in the versioned snapshot format. */
  public synchronized byte[] snapshot() {
    return truncation.snapshot(state);
  }

  /**
   * Continues from a snapshot taken by {@link #snapshot()}; drops any pending evaluation.
   *
   * @throws IllegalArgumentException if the bytes are not a loss-truncation snapshot of this
   *     configuration (the message names what differs)
   */
  public synchronized void restore(byte[] bytes) {
    state = truncation.restore(bytes);
    pending = null;
  }

  /** Back to the fresh state (empty history, no cutoff); drops any pending evaluation. */
  public synchronized void reset() {
    state = truncation.init();
    lastStep = null;
    lastTelemetry = null;
    pending = null;
  }

  /** {@inheritDoc} Kept by the wrapped loss (the untruncated batch mean). */
  @Override
  public void addAccumulator(String key) {
    accumulators.addAccumulator(key);
  }

  /** {@inheritDoc} Evaluates the wrapped loss; never touches the state. */
  @Override
  public void updateAccumulator(String key, NDList labels, NDList predictions) {
    updateAccumulators(new String[] {key}, labels, predictions);
  }

  /**
   * {@inheritDoc} Evaluates the wrapped loss (the untruncated batch mean); never touches the
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

  /** {@inheritDoc} The untruncated mean loss. */
  @Override
  public float getAccumulator(String key) {
    return accumulators.getAccumulator(key);
  }

  @Override
  public String toString() {
    return getName() + "[" + truncation + ", " + state() + "]";
  }

  private static double mean(float[] losses) {
    double s = 0;
    for (float l : losses) {
      s += l;
    }
    return s / losses.length;
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

  /** The evaluation awaiting commit. */
  private static final class Pending {
    final float[] losses;
    final LossTruncation.State stateAtEvaluate;
    final LossTruncation.Step step;
    final int nonFiniteIndex;

    Pending(
        float[] losses,
        LossTruncation.State stateAtEvaluate,
        LossTruncation.Step step,
        int nonFiniteIndex) {
      this.losses = losses;
      this.stateAtEvaluate = stateAtEvaluate;
      this.step = step;
      this.nonFiniteIndex = nonFiniteIndex;
    }
  }

  /**
   * Builds a {@link TruncatedLoss} in DJL's style: {@code setBaseLoss} is required, {@code optX}
   * are optional ({@link LossTruncation}'s defaults), and {@link #build()} validates.
   *
   * <pre>{@code
   * TruncatedLoss loss = TruncatedLoss.builder()
   *     .setBaseLoss(PerExampleLosses.mse())
   *     .optDropFraction(0.2)       // default 0.4
   *     .build();
   * }</pre>
   */
  public static final class Builder {
    private PerExampleLoss base;
    private String name;
    private double dropFraction = LossTruncation.DEFAULT_DROP_FRACTION;
    private long minCount = LossTruncation.DEFAULT_MIN_COUNT;
    private int recompute = LossTruncation.DEFAULT_RECOMPUTE;

    private Builder() {}

    /** Required: the per-example loss to truncate. */
    public Builder setBaseLoss(PerExampleLoss base) {
      this.base = base;
      return this;
    }

    /**
     * The loss's name in DJL's logs, where it labels the <em>untruncated</em> batch mean; default
     * {@code baseLoss.name()}.
     */
    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    /** The fraction of examples to drop, in [0, 1); default 0.4. */
    public Builder optDropFraction(double dropFraction) {
      this.dropFraction = dropFraction;
      return this;
    }

    /** The number of examples seen before any is dropped, &gt;= 0; default 10000. */
    public Builder optMinCount(long minCount) {
      this.minCount = minCount;
      return this;
    }

    /**
     * The number of examples between two computations of the cutoff, and the size of the history
     * it is computed from, &gt;= 1; default 10000.
     */
    public Builder optRecompute(int recompute) {
      this.recompute = recompute;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException if no base loss is set, or naming the first parameter out of
     *     range
     */
    public TruncatedLoss build() {
      if (base == null) {
        throw new IllegalArgumentException(
            "setBaseLoss(...) is required: the per-example loss to truncate, e.g."
                + " PerExampleLosses.mse()");
      }
      LossTruncation core = new LossTruncation(dropFraction, minCount, recompute);
      String resolved = name != null ? name : base.name();
      if (resolved.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      return new TruncatedLoss(resolved, base, core);
    }
  }
}
