package io.alrc.optim;

/**
 * Adam's update (Kingma and Ba 2015) on float arrays, fused into one pass: the arithmetic that the
 * DJL integration's {@code CheckpointableAdam} and the JavaCPP training engine share, in the same
 * float32 operation order as DJL's own Adam kernel, so that both reproduce it exactly.
 *
 * <pre>
 * m &lt;- beta1 * m + (1 - beta1) * g
 * v &lt;- beta2 * v + (1 - beta2) * g^2
 * w &lt;- w - lr_t * m / (sqrt(v) + eps)          lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
 * </pre>
 *
 * The bias correction is folded into {@code lr_t} ({@link #biasCorrectedRate}), as DJL does.
 * Stateless; the moments are the caller's.
 */
public final class AdamKernel {
  /** DJL's and PyTorch's default beta1. */
  public static final float DEFAULT_BETA1 = 0.9f;

  /** DJL's and PyTorch's default beta2. */
  public static final float DEFAULT_BETA2 = 0.999f;

  /** DJL's and PyTorch's default epsilon. */
  public static final float DEFAULT_EPSILON = 1e-8f;

  private AdamKernel() {}

  /**
   * The bias-corrected learning rate of update {@code t}: {@code lr * sqrt(1 - beta2^t) / (1 -
   * beta1^t)}, computed in double and rounded to float.
   *
   * @param lr the learning rate
   * @param beta1 the first moment's decay
   * @param beta2 the second moment's decay
   * @param t the 1-based number of this update of the parameter
   * @throws IllegalStateException if the result is not finite (e.g. a learning rate of 1e308)
   */
  public static float biasCorrectedRate(double lr, float beta1, float beta2, int t) {
    double coef1 = 1.0 - Math.pow(beta1, t);
    double coef2 = 1.0 - Math.pow(beta2, t);
    float step = (float) (lr * Math.sqrt(coef2) / coef1);
    if (!Float.isFinite(step)) {
      throw new IllegalStateException(
          "Adam update " + t + ": the bias-corrected learning rate " + step + " is not finite (lr "
              + lr + ")");
    }
    return step;
  }

  /**
   * One Adam update of elements {@code [from, to)}: moments updated in place, weights written into
   * {@code w}.
   *
   * @param w weights, updated in place
   * @param g gradients (read only)
   * @param m first moments, updated in place
   * @param v second moments, updated in place
   * @param from first element
   * @param to end (exclusive)
   * @param b1 beta1
   * @param b2 beta2
   * @param lr the bias-corrected learning rate ({@link #biasCorrectedRate})
   * @param eps epsilon
   */
  public static void update(
      float[] w, float[] g, float[] m, float[] v, int from, int to, float b1, float b2, float lr,
      float eps) {
    float c1 = 1f - b1;
    float c2 = 1f - b2;
    for (int i = from; i < to; i++) {
      float gi = g[i];
      float mi = b1 * m[i] + c1 * gi;
      float vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] - lr * mi / ((float) Math.sqrt(vi) + eps);
    }
  }
}
