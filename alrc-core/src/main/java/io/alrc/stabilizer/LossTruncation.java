package io.alrc.stabilizer;

import io.alrc.snapshot.SnapshotFormat;
import io.alrc.telemetry.StepTelemetry;
import java.util.Arrays;
import java.util.Locale;

/**
 * Loss truncation (Kang and Hashimoto, "Improved Natural Language Generation via Loss Truncation",
 * ACL 2020): examples whose loss is at or above a running quantile of the recent per-example
 * losses are dropped from the objective. Like ALRC it acts on the per-example losses, before
 * backward: multiply example {@code i}'s loss by {@link Step#scale(int) scale(i)} (0 or 1, as a
 * constant) before the batch mean.
 *
 * <p>With {@code R} = {@code recompute} (also the history size), {@code q = 1 - dropFraction},
 * {@code k} the number of examples seen so far (this step's included) and {@code m} the number seen
 * since the cutoff was last computed (this step's included), one step on losses {@code L_1..L_B}:
 *
 * <pre>
 * history &lt;- the last R losses of history + [L_1..L_B]          # every finite step's losses enter
 * if k &lt; R or k &lt; minCount:   s_i = 1                           # history not full, or too early
 * else:
 *   if m &gt; R:  cutoff = quantile(history, q);  m = 0             # recomputed every ~R examples
 *   s_i = L_i &lt; cutoff ? 1 : 0
 * objective = (1/B) * sum_i s_i * L_i                            # mean over ALL B examples
 * </pre>
 *
 * {@code quantile} is NumPy's default ({@code numpy.percentile(history, 100 q)}, method {@code
 * linear}): with the {@code R} values sorted, rank {@code r = q * (R - 1)}, {@code lo =
 * floor(r)}, {@code t = r - lo}, and {@code v[lo] + (v[lo+1] - v[lo]) * t} (for {@code t >= 0.5}
 * computed as {@code v[lo+1] - (v[lo+1] - v[lo]) * (1 - t)}, as NumPy does). A loss equal to the
 * cutoff is dropped, as {@code loss < percentile_val} drops it in the reference (so with {@code
 * dropFraction} 0 the cutoff is the history's maximum, and a loss equal to it is still dropped).
 *
 * <p>The rule, the defaults ({@code dropFraction} {@value #DEFAULT_DROP_FRACTION}, {@code minCount}
 * {@value #DEFAULT_MIN_COUNT}, {@code recompute} {@value #DEFAULT_RECOMPUTE}) and the order of
 * events follow the authors' {@code LossDropper} ({@code ddkang/loss_dropper}, {@code
 * loss_dropper/dropper.py}): the history is a ring of the last {@code recompute} losses, the
 * current step's losses are in it when the cutoff is computed, nothing is dropped before the
 * history is full, and the cutoff stays fixed between recomputations.
 *
 * <p>The objective is the mean over all {@code B} examples, dropped ones counting 0, as the
 * reference's usage ({@code loss *= mask; loss.mean()}). That keeps each kept example's weight at
 * {@code 1/B}, the same as without truncation and the same as ALRC's objective, so the effective
 * learning rate does not grow with the number of examples dropped; a batch whose examples are all
 * dropped has objective 0 and no gradient.
 *
 * <pre>{@code
 * LossTruncation truncation = new LossTruncation();  // drop 0.4, minCount 10000, recompute 10000
 * LossTruncation.State state = truncation.init();
 * for (...) {
 *   double[] losses = ...;                            // this step's per-example losses
 *   LossTruncation.Step step = truncation.update(losses, state);
 *   // objective = mean_i(step.scale(i) * loss_i), the scales as constants; skip if step.skipped()
 *   state = step.state();
 * }
 * }</pre>
 *
 * <h2>Deliberate differences from the reference</h2>
 *
 * <ul>
 *   <li><b>Non-finite losses.</b> A step with any NaN or infinite loss is skipped: every scale is
 *       0 (the caller must not apply the step) and the state is unchanged. The reference masks
 *       such an example to 0 but keeps it in the history, where a NaN makes every later cutoff NaN
 *       (and so drops every example) until it leaves; and {@code NaN * 0} is NaN, so the
 *       reference's objective is NaN for that step anyway.
 *   <li><b>Before the first cutoff.</b> The reference starts from a cutoff of {@code 1e8}, which
 *       drops losses at or above {@code 1e8} on the step where {@code m} is exactly {@code R};
 *       here nothing is dropped before the first quantile ({@code +Infinity}).
 *   <li><b>Arithmetic.</b> The history and the quantile are in {@code double} (the reference
 *       keeps a float32 history); float losses are widened exactly.
 * </ul>
 *
 * <p>Losses may be any finite values (the rule only compares them); the history, bounded by {@code
 * recompute}, is copied on each step (the state is immutable), so a step costs {@code O(R + B)}
 * and a recomputation {@code O(R log R)}.
 *
 * <p>Thread-safe and immutable: the object holds only its configuration; the input arrays are
 * never modified.
 */
