package io.alrc.experiments.stem;

/**
 * Training crops from a micrograph, as the authors prepared theirs: a square crop at a random
 * position, one of the 8 {@link Dihedral} symmetries at random, then min-max normalisation to
 * [-1, 1] ({@link Normalisation}; non-finite pixels become 0 first).
 *
 * <p>A seed fixes the position and the symmetry: {@code x} is uniform in {@code [0, width -
 * size]}, then {@code y} in {@code [0, height - size]}, then the symmetry's index in 0..7, drawn in
 * that order from {@code SplittableRandom(seed)}.
 *
 * <p>Stateless and thread-safe; the image is never modified.
 */
public final class StemCrops {
  private StemCrops() {}

  /**
   * One crop and where it came from.
   *
   * @param source the image's source
   * @param x left column of the crop in the image
   * @param y top row of the crop in the image
   * @param size crop width and height
   * @param symmetry the symmetry applied after cropping
   * @param pixels {@code size * size} row-major values in [-1, 1]; the array belongs to the caller
   */
  public record Crop(String source, int x, int y, int size, Dihedral symmetry, float[] pixels) {}

  /**
   * A random crop with a random symmetry.
   *
   * @param image the micrograph
   * @param size crop side, in [1, min(width, height)]
   * @param seed fixes position and symmetry
   * @return the normalised crop
   * @throws IllegalArgumentException if the image is smaller than the crop
   */
  public static Crop random(StemImage image, int size, long seed) {
    checkSize(image, size);
    Rng rng = new Rng(seed);
    int x = rng.nextInt(image.width() - size + 1);
    int y = rng.nextInt(image.height() - size + 1);
    Dihedral symmetry = Dihedral.of(rng.nextInt(8));
    return crop(image, x, y, size, symmetry);
  }

  /**
   * A crop at a given place with a given symmetry.
   *
   * @param image the micrograph
   * @param x left column, in [0, width - size]
   * @param y top row, in [0, height - size]
   * @param size crop side, &gt;= 1
   * @param symmetry applied after cropping
   * @return the normalised crop
   * @throws IllegalArgumentException if the crop does not fit in the image
   */
  public static Crop crop(StemImage image, int x, int y, int size, Dihedral symmetry) {
    checkSize(image, size);
    if (x < 0 || y < 0 || x > image.width() - size || y > image.height() - size) {
      throw new IllegalArgumentException(
          image.source() + ": a " + size + " x " + size + " crop at (" + x + ", " + y
              + ") does not fit in " + image.width() + " x " + image.height());
    }
    float[] data = image.data();
    float[] window = new float[size * size];
    for (int row = 0; row < size; row++) {
      System.arraycopy(data, (y + row) * image.width() + x, window, row * size, size);
    }
    float[] pixels = symmetry == Dihedral.IDENTITY ? window : symmetry.apply(window, size, size);
    Normalisation.toSymmetricUnitRange(pixels);
    return new Crop(image.source(), x, y, size, symmetry, pixels);
  }

  private static void checkSize(StemImage image, int size) {
    if (size < 1 || size > image.width() || size > image.height()) {
      throw new IllegalArgumentException(
          image.source() + ": crop size " + size + " must be in [1, " + Math.min(image.width(), image.height())
              + "] for a " + image.width() + " x " + image.height() + " image");
    }
  }
}
