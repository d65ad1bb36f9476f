package io.alrc.stabilizer;

import io.alrc.snapshot.SnapshotFormat;
import io.alrc.telemetry.StepTelemetry;
import java.util.Arrays;

/**
 * ZClip (Kumar, Owen, Roy Chowdhury, Güra, "ZClip: Adaptive Spike Mitigation for LLM
 * Pre-Training", 2025): z-score clipping of the global gradient norm against exponential moving
 * averages of its mean and variance.
 *
 * <pre>
 * warm-up (first W steps): no clipping; afterwards mean = mean(norms), var = mean((norm - mean)^2)
 * then each step:
 *   std = sqrt(var)
 *   z   = (g - mean) / (std + 1e-6)
 *   if z &gt; zThreshold:  g' = mean + (zThreshold^2 / z) * std     # reciprocal clipping
 *   else:               g' = g
 *   scale = g' &lt; g ? g' / (g + 1e-6) : 1
 *   mean &lt;- alpha * mean + (1 - alpha) * g'                         # EMA of the CLIPPED norm
 *   var  &lt;- alpha * var  + (1 - alpha) * (g' - mean)^2              # with the updated mean
 * </pre>
 *
 * Defaults: alpha {@value #DEFAULT_ALPHA}, zThreshold {@value #DEFAULT_Z_THRESHOLD}, warm-up
 * {@value #DEFAULT_WARMUP} steps, as the authors' reference implementation. Use it where the
 * gradient norm drifts during training and a fixed bound would be wrong. A non-finite norm skips
 * the step (scale 0, state unchanged). Thread-safe and immutable.
 */
public final class ZClip implements NormStabilizer<ZClip.State> {
  /** The kind written in snapshots and telemetry. */
  public static final String KIND = "zclip";

  /** The default EMA factor. */
  public static final double DEFAULT_ALPHA = 0.97;

  /** The default z-score threshold. */
  public static final double DEFAULT_Z_THRESHOLD = 2.5;

  /** The default number of warm-up steps. */
  public static final int DEFAULT_WARMUP = 25;

  private final double alpha;
  private final double zThreshold;
  private final int warmup;

  /** ZClip with the default alpha, threshold and warm-up. */
  public ZClip() {
    this(DEFAULT_ALPHA, DEFAULT_Z_THRESHOLD, DEFAULT_WARMUP);
  }