public final class LossTruncation {
  /** The kind written in snapshots and telemetry. */
  public static final String KIND = "loss-truncation";

  /** The reference's default fraction of examples to drop ({@code dropc}). */
  public static final double DEFAULT_DROP_FRACTION = 0.4;

  /** The reference's default number of examples seen before anything is dropped. */
  public static final long DEFAULT_MIN_COUNT = 10_000;

  /** The reference's default recomputation interval and history size, in examples. */
  public static final int DEFAULT_RECOMPUTE = 10_000;

  private final double dropFraction;
  private final long minCount;
  private final int recompute;

  /** Loss truncation with the reference's defaults: drop 0.4, minCount and recompute 10000. */
  public LossTruncation() {
    this(DEFAULT_DROP_FRACTION, DEFAULT_MIN_COUNT, DEFAULT_RECOMPUTE);
  }

  /**
   * @param dropFraction the fraction of examples to drop, {@code dropc}; in [0, 1)
   * @param minCount the number of examples to see before dropping any; &gt;= 0
   * @param recompute the number of examples between two computations of the cutoff, and the size
   *     of the history it is computed from; &gt;= 1
   */
  public LossTruncation(double dropFraction, long minCount, int recompute) {
    if (!(dropFraction >= 0 && dropFraction < 1)) {
      throw new IllegalArgumentException("dropFraction (" + dropFraction + ") must be in [0, 1)");
    }
    if (minCount < 0) {
      throw new IllegalArgumentException("minCount (" + minCount + ") must be >= 0");
    }
    if (recompute < 1) {
      throw new IllegalArgumentException("recompute (" + recompute + ") must be >= 1");
    }
    this.dropFraction = dropFraction;
    this.minCount = minCount;
    this.recompute = recompute;
  }

  /** The kind, {@value #KIND}. */
  public String kind() {
    return KIND;
  }

  /** The fraction of examples to drop. */
  public double dropFraction() {
    return dropFraction;
  }

  /** The number of examples seen before anything is dropped. */
  public long minCount() {
    return minCount;
  }

  /** The recomputation interval and history size, in examples. */
  public int recompute() {
    return recompute;
  }

  /** The fresh state: empty history, no cutoff. */
  public State init() {
    return new State(0, 0, 0, Double.POSITIVE_INFINITY, new double[0]);
  }

  /** One training step on per-example losses given as floats; see {@link #update(double[], State)}. */
  public Step update(float[] losses, State state) {
    if (losses == null) {
      throw new IllegalArgumentException("losses must not be null");
    }
    double[] wide = new double[losses.length];
    for (int i = 0; i < losses.length; i++) {
      wide[i] = losses[i];
    }
    return update(wide, state);
  }

