package io.alrc.experiments.stem;

/**
 * The 8 symmetries of a square (the dihedral group D4): 4 rotations and 4 reflections, applied to
 * row-major images (row 0 at the top, as the images are displayed).
 *
 * <p>Each element is stored as "optionally swap the axes, then optionally mirror x and/or y" and
 * defined by where an output pixel {@code (x, y)} of an image {@code w} wide and {@code h} high
 * reads from:
 *
 * <pre>
 * (u, v) = swapsAxes ? (y, x) : (x, y)
 * x_in   = mirrorsX ? w - 1 - u : u
 * y_in   = mirrorsY ? h - 1 - v : v
 * </pre>
 *
 * The constants are declared in the order of the authors' augmentation ({@code choice} 0..7 in
 * their {@code flip_rotate}): identity, numpy's {@code rot90} by 1, 2 and 3 quarter turns
 * (counter-clockwise as displayed), up-down flip, left-right flip, and the two diagonal
 * reflections ({@code flip(rot90(x), 0)} is the transpose, {@code flip(rot90(x), 1)} the
 * anti-transpose). Elements that swap the axes turn a {@code w x h} image into an {@code h x w} one.
 *
 * <p>Stateless and thread-safe; inputs are never modified.
 */
public enum Dihedral {
  /** No change. */
  IDENTITY(false, false, false),
  /** A quarter turn counter-clockwise as displayed (numpy {@code rot90(x, 1)}). */
  ROT90(true, true, false),
  /** A half turn. */
  ROT180(false, true, true),
  /** Three quarter turns counter-clockwise, i.e. one clockwise (numpy {@code rot90(x, 3)}). */
  ROT270(true, false, true),
  /** Mirror top-bottom (numpy {@code flip(x, 0)}). */
  FLIP_UP_DOWN(false, false, true),
  /** Mirror left-right (numpy {@code flip(x, 1)}). */
  FLIP_LEFT_RIGHT(false, true, false),
  /** Reflect in the main diagonal: {@code out[y][x] = in[x][y]} ([row][column]). */
  TRANSPOSE(true, false, false),
  /** Reflect in the anti-diagonal: {@code out[y][x] = in[h-1-x][w-1-y]} ([row][column]). */
  ANTI_TRANSPOSE(true, true, true);

  private final boolean swapsAxes;
  private final boolean mirrorsX;
  private final boolean mirrorsY;

  Dihedral(boolean swapsAxes, boolean mirrorsX, boolean mirrorsY) {
    this.swapsAxes = swapsAxes;
    this.mirrorsX = mirrorsX;
    this.mirrorsY = mirrorsY;
  }

  /**
   * The element with the authors' index.
   *
   * @param index 0..7, the constant's ordinal
   * @return the symmetry
   * @throws IllegalArgumentException if {@code index} is outside 0..7
   */
  public static Dihedral of(int index) {
    if (index < 0 || index > 7) {
      throw new IllegalArgumentException("dihedral index (" + index + ") must be in 0..7");
    }
    return values()[index];
  }

  /** Whether the element exchanges width and height (the odd rotations and the diagonals). */
  public boolean swapsAxes() {
    return swapsAxes;
  }

  /**
   * The element that undoes this one: the rotations by 90 and 270 degrees undo each other; every
   * other element undoes itself.
   */
  public Dihedral inverse() {
    return switch (this) {
      case ROT90 -> ROT270;
      case ROT270 -> ROT90;
      default -> this;
    };
  }

  /**
   * Applies the symmetry to a new array.
   *
   * @param src row-major pixels, {@code width * height} of them; not modified
   * @param width columns of {@code src}, &gt;= 1
   * @param height rows of {@code src}, &gt;= 1
   * @return the transformed pixels, {@code height} wide and {@code width} high if {@link
   *     #swapsAxes()}
   */
  public float[] apply(float[] src, int width, int height) {
    float[] dst = new float[src.length];
    apply(src, width, height, dst);
    return dst;
  }

  /**
   * Applies the symmetry into {@code dst}, which must not be {@code src}.
   *
   * @param src row-major pixels, {@code width * height}; not modified
   * @param width columns of {@code src}
   * @param height rows of {@code src}
   * @param dst receives the result; length {@code width * height}
   * @throws IllegalArgumentException if a length does not match or {@code dst == src}
   */
  public void apply(float[] src, int width, int height, float[] dst) {
    if (width < 1 || height < 1 || src.length != width * height) {
      throw new IllegalArgumentException(
          "image of " + src.length + " pixels does not match " + width + " x " + height);
    }
    if (dst.length != src.length || dst == src) {
      throw new IllegalArgumentException("dst must be a separate array of " + src.length + " pixels");
    }
    int outWidth = swapsAxes ? height : width;
    int outHeight = swapsAxes ? width : height;
    int i = 0;
    for (int y = 0; y < outHeight; y++) {
      for (int x = 0; x < outWidth; x++) {
        int u = swapsAxes ? y : x;
        int v = swapsAxes ? x : y;
        int xIn = mirrorsX ? width - 1 - u : u;
        int yIn = mirrorsY ? height - 1 - v : v;
        dst[i++] = src[yIn * width + xIn];
      }
    }
  }
}
