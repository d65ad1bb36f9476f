package io.alrc.experiments.stem;

import java.util.Arrays;

/**
 * A single-channel micrograph in memory: row-major float pixels and where they came from.
 *
 * <p>Values are the file's, made comparable across formats: a float32 TIFF keeps its values; an
 * 8-bit or 16-bit greyscale PNG is divided by 255 or 65535, so a PNG written as {@code
 * round(x * 65535)} reads back within {@code 0.5 / 65535} of {@code x}. Nothing else is changed
 * (no normalisation; non-finite TIFF values are kept).
 *
 * <p>Immutable: the constructor copies the array and {@link #pixels()} returns a copy.
 */
public final class StemImage {
  private final String source;
  private final int width;
  private final int height;
  private final float[] pixels;

  /**
   * Creates an image.
   *
   * @param source a name for messages, usually the file it was read from
   * @param width columns, &gt;= 1
   * @param height rows, &gt;= 1
   * @param pixels row-major values, {@code width * height} of them; copied
   * @throws IllegalArgumentException if the sizes do not match
   */
  public StemImage(String source, int width, int height, float[] pixels) {
    this(source, width, height, pixels.clone(), true);
  }

  private StemImage(String source, int width, int height, float[] owned, boolean checked) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException(
          source + ": width (" + width + ") and height (" + height + ") must be >= 1");
    }
    if ((long) width * height != owned.length) {
      throw new IllegalArgumentException(
          source + ": " + owned.length + " pixels do not make a " + width + " x " + height + " image");
    }
    this.source = source;
    this.width = width;
    this.height = height;
    this.pixels = owned;
  }

  /** Wraps an array this package has just filled and will not touch again (no copy). */
  static StemImage wrap(String source, int width, int height, float[] owned) {
    return new StemImage(source, width, height, owned, true);
  }

  /** Where the image came from (a path or a description). */
  public String source() {
    return source;
  }

  /** Columns. */
  public int width() {
    return width;
  }

  /** Rows. */
  public int height() {
    return height;
  }

  /** A copy of the row-major pixels. */
  public float[] pixels() {
    return pixels.clone();
  }

  /** The pixel in column {@code x}, row {@code y} (row 0 at the top). */
  public float pixel(int x, int y) {
    if (x < 0 || x >= width || y < 0 || y >= height) {
      throw new IndexOutOfBoundsException(
          "(" + x + ", " + y + ") is outside the " + width + " x " + height + " image " + source);
    }
    return pixels[y * width + x];
  }

  /** The backing array, for this package's readers of large images; never modified there. */
  float[] data() {
    return pixels;
  }

  /** The smallest and largest finite pixel, {@code {NaN, NaN}} if there is none. */
  public double[] finiteRange() {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (float v : pixels) {
      if (Float.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    return min <= max ? new double[] {min, max} : new double[] {Double.NaN, Double.NaN};
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StemImage other
        && width == other.width
        && height == other.height
        && Arrays.equals(pixels, other.pixels);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * width + height) + Arrays.hashCode(pixels);
  }

  @Override
  public String toString() {
    return "StemImage[" + source + ", " + width + " x " + height + "]";
  }
}