  /**
   * One training step.
   *
   * @param losses the step's per-example losses, at least one; a NaN or infinite loss skips the
   *     step
   * @param state the state after the previous step ({@link #init()} for the first)
   * @return the per-example scales (0 or 1), the objective, the telemetry and the next state
   * @throws IllegalArgumentException for an empty batch
   */
  public Step update(double[] losses, State state) {
    if (losses == null || state == null) {
      throw new IllegalArgumentException("losses and state must not be null");
    }
    int b = losses.length;
    if (b == 0) {
      throw new IllegalArgumentException("losses must hold at least one example loss, got none");
    }
    long step = state.steps + 1;
    double maxLoss = Double.NEGATIVE_INFINITY;
    for (double l : losses) {
      if (!Double.isFinite(l)) {
        return new Step(
            step,
            state,
            state.cutoff,
            Double.NaN,
            new double[b],
            Double.NaN,
            0,
            true);
      }
      maxLoss = Math.max(maxLoss, l);
    }
    long count = state.count + b;
    long since = state.since + b;
    double[] history = append(state.history, losses);
    double cutoff = state.cutoff;
    double inForce = Double.POSITIVE_INFINITY;
    if (count >= recompute && count >= minCount) {
      if (since > recompute) {
        cutoff = quantile(history, (1 - dropFraction) * 100 / 100); // numpy.percentile's q / 100
        since = 0;
      }
      inForce = cutoff;
    }
    double[] scales = new double[b];
    int dropped = 0;
    double sum = 0;
    for (int i = 0; i < b; i++) {
      if (losses[i] < inForce) {
        scales[i] = 1;
        sum += losses[i];
      } else {
        dropped++;
      }
    }
    return new Step(
        step,
        new State(step, count, since, cutoff, history),
        inForce,
        maxLoss,
        scales,
        sum / b,
        dropped,
        false);
  }

  /** The last {@code recompute} values of {@code history} followed by {@code losses}. */
  private double[] append(double[] history, double[] losses) {
    int total = history.length + losses.length;
    int size = Math.min(total, recompute);
    double[] out = new double[size];
    int fromHistory = Math.max(0, size - losses.length);
    System.arraycopy(history, history.length - fromHistory, out, 0, fromHistory);
    int fromLosses = size - fromHistory;
    System.arraycopy(losses, losses.length - fromLosses, out, fromHistory, fromLosses);
    return out;
  }

