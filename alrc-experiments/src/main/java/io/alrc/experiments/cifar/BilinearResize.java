package io.alrc.experiments.cifar;

/**
 * Bilinear resizing of channel-major float images with align-corners semantics and no
 * antialiasing, as TensorFlow 1's {@code tf.image.resize_images(..., align_corners=True)} (method
 * {@code BILINEAR}) and PyTorch's {@code F.interpolate(mode="bilinear", align_corners=True)}.
 *
 * <p>Along each axis, output index {@code i} samples the input at
 *
 * <pre>
 * scale = (in - 1) / (out - 1)          (0 when out = 1)
 * pos   = i * scale                     the corner pixels map onto each other
 * lo    = floor(pos),  hi = min(ceil(pos), in - 1),  lerp = pos - lo
 * top    = tl + (tr - tl) * xlerp
 * bottom = bl + (br - bl) * xlerp
 * out    = top + (bottom - top) * ylerp
 * </pre>
 *
 * in float arithmetic, with the same operations in the same order as TensorFlow's {@code
 * resize_bilinear_op.cc} ({@code compute_interpolation_weights}, {@code compute_lerp}), so results
 * agree with it up to float rounding (bit for bit where neither side fuses multiply-adds). There is
 * no antialiasing: when shrinking, each output still reads only its 2x2
 * neighbourhood (for 32 to 16, scale 31/15).
 *
 * <p>The index and weight tables are computed once at construction. Immutable and thread-safe.
 */
public final class BilinearResize {
  private final int inHeight;
  private final int inWidth;
  private final int outHeight;
  private final int outWidth;
  private final int[] yLo;
  private final int[] yHi;
  private final float[] yLerp;
  private final int[] xLo;
  private final int[] xHi;
  private final float[] xLerp;

  private BilinearResize(int inHeight, int inWidth, int outHeight, int outWidth) {
    this.inHeight = inHeight;
    this.inWidth = inWidth;
    this.outHeight = outHeight;
    this.outWidth = outWidth;
    yLo = new int[outHeight];
    yHi = new int[outHeight];
    yLerp = new float[outHeight];
    weights(inHeight, outHeight, yLo, yHi, yLerp);
    xLo = new int[outWidth];
    xHi = new int[outWidth];
    xLerp = new float[outWidth];
    weights(inWidth, outWidth, xLo, xHi, xLerp);
  }

  /**
   * A resize from {@code inHeight x inWidth} to {@code outHeight x outWidth} with align corners.
   *
   * @param inHeight input rows; &gt;= 1
   * @param inWidth input columns; &gt;= 1
   * @param outHeight output rows; &gt;= 1
   * @param outWidth output columns; &gt;= 1
   * @return the resize
   */
  public static BilinearResize alignCorners(int inHeight, int inWidth, int outHeight, int outWidth) {
    check("inHeight", inHeight);
    check("inWidth", inWidth);
    check("outHeight", outHeight);
    check("outWidth", outWidth);
    return new BilinearResize(inHeight, inWidth, outHeight, outWidth);
  }

  private static void check(String name, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " (" + v + ") must be >= 1");
    }
  }

  private static void weights(int in, int out, int[] lo, int[] hi, float[] lerp) {
    float scale = out > 1 ? (in - 1) / (float) (out - 1) : 0f;
    for (int i = 0; i < out; i++) {
      float pos = i * scale;
      float floor = (float) Math.floor(pos);
      lo[i] = Math.max((int) floor, 0);
      hi[i] = Math.min((int) Math.ceil(pos), in - 1);
      lerp[i] = pos - floor;
    }
  }

  /**
   * Resizes {@code channels} planes.
   *
   * @param src the input, {@code channels x inHeight x inWidth} values, row-major per plane
   * @param srcOffset index of the first input value
   * @param dst receives {@code channels x outHeight x outWidth} values
   * @param dstOffset index of the first output value
   * @param channels the number of planes; &gt;= 1
   */
  public void apply(float[] src, int srcOffset, float[] dst, int dstOffset, int channels) {
    int inPlane = inHeight * inWidth;
    int outPlane = outHeight * outWidth;
    for (int c = 0; c < channels; c++) {
      int sBase = srcOffset + c * inPlane;
      int d = dstOffset + c * outPlane;
      for (int y = 0; y < outHeight; y++) {
        int top = sBase + yLo[y] * inWidth;
        int bottom = sBase + yHi[y] * inWidth;
        float yl = yLerp[y];
        for (int x = 0; x < outWidth; x++) {
          int l = xLo[x];
          int r = xHi[x];
          float xl = xLerp[x];
          float tl = src[top + l];
          float tr = src[top + r];
          float bl = src[bottom + l];
          float br = src[bottom + r];
          float t = tl + (tr - tl) * xl;
          float b = bl + (br - bl) * xl;
          dst[d++] = t + (b - t) * yl;
        }
      }
    }
  }

  /**
   * Input rows.
   *
   * @return the input height
   */
  public int inHeight() {
    return inHeight;
  }

  /**
   * Input columns.
   *
   * @return the input width
   */
  public int inWidth() {
    return inWidth;
  }

  /**
   * Output rows.
   *
   * @return the output height
   */
  public int outHeight() {
    return outHeight;
  }

  /**
   * Output columns.
   *
   * @return the output width
   */
  public int outWidth() {
    return outWidth;
  }
}
