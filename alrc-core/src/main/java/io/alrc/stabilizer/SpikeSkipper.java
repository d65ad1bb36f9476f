package io.alrc.stabilizer;

import io.alrc.snapshot.SnapshotFormat;
import io.alrc.telemetry.StepTelemetry;
import java.util.Arrays;

/**
 * Skipping the optimizer update on spikes, as OLMo-core's {@code SkipStepOptimizer}
 * ({@code allenai/OLMo-core}, {@code src/olmo_core/optim/skip_step_optimizer.py}) and its port
 * {@code skip_step_on_spikes} in MaxText ({@code AI-Hypercomputer/maxtext}, {@code
 * src/maxtext/optimizers/optimizers.py}): a monitor of
 * one scalar per step that says "skip this update" when the value is more than {@code factor}
 * rolling standard deviations above the rolling mean of the previous {@code interval} values.
 *
 * <p>One class for either signal: feed it the step's loss (then it can decide before backward, and
 * a skipped step needs no backward at all) or the step's global gradient norm before clipping
 * (after backward). The references watch both at once and skip when either spikes; here that is two
 * instances, one per signal, and the step is skipped when either {@link Decision#skip() says so}.
 *
 * <p>With {@code x} this step's value and {@code w} the window of the previous {@code n = min(k,
 * interval)} values ({@code k} finite steps seen so far):
 *
 * <pre>
 * mean   = sum(w) / n                                  # NaN when n = 0
 * std    = sqrt(sum((w - mean)^2) / max(1, n - 1))     # sample std (Bessel); 0 when n = 1
 * active = n + 1 &gt;= max(2, floor(interval / 2))      # the current value counts
 * skip   = active and (x - mean) &gt; factor * std
 * w     &lt;- the last interval values of w + [x]          # x enters the window, skipped or not
 * </pre>
 *
 * A skip means no optimizer update at all: the caller must neither apply the gradients nor advance
 * the optimizer's state (momentum, Adam moments, step count), exactly as the references' {@code
 * step_factor} of 0 does. This is why this class is not a {@link NormStabilizer}: its outcome is
 * not a gradient scale (a gradient scaled by 0 still moves Adam's moments and parameters), and the
 * state must advance on a skipped step, since the spike enters the window.
 *
 * <pre>{@code
 * SpikeSkipper skipper = new SpikeSkipper();       // interval 128, factor 6
 * SpikeSkipper.State state = skipper.init();
 * for (...) {
 *   double loss = ...;                             // this step's (batch-mean) loss
 *   SpikeSkipper.Decision d = skipper.update(loss, state);
 *   state = d.state();                             // always, also when the step is skipped
 *   if (!d.skip()) {
 *     // backward, optimizer step
 *   }
 *   log(d.telemetry());
 * }
 * }</pre>
 *
 * <p>Defaults: {@code interval} {@value #DEFAULT_INTERVAL}, {@code factor} {@value
 * #DEFAULT_FACTOR}, as OLMo-core and MaxText ({@code skip_step_interval}, {@code
 * skip_step_scaling_factor}); with them the first skip can happen at the 64th value, compared with
 * the 63 before it. The current value is not part of the statistics it is compared with, the
 * standard deviation is the sample one ({@code torch.std_mean}'s default), and a spike still enters
 * the window, so a lasting shift of the level becomes the new baseline after a few steps instead of
 * skipping forever.
 *
 * <h2>Deliberate differences from the references</h2>
 *
 * <ul>
 *   <li><b>Non-finite values.</b> A NaN or infinite value is a {@link Decision#nonFinite()
 *       non-finite} skip that leaves the state unchanged: it never enters the window and does not
 *       count as a step. In the references it enters the window (and, before the monitor is
 *       active, the update is even applied), after which the mean is NaN and every step is
 *       skipped until the value has left the window.
 *   <li><b>One value in the window.</b> With {@code interval} &lt;= 5 the monitor becomes active
 *       with one previous value, whose sample standard deviation is undefined; this class takes it
 *       as 0, as MaxText does (OLMo-core's NaN skips that step whatever its value).
 *   <li><b>Arithmetic.</b> Sums in {@code double}, oldest value first (the references use float32),
 *       so a restored state continues bit-identically.
 * </ul>
 *
 * Levanter's {@code SkipStepConfig} differs from both references (population standard deviation
 * floored at 1e-6, {@code interval + 1} previous values, active one step later); this class follows
 * OLMo-core and MaxText.
 *
 * <p>Thread-safe and immutable: the monitor holds only its configuration.
 */
