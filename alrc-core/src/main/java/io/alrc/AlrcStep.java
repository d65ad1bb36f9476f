package io.alrc;

import io.alrc.telemetry.StepTelemetry;
import java.util.Arrays;

/**
 * The result of one {@link AlrcClipper#update(double[], AlrcState) update}: the per-example scales
 * and clipped losses, the threshold that was applied, and the new state.
 *
 * <p>The arrays are owned by this object: accessors by index read them without copying; {@link
 * #scales()} and {@link #outputs()} return copies. Immutable and thread-safe.
 */
public final class AlrcStep {
  private final long step;
  private final AlrcState state;
  private final double lmax;
  private final double lmin;
  private final double mu1Before;
  private final double sigma;
  private final double maxLoss;
  private final double[] outputs;
  private final double[] scales;
  private final int clipped;
  private final double minScale;
  private final boolean skipped;
  private final boolean warmup;

  AlrcStep(
      long step,
      AlrcState state,
      double lmax,
      double lmin,
      double mu1Before,
      double sigma,
      double maxLoss,
      double[] outputs,
      double[] scales,
      int clipped,
      double minScale,
      boolean skipped,
      boolean warmup) {
    this.step = step;
    this.state = state;
    this.lmax = lmax;
    this.lmin = lmin;
    this.mu1Before = mu1Before;
    this.sigma = sigma;
    this.maxLoss = maxLoss;
    this.outputs = outputs;
    this.scales = scales;
    this.clipped = clipped;
    this.minScale = minScale;
    this.skipped = skipped;
    this.warmup = warmup;
  }

  /** The 1-based number of this step ({@code state().steps()}). */
  public long step() {
    return step;
  }

  /** The state after this step, to pass to the next update. Unchanged moments if skipped. */
  public AlrcState state() {
    return state;
  }

  /**
   * The upper threshold {@code lmax = mu1 + n * sigma} from the moments before this step; during
   * the auto start's warm-up the warm-up bound (see {@link AlrcConfig}), {@code +Infinity} while
   * it clips nothing (the legacy warm-up, the first few losses, only zero losses so far).
   */
  public double lmax() {
    return lmax;
  }

  /** The lower threshold of the extension {@link AlrcConfig#lowerN()}, else {@code -Infinity}. */
  public double lmin() {
    return lmin;
  }

  /** The running standard deviation before this step. */
  public double sigma() {
    return sigma;
  }

  /**
   * Whether this step belonged to a warm-up (the auto start's or the legacy {@link
   * AlrcConfig#warmupLosses()}): its threshold was the warm-up's, not {@code mu1 + n * sigma}. The
   * first step with {@code false} is the first with the running threshold; with fixed initial
   * moments and no legacy warm-up, always false.
   */
  public boolean warmup() {
    return warmup;
  }

  /** Whether the step was skipped because a loss was NaN or infinite. */
  public boolean skipped() {
    return skipped;
  }

  /** Number of examples in the step, skipped steps included (their scales are all 0). */
  public int size() {
    return scales.length;
  }

  /**
   * The scale {@code s_i} of example {@code i}: 1 below the threshold, {@code lmax / L_i} above it.
   * A skipped step has all scales 0 (the step must not update anything).
   */
  public double scale(int i) {
    return scales[i];
  }

  /** The clipped loss {@code out_i = L_i * s_i} of example {@code i}; NaN for a skipped step. */
  public double output(int i) {
    return outputs[i];
  }

  /** A copy of the scales. */
  public double[] scales() {
    return scales.clone();
  }

  /** A copy of the clipped losses. */
  public double[] outputs() {
    return outputs.clone();
  }

  /** Copies the scales into {@code dst} (at least {@link #size()} long) as floats. */
  public void copyScalesTo(float[] dst) {
    for (int i = 0; i < scales.length; i++) {
      dst[i] = (float) scales[i];
    }
  }

  /** Number of examples whose loss was scaled down. */
  public int clippedCount() {
    return clipped;
  }

  /** The smallest scale of this step; 1 when nothing was clipped, NaN when skipped. */
  public double minScale() {
    return minScale;
  }

  /** The objective's value, {@code mean_i(out_i)}; NaN when skipped. */
  public double objective() {
    if (skipped) {
      return Double.NaN;
    }
    double sum = 0;
    for (double o : outputs) {
      sum += o;
    }
    return sum / outputs.length;
  }

  /**
   * This step as the shared telemetry record ({@code mean} and {@code sigma} before the step,
   * {@code warmup} as {@link #warmup()}).
   */
  public StepTelemetry telemetry() {
    return new StepTelemetry(
        step, maxLoss, lmax, mu1Before, sigma, clipped, minScale, skipped, warmup);
  }

  @Override
  public String toString() {
    return "AlrcStep[step=" + step + ", lmax=" + lmax + ", clipped=" + clipped + ", minScale="
        + minScale + ", skipped=" + skipped + ", warmup=" + warmup + ", scales=" + Arrays.toString(scales) + ", state="
        + state + "]";
  }
}
