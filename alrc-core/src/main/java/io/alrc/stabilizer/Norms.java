package io.alrc.stabilizer;

/**
 * Norm helpers shared by the gradient stabilizers, on plain arrays. Sums run in {@code double}.
 */
public final class Norms {
  /** Added to a norm before dividing by it, as in PyTorch's {@code clip_grad_norm_}. */
  public static final double NORM_EPS = 1e-6;

  private Norms() {}

  /**
   * The factor that brings {@code norm} down to at most {@code maxNorm}: {@code min(1, maxNorm /
   * (norm + 1e-6))}, exactly PyTorch's {@code clip_grad_norm_} coefficient.
   */
  public static double clipScale(double norm, double maxNorm) {
    return Math.min(1.0, maxNorm / (norm + NORM_EPS));
  }

  /** The L2 norm of several arrays taken as one concatenated vector. */
  public static double globalNorm(float[]... arrays) {
    double sumSq = 0;
    for (float[] a : arrays) {
      for (float v : a) {
        sumSq += (double) v * v;
      }
    }
    return Math.sqrt(sumSq);
  }

  /**
   * The L2 norm of each unit of a parameter stored row-major with {@code units} equal rows (for a
   * weight of shape {@code (out, in, kh, kw)}: one norm per output channel).
   *
   * @throws IllegalArgumentException if the length is not a multiple of {@code units}
   */
  public static double[] unitNorms(float[] values, int units) {
    if (units <= 0 || values.length % units != 0) {
      throw new IllegalArgumentException(
          "cannot split " + values.length + " values into " + units + " equal units");
    }
    int per = values.length / units;
    double[] norms = new double[units];
    for (int u = 0; u < units; u++) {
      double s = 0;
      for (int k = u * per, end = k + per; k < end; k++) {
        s += (double) values[k] * values[k];
      }
      norms[u] = Math.sqrt(s);
    }
    return norms;
  }

  static void checkNorm(double norm) {
    if (norm < 0) {
      throw new IllegalArgumentException("gradient norm (" + norm + ") must be >= 0");
    }
  }
}
