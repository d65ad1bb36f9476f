package io.alrc.experiments.stem;

/**
 * The authors' image normalisation: min-max scaling to [-1, 1].
 *
 * <pre>
 * a = (max + min) / 2,  b = (max - min) / 2
 * x &lt;- (x - a) / b
 * </pre>
 *
 * so the smallest pixel becomes exactly -1 and the largest exactly +1. Non-finite pixels are first
 * set to 0, as the authors' preprocessing did. A constant image (range below {@value
 * #CONSTANT_BELOW}, the authors' threshold) becomes all zeros.
 */
public final class Normalisation {
  /** A range {@code max - min} below this counts as a constant image. */
  public static final double CONSTANT_BELOW = 1e-6;

  private Normalisation() {}

  /**
   * Normalises in place to [-1, 1] by the rule in the class comment.
   *
   * @param pixels the image; modified
   * @return {@code pixels}
   */
  public static float[] toSymmetricUnitRange(float[] pixels) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < pixels.length; i++) {
      float v = pixels[i];
      if (!Float.isFinite(v)) {
        pixels[i] = 0f;
        v = 0f;
      }
      if (v < min) {
        min = v;
      }
      if (v > max) {
        max = v;
      }
    }
    if (pixels.length == 0 || max - min < CONSTANT_BELOW) {
      java.util.Arrays.fill(pixels, 0f);
      return pixels;
    }
    double centre = 0.5 * (max + min);
    double halfRange = 0.5 * (max - min);
    for (int i = 0; i < pixels.length; i++) {
      float v = (float) ((pixels[i] - centre) / halfRange);
      // Rounding to float can land a hair outside [-1, 1]; the ends are exact by contract.
      pixels[i] = v > 1f ? 1f : (v < -1f ? -1f : v);
    }
    return pixels;
  }
}
