package io.alrc.experiments.stem;

/**
 * The network input for partial-scan completion: what a sparse spiral scan of an image records,
 * as two channels.
 *
 * <pre>
 * channel 0 (scan):  x[i]                 where mask[i] &gt; 0, else 0
 * channel 1 (mask):  mask[i] / max(mask)  in [0, 1]
 * </pre>
 *
 * Layout is channel-first (CHW): {@code [0, n^2)} is channel 0 and {@code [n^2, 2 n^2)} channel
 * 1, each row-major. The target is the full image {@code x} in [-1, 1].
 *
 * <p>Why two channels: a scanned pixel may legitimately be 0 in [-1, 1], so the scan alone cannot
 * tell "scanned, value 0" from "not scanned"; the mask channel tells them apart and also carries
 * the blurred path's weights (1 on the path's centre, down to 1/16 at its fringe). The authors also
 * fed the mask to their network; their scan channel differs: values were weighted by the mask,
 * mixed with uniform noise at weakly scanned pixels, and min-max scaled to [0, 1] with unscanned
 * pixels at 0. Here the scan keeps the image's own values (the synthetic images already carry shot
 * noise), so the input is exactly what a noiseless read-out of those pixels would give.
 *
 * <p>Stateless and thread-safe; inputs are never modified.
 */
public final class PartialScanInput {
  /** Channels of the input. */
  public static final int CHANNELS = 2;

  private PartialScanInput() {}

  /**
   * Builds the input into a new array.
   *
   * @param image the full image, {@code n * n} row-major
   * @param mask a mask of side {@code n}
   * @return {@code 2 n^2} values, channel-first
   */
  public static float[] build(float[] image, SpiralMask mask) {
    float[] dst = new float[CHANNELS * image.length];
    build(image, mask, dst);
    return dst;
  }

  /**
   * Builds the input into {@code dst}.
   *
   * @param image the full image, {@code n * n} row-major
   * @param mask a mask of side {@code n}
   * @param dst receives {@code 2 n^2} values, channel-first
   * @throws IllegalArgumentException if the sizes do not match
   */
  public static void build(float[] image, SpiralMask mask, float[] dst) {
    int n2 = mask.side() * mask.side();
    if (image.length != n2 || dst.length != CHANNELS * n2) {
      throw new IllegalArgumentException(
          "image of " + image.length + " pixels and output of " + dst.length
              + " values do not match a " + mask.side() + " x " + mask.side() + " mask (expected "
              + n2 + " and " + CHANNELS * n2 + ")");
    }
    float[] m = mask.maskData();
    float scale = mask.maxValue() > 0 ? 1f / mask.maxValue() : 0f;
    for (int i = 0; i < n2; i++) {
      dst[i] = m[i] > 0 ? image[i] : 0f;
      dst[n2 + i] = m[i] * scale;
    }
  }
}