  /**
   * The {@code q}-quantile of {@code values} as NumPy's default {@code linear} method computes it.
   */
  static double quantile(double[] values, double q) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    double rank = (n - 1) * q;
    int lo = (int) Math.floor(rank);
    if (lo >= n - 1) {
      return v[n - 1];
    }
    double t = rank - lo;
    double a = v[lo];
    double diff = v[lo + 1] - a;
    return t >= 0.5 ? v[lo + 1] - diff * (1 - t) : a + diff * t;
  }

  /** Encodes the configuration and {@code state}. */
  public byte[] snapshot(State state) {
    return SnapshotFormat.encode(
        KIND,
        out -> {
          out.writeDouble(dropFraction);
          out.writeLong(minCount);
          out.writeInt(recompute);
          out.writeLong(state.steps);
          out.writeLong(state.count);
          out.writeLong(state.since);
          out.writeDouble(state.cutoff);
          Snapshots.writeDoubles(out, state.history);
        });
  }

  /**
   * Decodes a snapshot taken with the same configuration.
   *
   * @throws IllegalArgumentException if the bytes are not a snapshot of this kind, were taken with
   *     another configuration (the message names both), or are truncated
   */
  public State restore(byte[] bytes) {
    return SnapshotFormat.decode(
        bytes,
        KIND,
        in -> {
          Snapshots.expectSame("dropFraction", in.readDouble(), dropFraction);
          Snapshots.expectSame("minCount", in.readLong(), minCount);
          Snapshots.expectSame("recompute", in.readInt(), recompute);
          long steps = in.readLong();
          long count = in.readLong();
          long since = in.readLong();
          double cutoff = in.readDouble();
          int n = in.readInt();
          if (steps < 0 || count < steps || since < 0 || since > count
              || n != Math.min(count, recompute) || Double.isNaN(cutoff)) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "loss-truncation snapshot is corrupt: steps %d, count %d, since %d, cutoff %s,"
                        + " %d history values for a history of %d",
                    steps, count, since, cutoff, n, recompute));
          }
          double[] history = Snapshots.readDoubles(in, n);
          for (double v : history) {
            if (!Double.isFinite(v)) {
              throw new IllegalArgumentException(
                  "loss-truncation snapshot is corrupt: the history holds " + v);
            }
          }
          return new State(steps, count, since, cutoff, history);
        });
  }

  @Override
  public String toString() {
    return "LossTruncation[dropFraction=" + dropFraction + ", minCount=" + minCount
        + ", recompute=" + recompute + "]";
  }

  /**
   * Loss truncation's state: the history of the last {@code recompute} losses (oldest first), the
   * counters and the cutoff. Immutable; {@link #history()} returns a copy.
   */
  public static final class State {
    private final long steps;
    private final long count;
    private final long since;
    private final double cutoff;
    private final double[] history;

    State(long steps, long count, long since, double cutoff, double[] history) {
      this.steps = steps;
      this.count = count;
      this.since = since;
      this.cutoff = cutoff;
      this.history = history;
    }

    /** Steps processed so far, skipped ones excluded. */
    public long steps() {
      return steps;
    }

    /** Example losses seen so far, skipped steps excluded. */
    public long count() {
      return count;
    }

    /** Example losses seen since the cutoff was last computed (since the start if never). */
    public long sinceRecompute() {
      return since;
    }

    /** The last computed cutoff; {@code +Infinity} before the first. */
    public double cutoff() {
      return cutoff;
    }

    /** A copy of the history, oldest loss first. */
    public double[] history() {
      return history.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s
          && steps == s.steps
          && count == s.count
          && since == s.since
          && Double.compare(cutoff, s.cutoff) == 0
          && Arrays.equals(history, s.history);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(new double[] {steps, count, since, cutoff}) * 31
          + Arrays.hashCode(history);
    }

    @Override
    public String toString() {
      return "LossTruncation.State[steps=" + steps + ", count=" + count + ", since=" + since
          + ", cutoff=" + cutoff + ", history=" + history.length + "]";
    }
  }

  /**
   * One step's result: the per-example scales, the objective and the next state. Immutable: {@link
   * #scales()} returns a copy.
   *
   * <p>Telemetry: {@code observed} is the largest loss of the step, {@code threshold} the cutoff in
   * force ({@code +Infinity} while nothing can be dropped), {@code clipped} the number of examples
   * dropped, {@code minScale} 0 if any was dropped and 1 otherwise; {@code mean} and {@code sigma}
   * are NaN.
   */
  public static final class Step {
    private final long step;
    private final State state;
    private final double cutoff;
    private final double maxLoss;
    private final double[] scales;
    private final double objective;
    private final int dropped;
    private final boolean skipped;

    Step(
        long step,
        State state,
        double cutoff,
        double maxLoss,
        double[] scales,
        double objective,
        int dropped,
        boolean skipped) {
      this.step = step;
      this.state = state;
      this.cutoff = cutoff;
      this.maxLoss = maxLoss;
      this.scales = scales;
      this.objective = objective;
      this.dropped = dropped;
      this.skipped = skipped;
    }

    /** The 1-based number of this step. */
    public long step() {
      return step;
    }

    /** The state after this step, to pass to the next update (the previous one if skipped). */
    public State state() {
      return state;
    }

    /**
     * The cutoff applied this step: losses at or above it were dropped; {@code +Infinity} while
     * nothing can be dropped.
     */
    public double cutoff() {
      return cutoff;
    }

    /** Number of examples in the step. */
    public int size() {
      return scales.length;
    }

    /** The scale of example {@code i}: 1 kept, 0 dropped; 0 for every example of a skipped step. */
    public double scale(int i) {
      return scales[i];
    }

    /** A copy of the scales. */
    public double[] scales() {
      return scales.clone();
    }

    /** Copies the scales into {@code dst} (at least {@link #size()} long) as floats. */
    public void copyScalesTo(float[] dst) {
      for (int i = 0; i < scales.length; i++) {
        dst[i] = (float) scales[i];
      }
    }

    /** Number of examples dropped. */
    public int droppedCount() {
      return dropped;
    }

    /** The objective's value, {@code (1/B) sum_i s_i L_i}; NaN when skipped. */
    public double objective() {
      return objective;
    }

    /** Whether the step was skipped because a loss was NaN or infinite. */
    public boolean skipped() {
      return skipped;
    }

    /** This step as the shared telemetry record. */
    public StepTelemetry telemetry() {
      double minScale = skipped ? Double.NaN : dropped > 0 ? 0 : 1;
      return new StepTelemetry(
          step, maxLoss, cutoff, Double.NaN, Double.NaN, dropped, minScale, skipped);
    }

    @Override
    public String toString() {
      return "LossTruncation.Step[step=" + step + ", cutoff=" + cutoff + ", dropped=" + dropped
          + ", skipped=" + skipped + ", scales=" + Arrays.toString(scales) + "]";
    }
  }
}
