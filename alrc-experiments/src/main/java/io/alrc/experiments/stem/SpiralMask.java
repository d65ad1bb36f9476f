package io.alrc.experiments.stem;

/**
 * An Archimedean spiral partial-scan mask, built by {@link SpiralScan}: the drawn path, the mask
 * (the path blurred 3x3) and how much of the image each covers.
 *
 * <p>{@link #mask()} values are multiples of 1/16 in [0, 1]: the path is drawn with value 1 and
 * blurred with the kernel {@code [1 2 1]^T [1 2 1] / 16}. A pixel counts as scanned when its mask
 * value is above 0 ({@link #isScanned(int)}); {@link #supportFraction()} is the fraction of such
 * pixels, {@link #drawnFraction()} the fraction of pixels on the drawn path before the blur.
 *
 * <p>Immutable: accessors return copies.
 */
public final class SpiralMask {
  private final int side;
  private final double requestedFraction;
  private final SpiralScan.Calibration calibration;
  private final double k;
  private final float[] path;
  private final float[] mask;
  private final double drawnFraction;
  private final double supportFraction;
  private final float maxValue;

  SpiralMask(
      int side,
      double requestedFraction,
      SpiralScan.Calibration calibration,
      double k,
      float[] path,
      float[] mask) {
    this.side = side;
    this.requestedFraction = requestedFraction;
    this.calibration = calibration;
    this.k = k;
    this.path = path;
    this.mask = mask;
    int drawn = 0;
    int support = 0;
    float max = 0;
    for (int i = 0; i < mask.length; i++) {
      drawn += path[i] > 0 ? 1 : 0;
      support += mask[i] > 0 ? 1 : 0;
      max = Math.max(max, mask[i]);
    }
    this.drawnFraction = drawn / (double) mask.length;
    this.supportFraction = support / (double) mask.length;
    this.maxValue = max;
  }

  /** Width and height in pixels. */
  public int side() {
    return side;
  }

  /** The fraction of pixels the caller asked the drawn path to cover. */
  public double requestedFraction() {
    return requestedFraction;
  }

  /** How {@link #k()} was chosen. */
  public SpiralScan.Calibration calibration() {
    return calibration;
  }

  /** The spiral's constant in {@code r = k * theta}, pixels per radian; arms lie {@code 2 pi k} apart. */
  public double k() {
    return k;
  }

  /** The fraction of pixels on the drawn (1-pixel, 8-connected) path, before the blur. */
  public double drawnFraction() {
    return drawnFraction;
  }

  /** The fraction of pixels with a mask value above 0 (the scanned pixels). */
  public double supportFraction() {
    return supportFraction;
  }

  /** The largest mask value (at most 1; 10/16 for the authors' 512 x 512 mask). */
  public float maxValue() {
    return maxValue;
  }

  /** A copy of the drawn path: 1 on the path, 0 elsewhere; row-major {@code side x side}. */
  public float[] path() {
    return path.clone();
  }

  /** A copy of the blurred mask; row-major {@code side x side}. */
  public float[] mask() {
    return mask.clone();
  }

  /** Whether pixel {@code index} (row-major) is scanned, i.e. its mask value is above 0. */
  public boolean isScanned(int index) {
    return mask[index] > 0;
  }

  /** The mask value of pixel {@code index} (row-major). */
  public float value(int index) {
    return mask[index];
  }

  float[] maskData() {
    return mask;
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "SpiralMask[side %d, requested %.4f, %s, k %.4f px/rad, drawn %.4f, support %.4f]",
        side,
        requestedFraction,
        calibration,
        k,
        drawnFraction,
        supportFraction);
  }
}