  /**
   * @param alpha EMA factor; in (0, 1)
   * @param zThreshold z-score above which the norm is clipped; finite, &gt; 0
   * @param warmup steps whose norms initialise the statistics without clipping; &gt;= 1
   */
  public ZClip(double alpha, double zThreshold, int warmup) {
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha (" + alpha + ") must be in (0, 1)");
    }
    if (!(Double.isFinite(zThreshold) && zThreshold > 0)) {
      throw new IllegalArgumentException(
          "zThreshold (" + zThreshold + ") must be finite and > 0");
    }
    if (warmup < 1) {
      throw new IllegalArgumentException("warmup (" + warmup + ") must be >= 1");
    }
    this.alpha = alpha;
    this.zThreshold = zThreshold;
    this.warmup = warmup;
  }

  @Override
  public String kind() {
    return KIND;
  }

  /** The EMA factor. */
  public double alpha() {
    return alpha;
  }

  /** The z-score threshold. */
  public double zThreshold() {
    return zThreshold;
  }

  /** The number of warm-up steps. */
  public int warmup() {
    return warmup;
  }

  @Override
  public State init() {
    return new State(0, new double[0], Double.NaN, Double.NaN);
  }

  @Override
  public NormStep<State> update(double globalNorm, State state) {
    Norms.checkNorm(globalNorm);
    long step = state.steps + 1;
    if (!Double.isFinite(globalNorm)) {
      return new NormStep<>(
          0, state, GlobalNormClipper.skippedTelemetry(step, globalNorm, state.threshold(zThreshold)));
    }
    if (!state.initialized()) {
      double[] buffer = Arrays.copyOf(state.warmupNorms, state.warmupNorms.length + 1);
      buffer[buffer.length - 1] = globalNorm;
      State next;
      if (buffer.length >= warmup) {
        double mean = 0;
        for (double v : buffer) {
          mean += v;
        }
        mean /= buffer.length;
        double var = 0;
        for (double v : buffer) {
          var += (v - mean) * (v - mean);
        }
        var /= buffer.length;
        next = new State(step, new double[0], mean, var);
      } else {
        next = new State(step, buffer, Double.NaN, Double.NaN);
      }
      return new NormStep<>(
          1,
          next,
          new StepTelemetry(
              step, globalNorm, Double.POSITIVE_INFINITY, Double.NaN, Double.NaN, 0, 1, false));
    }
    double std = Math.sqrt(state.var);
    double z = (globalNorm - state.mean) / (std + Norms.NORM_EPS);
    double effective = globalNorm;
    double scale = 1;
    if (z > zThreshold) {
      effective = state.mean + (zThreshold * zThreshold / z) * std;
      if (effective < globalNorm) {
        scale = effective / (globalNorm + Norms.NORM_EPS);
      }
    }
    double mean = alpha * state.mean + (1 - alpha) * effective;
    double var = alpha * state.var + (1 - alpha) * (effective - mean) * (effective - mean);
    return new NormStep<>(
        scale,
        new State(step, new double[0], mean, var),
        new StepTelemetry(
            step,
            globalNorm,
            state.mean + zThreshold * std,
            state.mean,
            std,
            scale < 1 ? 1 : 0,
            scale,
            false));
  }

  @Override
  public byte[] snapshot(State state) {
    return SnapshotFormat.encode(
        KIND,
        out -> {
          out.writeDouble(alpha);
          out.writeDouble(zThreshold);
          out.writeInt(warmup);
          out.writeLong(state.steps);
          out.writeDouble(state.mean);
          out.writeDouble(state.var);
          Snapshots.writeDoubles(out, state.warmupNorms);
        });
  }

  @Override
  public State restore(byte[] bytes) {
    return SnapshotFormat.decode(
        bytes,
        KIND,
        in -> {
          Snapshots.expectSame("alpha", in.readDouble(), alpha);
          Snapshots.expectSame("zThreshold", in.readDouble(), zThreshold);
          Snapshots.expectSame("warmup", in.readInt(), warmup);
          long steps = in.readLong();
          double mean = in.readDouble();
          double var = in.readDouble();
          int n = in.readInt();
          if (n < 0 || n >= warmup) {
            throw new IllegalArgumentException(
                "ZClip snapshot is corrupt: " + n + " warm-up norms for a warm-up of " + warmup);
          }
          double[] buffer = Snapshots.readDoubles(in, n);
          return new State(steps, buffer, mean, var);
        });
  }

  /**
   * ZClip's state: the warm-up norms until the statistics are initialised, then the EMA mean and
   * variance of the (clipped) global norm. Immutable.
   */
  public static final class State {
    private final long steps;
    private final double[] warmupNorms;
    private final double mean;
    private final double var;

    State(long steps, double[] warmupNorms, double mean, double var) {
      this.steps = steps;
      this.warmupNorms = warmupNorms;
      this.mean = mean;
      this.var = var;
    }

    /** Steps processed so far, skipped ones excluded. */
    public long steps() {
      return steps;
    }

    /** Whether the warm-up is over and the EMA statistics are in use. */
    public boolean initialized() {
      return !Double.isNaN(mean);
    }

    /** The EMA mean of the global norm; NaN during warm-up. */
    public double mean() {
      return mean;
    }

    /** The EMA variance of the global norm; NaN during warm-up. */
    public double variance() {
      return var;
    }

    /** The warm-up norms collected so far (a copy); empty once initialised. */
    public double[] warmupNorms() {
      return warmupNorms.clone();
    }

    double threshold(double z) {
      return initialized() ? mean + z * Math.sqrt(var) : Double.POSITIVE_INFINITY;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s
          && steps == s.steps
          && Double.compare(mean, s.mean) == 0
          && Double.compare(var, s.var) == 0
          && Arrays.equals(warmupNorms, s.warmupNorms);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(new double[] {steps, mean, var}) * 31 + Arrays.hashCode(warmupNorms);
    }

    @Override
    public String toString() {
      return "ZClip.State[steps=" + steps + ", mean=" + mean + ", variance=" + var
          + ", warmupNorms=" + warmupNorms.length + "]";
    }
  }
}
