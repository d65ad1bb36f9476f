package io.alrc.stabilizer;

import io.alrc.snapshot.SnapshotFormat;
import io.alrc.telemetry.StepTelemetry;

/**
 * Adaptive gradient clipping (AGC; Brock, De, Smith, Simonyan, "High-Performance Large-Scale Image
 * Recognition Without Normalization", ICML 2021), unit-wise: for each output unit of each parameter
 * (a row of a weight, e.g. one output channel of a convolution kernel {@code (out, in, kh, kw)}),
 *
 * <pre>
 * bound = lambda * max(||w_unit||, eps)
 * scale = ||g_unit|| &gt; bound ? bound / max(||g_unit||, 1e-6) : 1
 * </pre>
 *
 * so each unit's gradient is at most {@code lambda} times its weight's norm. Defaults: lambda
 * {@value #DEFAULT_LAMBDA}, eps {@value #DEFAULT_EPS}. Use it without normalisation layers, where
 * gradients relative to weights are the natural scale. Parameters of rank 1 or less (biases, gains)
 * are one unit each, as in the authors' and optax's {@code unitwise_norm}. Stateless apart from a
 * step count; thread-safe and immutable.
 */
public final class AdaptiveGradientClipper {
  /** The kind written in snapshots and telemetry. */
  public static final String KIND = "agc";

  /** The default clipping factor. */
  public static final double DEFAULT_LAMBDA = 0.01;

  /** The default floor of a weight norm. */
  public static final double DEFAULT_EPS = 1e-3;

  private final double lambda;
  private final double eps;

  /** AGC with lambda 0.01 and eps 1e-3. */
  public AdaptiveGradientClipper() {
    this(DEFAULT_LAMBDA, DEFAULT_EPS);
  }

  /**
   * @param lambda the largest allowed ratio of gradient norm to weight norm; finite, &gt; 0
   * @param eps the floor of a weight norm, so zero-initialised units can still move; finite, &gt; 0
   */
  public AdaptiveGradientClipper(double lambda, double eps) {
    if (!(Double.isFinite(lambda) && lambda > 0)) {
      throw new IllegalArgumentException("lambda (" + lambda + ") must be finite and > 0");
    }
    if (!(Double.isFinite(eps) && eps > 0)) {
      throw new IllegalArgumentException("eps (" + eps + ") must be finite and > 0");
    }
    this.lambda = lambda;
    this.eps = eps;
  }

  /** The clipping factor lambda. */
  public double lambda() {
    return lambda;
  }

  /** The floor of a weight norm. */
  public double eps() {
    return eps;
  }

  /** The kind, {@value #KIND}. */
  public String kind() {
    return KIND;
  }

  /** The fresh state. */
  public StepCount init() {
    return new StepCount(0);
  }

  /** The scale of one unit given its gradient norm and weight norm. */
  public double unitScale(double gradNorm, double weightNorm) {
    double bound = lambda * Math.max(weightNorm, eps);
    return gradNorm > bound ? bound / Math.max(gradNorm, Norms.NORM_EPS) : 1.0;
  }

  /**
   * One step over all units of all parameters, given their norms in one flat array each.
   *
   * @param gradNorms the gradient norm of every unit
   * @param weightNorms the weight norm of the same units
   * @param state the step count
   * @return the per-unit scales (a new array), the next state and the telemetry ({@code observed}
   *     is the largest ratio {@code ||g|| / max(||w||, eps)}); a step with any non-finite gradient
   *     norm is skipped, with all scales 0
   */
  public Step update(double[] gradNorms, double[] weightNorms, StepCount state) {
    if (gradNorms.length != weightNorms.length) {
      throw new IllegalArgumentException(
          gradNorms.length + " gradient norms but " + weightNorms.length + " weight norms");
    }
    long step = state.steps() + 1;
    double[] scales = new double[gradNorms.length];
    double maxRatio = 0;
    for (double g : gradNorms) {
      if (!Double.isFinite(g)) {
        return new Step(
            scales,
            state,
            new StepTelemetry(step, g, lambda, Double.NaN, Double.NaN, 0, Double.NaN, true));
      }
    }
    int clipped = 0;
    double minScale = 1;
    for (int i = 0; i < gradNorms.length; i++) {
      double s = unitScale(gradNorms[i], weightNorms[i]);
      scales[i] = s;
      maxRatio = Math.max(maxRatio, gradNorms[i] / Math.max(weightNorms[i], eps));
      if (s < 1) {
        clipped++;
        minScale = Math.min(minScale, s);
      }
    }
    return new Step(
        scales,
        state.next(),
        new StepTelemetry(step, maxRatio, lambda, Double.NaN, Double.NaN, clipped, minScale, false));
  }

  /**
   * Clips one parameter's gradient in place, unit by unit (rows of equal length).
   *
   * @param grad the gradient, modified in place
   * @param weight the parameter's values, same length
   * @param units the number of output units (1 for a rank-1 parameter)
   * @return the number of units clipped
   */
  public int clipInPlace(float[] grad, float[] weight, int units) {
    if (grad.length != weight.length) {
      throw new IllegalArgumentException(
          "gradient has " + grad.length + " values but weight has " + weight.length);
    }
    double[] g = Norms.unitNorms(grad, units);
    double[] w = Norms.unitNorms(weight, units);
    int per = grad.length / units;
    int clipped = 0;
    for (int u = 0; u < units; u++) {
      double s = unitScale(g[u], w[u]);
      if (s < 1) {
        clipped++;
        for (int k = u * per, end = k + per; k < end; k++) {
          grad[k] = (float) (grad[k] * s);
        }
      }
    }
    return clipped;
  }

  /** Encodes the configuration and the step count. */
  public byte[] snapshot(StepCount state) {
    return SnapshotFormat.encode(
        KIND,
        out -> {
          out.writeDouble(lambda);
          out.writeDouble(eps);
          out.writeLong(state.steps());
        });
  }

  /** Decodes a snapshot taken with the same lambda and eps. */
  public StepCount restore(byte[] bytes) {
    return SnapshotFormat.decode(
        bytes,
        KIND,
        in -> {
          Snapshots.expectSame("lambda", in.readDouble(), lambda);
          Snapshots.expectSame("eps", in.readDouble(), eps);
          return new StepCount(in.readLong());
        });
  }

  /**
   * One AGC step's result.
   *
   * @param scales the per-unit scales, in the order of the input norms
   * @param state the next state
   * @param telemetry what was measured and done
   */
  public record Step(double[] scales, StepCount state, StepTelemetry telemetry) {}
}
