package io.alrc.experiments.stem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes galleries of synthetic HAADF images: each image as a 16-bit greyscale PNG plus one 8-bit
 * contact sheet tiling them, for looking at the embedded dataset.
 *
 * <p>Image {@code i} of a gallery is {@link HaadfGenerator#generate(long)} with seed {@link
 * HaadfGenerator#seed(long, long) seed(seed, i)}, from {@link HaadfConfig#defaults(int)}, so a
 * gallery shows exactly the images a training stream with the same seed starts with.
 *
 * <p>Stateless and thread-safe.
 */
public final class StemGallery {
  /** Pixels of white between the tiles of a contact sheet. */
  public static final int GAP = 2;

  private StemGallery() {}

  /**
   * The files written by {@link #write(Path, long, int, int)}.
   *
   * @param images the 16-bit PNGs, {@code haadf-000.png}, {@code haadf-001.png}, ...
   * @param contactSheet the 8-bit PNG tiling them, {@code contact-sheet.png}
   * @param captions one line per image describing its scene
   */
  public record Gallery(List<Path> images, Path contactSheet, List<String> captions) {
    /** Copies the lists. */
    public Gallery {
      images = List.copyOf(images);
      captions = List.copyOf(captions);
    }
  }

  /**
   * Writes {@code count} images of {@code size x size} and their contact sheet into {@code dir}
   * (created if missing; files of the same names are replaced).
   *
   * @param dir the output directory
   * @param seed the stream seed
   * @param count how many images, in [1, 1000]
   * @param size image width and height in pixels, in [16, 4096]
   * @return the files written and a caption per image
   * @throws IOException if a file cannot be written
   */
  public static Gallery write(Path dir, long seed, int count, int size) throws IOException {
    checkCount(count);
    Files.createDirectories(dir);
    HaadfGenerator generator = new HaadfGenerator(HaadfConfig.defaults(size));
    List<float[]> tiles = new ArrayList<>(count);
    List<Path> files = new ArrayList<>(count);
    List<String> captions = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      HaadfSample sample = generator.sample(HaadfGenerator.seed(seed, i));
      Path file = dir.resolve(String.format(Locale.ROOT, "haadf-%03d.png", i));
      GreyPng.write16(file, sample.pixels(), size, size);
      tiles.add(sample.pixels());
      files.add(file);
      captions.add(String.format(Locale.ROOT, "%03d %s", i, sample.scene().caption()));
    }
    Path sheet = dir.resolve("contact-sheet.png");
    writeContactSheet(sheet, tiles, size, columnsFor(count));
    return new Gallery(files, sheet, captions);
  }

  /**
   * Writes only a contact sheet of {@code count} images (the gallery's images, without the single
   * files).
   *
   * @param file the PNG to write; its directory must exist
   * @param seed the stream seed
   * @param count how many images, in [1, 1000]
   * @param size image side in pixels
   * @return one caption per image
   * @throws IOException if the file cannot be written
   */
  public static List<String> writeContactSheet(Path file, long seed, int count, int size)
      throws IOException {
    checkCount(count);
    HaadfGenerator generator = new HaadfGenerator(HaadfConfig.defaults(size));
    List<float[]> tiles = new ArrayList<>(count);
    List<String> captions = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      HaadfSample sample = generator.sample(HaadfGenerator.seed(seed, i));
      tiles.add(sample.pixels());
      captions.add(String.format(Locale.ROOT, "%03d %s", i, sample.scene().caption()));
    }
    writeContactSheet(file, tiles, size, columnsFor(count));
    return captions;
  }

  /**
   * Tiles square images in [-1, 1] into one 8-bit PNG, row by row, {@value #GAP} white pixels
   * apart.
   *
   * @param file the PNG to write
   * @param tiles the images, each {@code size * size}
   * @param size their side
   * @param columns tiles per row, &gt;= 1
   * @throws IOException if the file cannot be written
   */
  public static void writeContactSheet(Path file, List<float[]> tiles, int size, int columns)
      throws IOException {
    if (tiles.isEmpty() || columns < 1) {
      throw new IllegalArgumentException(
          "need at least one tile (" + tiles.size() + ") and one column (" + columns + ")");
    }
    int rows = (tiles.size() + columns - 1) / columns;
    int width = columns * size + (columns + 1) * GAP;
    int height = rows * size + (rows + 1) * GAP;
    float[] sheet = new float[width * height];
    java.util.Arrays.fill(sheet, 1f);
    for (int t = 0; t < tiles.size(); t++) {
      float[] tile = tiles.get(t);
      if (tile.length != size * size) {
        throw new IllegalArgumentException(
            "tile " + t + " has " + tile.length + " pixels, expected " + size + " x " + size);
      }
      int left = GAP + (t % columns) * (size + GAP);
      int top = GAP + (t / columns) * (size + GAP);
      for (int y = 0; y < size; y++) {
        System.arraycopy(tile, y * size, sheet, (top + y) * width + left, size);
      }
    }
    GreyPng.write8(file, sheet, width, height);
  }

  private static int columnsFor(int count) {
    return count <= 4 ? count : (int) Math.ceil(count / 2.0) <= 4 ? (count + 1) / 2 : 4;
  }

  private static void checkCount(int count) {
    if (count < 1 || count > 1000) {
      throw new IllegalArgumentException("count (" + count + ") must be in [1, 1000]");
    }
  }
}