public final class SpikeSkipper {
  /** The kind written in snapshots and telemetry. */
  public static final String KIND = "skip-step";

  /** The default rolling window, in steps. */
  public static final int DEFAULT_INTERVAL = 128;

  /** The default number of standard deviations above the mean that counts as a spike. */
  public static final double DEFAULT_FACTOR = 6.0;

  private final int interval;
  private final double factor;
  private final int minValues;

  /** The monitor with OLMo-core's and MaxText's defaults: interval 128, factor 6. */
  public SpikeSkipper() {
    this(DEFAULT_INTERVAL, DEFAULT_FACTOR);
  }

  /**
   * @param interval the number of previous values in the rolling window; &gt;= 1
   * @param factor how many standard deviations above the mean a value must be to be skipped;
   *     finite, &gt; 0
   */
  public SpikeSkipper(int interval, double factor) {
    if (interval < 1) {
      throw new IllegalArgumentException("interval (" + interval + ") must be >= 1");
    }
    if (!(Double.isFinite(factor) && factor > 0)) {
      throw new IllegalArgumentException("factor (" + factor + ") must be finite and > 0");
    }
    this.interval = interval;
    this.factor = factor;
    this.minValues = Math.max(2, interval / 2);
  }

  /** The kind, {@value #KIND}. */
  public String kind() {
    return KIND;
  }

  /** The rolling window, in steps. */
  public int interval() {
    return interval;
  }

  /** The number of standard deviations that counts as a spike. */
  public double factor() {
    return factor;
  }

  /**
   * The number of values, the current one included, from which on the monitor can skip: {@code
   * max(2, floor(interval / 2))}.
   */
  public int minValues() {
    return minValues;
  }

  /** The fresh state: an empty window. */
  public State init() {
    return new State(0, 0, new double[0]);
  }

  /**
   * One training step: decides, from the window before this step, whether to skip the update, and
   * appends {@code value} to the window.
   *
   * @param value this step's loss or global gradient norm (any finite value; NaN or infinity is a
   *     non-finite skip with the state unchanged)
   * @param state the state after the previous step ({@link #init()} for the first)
   * @return the decision, the next state and the telemetry
   */
  public Decision update(double value, State state) {
    if (state == null) {
      throw new IllegalArgumentException("state must not be null");
    }
    long step = state.steps + 1;
    double[] w = state.window;
    int n = w.length;
    double mean = Double.NaN;
    double std = Double.NaN;
    if (n > 0) {
      double sum = 0;
      for (double v : w) {
        sum += v;
      }
      mean = sum / n;
      double sq = 0;
      for (double v : w) {
        double d = v - mean;
        sq += d * d;
      }
      std = Math.sqrt(sq / Math.max(1, n - 1));
    }
    boolean active = n + 1 >= minValues;
    double threshold = active ? mean + factor * std : Double.POSITIVE_INFINITY;
    if (!Double.isFinite(value)) {
      return new Decision(
          false,
          true,
          state,
          new StepTelemetry(step, value, threshold, mean, std, 0, Double.NaN, true));
    }
    boolean spike = active && value - mean > factor * std; // the references: ok iff <=
    double[] next;
    if (n < interval) {
      next = Arrays.copyOf(w, n + 1);
    } else {
      next = new double[n];
      System.arraycopy(w, 1, next, 0, n - 1);
    }
    next[next.length - 1] = value;
    return new Decision(
        spike,
        false,
        new State(step, state.spikes + (spike ? 1 : 0), next),
        new StepTelemetry(step, value, threshold, mean, std, spike ? 1 : 0, spike ? 0 : 1, false));
  }

  /** Encodes the configuration and {@code state}. */
  public byte[] snapshot(State state) {
    return SnapshotFormat.encode(
        KIND,
        out -> {
          out.writeInt(interval);
          out.writeDouble(factor);
          out.writeLong(state.steps);
          out.writeLong(state.spikes);
          Snapshots.writeDoubles(out, state.window);
        });
  }

