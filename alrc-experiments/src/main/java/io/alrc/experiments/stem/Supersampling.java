package io.alrc.experiments.stem;

/**
 * Inputs for STEM supersampling: an image downsampled by 2 or 4 (area average) and upsampled back
 * to its size (bilinear), so the network sees what a coarser scan would have recorded.
 *
 * <pre>
 * small[J][I] = mean of x[f J + dy][f I + dx], 0 &lt;= dx, dy &lt; f        (area average)
 * up[j][i]    = bilinear(small, (i + 0.5) / f - 0.5, (j + 0.5) / f - 0.5)  (clamped at the edges)
 * </pre>
 *
 * The upsampling uses pixel centres (as OpenCV's {@code INTER_LINEAR} and TensorFlow 2's
 * {@code resize} do, "half-pixel" sampling), which matches area averaging: each coarse pixel is
 * the centre of the block it averaged, so the result is not shifted. (The CIFAR-10 experiment
 * uses align-corners resizing instead, as the spec prescribes there.)
 *
 * <p>Stateless and thread-safe; inputs are never modified.
 */
public final class Supersampling {
  private Supersampling() {}

  /**
   * Downsamples then upsamples back.
   *
   * @param image {@code size * size} row-major
   * @param size image side, a multiple of {@code factor}
   * @param factor 2 or 4 (any integer &gt;= 1 works)
   * @return {@code size * size} values
   */
  public static float[] input(float[] image, int size, int factor) {
    return upsample(downsample(image, size, factor), size / factor, factor);
  }

  /**
   * Area-average downsampling by an integer factor.
   *
   * @param image {@code size * size} row-major
   * @param size a multiple of {@code factor}
   * @param factor &gt;= 1
   * @return {@code (size / factor)^2} block means
   * @throws IllegalArgumentException if {@code size} is not a multiple of {@code factor}
   */
  public static float[] downsample(float[] image, int size, int factor) {
    if (factor < 1 || size < factor || size % factor != 0 || image.length != size * size) {
      throw new IllegalArgumentException(
          "a " + size + " x " + size + " image (" + image.length
              + " pixels) cannot be downsampled by " + factor + ": size must be a multiple of it");
    }
    int small = size / factor;
    float[] out = new float[small * small];
    float norm = 1f / (factor * factor);
    for (int y = 0; y < size; y++) {
      int row = (y / factor) * small;
      for (int x = 0; x < size; x++) {
        out[row + x / factor] += image[y * size + x];
      }
    }
    for (int i = 0; i < out.length; i++) {
      out[i] *= norm;
    }
    return out;
  }

  /**
   * Bilinear upsampling by an integer factor with half-pixel centres (see the class comment).
   *
   * @param small {@code smallSize * smallSize} row-major
   * @param smallSize its side, &gt;= 1
   * @param factor &gt;= 1
   * @return {@code (smallSize * factor)^2} values
   */
  public static float[] upsample(float[] small, int smallSize, int factor) {
    if (factor < 1 || smallSize < 1 || small.length != smallSize * smallSize) {
      throw new IllegalArgumentException(
          small.length + " values are not a " + smallSize + " x " + smallSize
              + " image, or factor " + factor + " < 1");
    }
    int size = smallSize * factor;
    int[] i0 = new int[size];
    int[] i1 = new int[size];
    float[] t = new float[size];
    for (int i = 0; i < size; i++) {
      double s = (i + 0.5) / factor - 0.5;
      s = Math.max(0, Math.min(smallSize - 1, s));
      i0[i] = (int) s;
      i1[i] = Math.min(smallSize - 1, i0[i] + 1);
      t[i] = (float) (s - i0[i]);
    }
    float[] out = new float[size * size];
    for (int y = 0; y < size; y++) {
      int r0 = i0[y] * smallSize;
      int r1 = i1[y] * smallSize;
      float ty = t[y];
      for (int x = 0; x < size; x++) {
        float top = small[r0 + i0[x]] + t[x] * (small[r0 + i1[x]] - small[r0 + i0[x]]);
        float bottom = small[r1 + i0[x]] + t[x] * (small[r1 + i1[x]] - small[r1 + i0[x]]);
        out[y * size + x] = top + ty * (bottom - top);
      }
    }
    return out;
  }
}