  /**
   * Decodes a snapshot taken with the same interval and factor.
   *
   * @throws IllegalArgumentException if the bytes are not a snapshot of this kind, were taken with
   *     another configuration (the message names both), or are truncated
   */
  public State restore(byte[] bytes) {
    return SnapshotFormat.decode(
        bytes,
        KIND,
        in -> {
          Snapshots.expectSame("interval", in.readInt(), interval);
          Snapshots.expectSame("factor", in.readDouble(), factor);
          long steps = in.readLong();
          long spikes = in.readLong();
          int n = in.readInt();
          if (steps < 0 || spikes < 0 || spikes > steps || n < 0 || n > interval
              || n != Math.min(steps, interval)) {
            throw new IllegalArgumentException(
                "skip-step snapshot is corrupt: steps " + steps + ", spikes " + spikes + ", "
                    + n + " values in a window of " + interval);
          }
          double[] window = Snapshots.readDoubles(in, n);
          for (double v : window) {
            if (!Double.isFinite(v)) {
              throw new IllegalArgumentException(
                  "skip-step snapshot is corrupt: the window holds " + v);
            }
          }
          return new State(steps, spikes, window);
        });
  }

  @Override
  public String toString() {
    return "SpikeSkipper[interval=" + interval + ", factor=" + factor + "]";
  }

  /**
   * The monitor's state: the window of the last {@code interval} finite values, oldest first, and
   * the counters. Immutable; {@link #window()} returns a copy.
   */
  public static final class State {
    private final long steps;
    private final long spikes;
    private final double[] window;

    State(long steps, long spikes, double[] window) {
      this.steps = steps;
      this.spikes = spikes;
      this.window = window;
    }

    /** Steps with a finite value processed so far (spike-skipped ones included). */
    public long steps() {
      return steps;
    }

    /** Steps skipped as spikes so far. */
    public long spikes() {
      return spikes;
    }

    /** The number of values in the window, {@code min(steps, interval)}. */
    public int size() {
      return window.length;
    }

    /** A copy of the window, oldest value first. */
    public double[] window() {
      return window.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s
          && steps == s.steps
          && spikes == s.spikes
          && Arrays.equals(window, s.window);
    }

    @Override
    public int hashCode() {
      return (Long.hashCode(steps) * 31 + Long.hashCode(spikes)) * 31 + Arrays.hashCode(window);
    }

    @Override
    public String toString() {
      return "SpikeSkipper.State[steps=" + steps + ", spikes=" + spikes + ", window="
          + window.length + "]";
    }
  }

  /**
   * One step's decision. Telemetry: {@code observed} is the value, {@code threshold} is {@code mean
   * + factor * std} of the window before the step ({@code +Infinity} while the monitor is not yet
   * active), {@code mean}/{@code sigma} are the window's mean and sample standard deviation (NaN
   * while it is empty), {@code clipped} is 1 for a spike, {@code minScale} is the step factor (0
   * for a spike, 1 otherwise, NaN for a non-finite value), and {@code skipped} marks a non-finite
   * value.
   */
  public static final class Decision {
    private final boolean spike;
    private final boolean nonFinite;
    private final State state;
    private final StepTelemetry telemetry;

    Decision(boolean spike, boolean nonFinite, State state, StepTelemetry telemetry) {
      this.spike = spike;
      this.nonFinite = nonFinite;
      this.state = state;
      this.telemetry = telemetry;
    }

    /**
     * Whether the optimizer update must be skipped: a spike or a non-finite value. Either way, do
     * not apply the gradients and do not advance the optimizer's state.
     */
    public boolean skip() {
      return spike || nonFinite;
    }

    /** Whether the value was finite and a spike (it has entered the window). */
    public boolean spike() {
      return spike;
    }

    /** Whether the value was NaN or infinite (the state is unchanged). */
    public boolean nonFinite() {
      return nonFinite;
    }

    /** The references' step factor: 1 to take the step, 0 to skip it. */
    public double stepFactor() {
      return skip() ? 0 : 1;
    }

    /** The state after this step: always to be kept, also after a spike. */
    public State state() {
      return state;
    }

    /** What was measured and decided. */
    public StepTelemetry telemetry() {
      return telemetry;
    }

    @Override
    public String toString() {
      return "SpikeSkipper.Decision[skip=" + skip() + ", " + telemetry + "]";
    }
  }
}
