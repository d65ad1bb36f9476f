package io.alrc.experiments.stem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads micrographs whatever their format: a PNG or TIFF is recognised by its first bytes (not its
 * name) and handed to {@link GreyPng} or {@link Float32Tiff}. Anything else is rejected with a
 * {@link StemImageException} such as {@code notes.txt: not a PNG or TIFF image (it starts with 48
 * 65 6C 6C)}.
 *
 * <h2>Limits</h2>
 *
 * A file holds at most {@value #MAX_FILE_BYTES} bytes (512 MiB) and an image at most {@value
 * #MAX_SIDE} pixels a side and {@value #MAX_PIXELS} pixels in all (8192 x 8192); the readers check
 * the size of the file and the dimensions its header declares before they allocate anything for
 * the pixels, so a small file that declares a huge image (a PNG of 46000 x 46000) is rejected with
 * a {@link StemImageException} naming the file and its dimensions instead of running out of
 * memory.
 *
 * <h2>Lists of files</h2>
 *
 * {@link #readList(String)} reads the {@code eval_data} of the STEM tasks ({@code --eval-data}):
 * files or folders separated by commas; every entry must name an existing file or a folder with
 * at least one image, so a typo or an empty folder is an error, never a silent fall-back to
 * synthetic images.
 *
 * <p>Stateless and thread-safe.
 */
public final class StemImages {
  /** The largest image file read, in bytes ({@value}: 512 MiB). */
  public static final long MAX_FILE_BYTES = 512L << 20;

  /** The largest width or height of an image, in pixels ({@value}). */
  public static final int MAX_SIDE = 32_768;

  /** The most pixels of an image ({@value}: 8192 x 8192). */
  public static final long MAX_PIXELS = 1L << 26;

  private StemImages() {}

  /**
   * Reads a whole image file, refusing anything but a regular file of at most {@link
   * #MAX_FILE_BYTES}.
   *
   * @throws StemImageException naming the file if it is not a regular file or too large
   * @throws IOException if it cannot be read
   */
  static byte[] readBounded(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new StemImageException(file, "a folder, not an image file");
    }
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      throw new StemImageException(file, "not a regular file (a device, pipe or socket?)");
    }
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new StemImageException(
          file, size + " bytes is larger than the " + MAX_FILE_BYTES + " bytes an image file may have");
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length > MAX_FILE_BYTES) { // grew while being read
      throw new StemImageException(
          file, "larger than the " + MAX_FILE_BYTES + " bytes an image file may have");
    }
    return bytes;
  }

  /**
   * Checks the dimensions an image header declares, before any pixel is allocated.
   *
   * @param format the format for the message, e.g. {@code PNG}
   * @throws StemImageException naming the file and the dimensions if a side is below 1 or above
   *     {@link #MAX_SIDE}, or the image has more than {@link #MAX_PIXELS} pixels
   */
  static void checkDimensions(Path file, String format, long width, long height)
      throws StemImageException {
    if (width < 1 || height < 1) {
      throw new StemImageException(
          file, format + " declares " + width + " x " + height + " pixels; both must be >= 1");
    }
    if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
      throw new StemImageException(
          file,
          format + " declares " + width + " x " + height + " pixels: larger than the limit of "
              + MAX_SIDE + " a side and " + MAX_PIXELS + " pixels (8192 x 8192) in all");
    }
  }

  /**
   * Reads one micrograph.
   *
   * @param file an 8/16-bit greyscale PNG or a float32 TIFF
   * @return the image, values as described in {@link StemImage}
   * @throws StemImageException if the file is empty, not an image, or an unsupported or broken one
   * @throws IOException if the file cannot be read at all
   */
  public static StemImage read(Path file) throws IOException {
    return decode(file, readBounded(file));
  }

  /** Decodes the bytes of {@code file} as a PNG or TIFF, by their first bytes. */
  static StemImage decode(Path file, byte[] bytes) throws StemImageException {
    if (bytes.length == 0) {
      throw new StemImageException(file, "empty file, not an image");
    }
    if (GreyPng.hasSignature(bytes)) {
      return GreyPng.decode(file, bytes);
    }
    if (bytes.length >= 4
        && ((bytes[0] == 'I' && bytes[1] == 'I') || (bytes[0] == 'M' && bytes[1] == 'M'))) {
      return Float32Tiff.decode(file, bytes);
    }
    throw new StemImageException(
        file, "not a PNG or TIFF image (it starts with " + hexPrefix(bytes) + ")");
  }

  /**
   * Reads every {@code .png}, {@code .tif} and {@code .tiff} file directly in a directory, in name
   * order.
   *
   * @param dir the directory
   * @return the images
   * @throws IOException if a file cannot be read or is not a supported image (the first one)
   */
  public static List<StemImage> readDirectory(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    try (var stream = Files.list(dir)) {
      stream
          .filter(Files::isRegularFile)
          .filter(
              p -> {
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return name.endsWith(".png") || name.endsWith(".tif") || name.endsWith(".tiff");
              })
          .sorted()
          .forEach(files::add);
    }
    List<StemImage> images = new ArrayList<>(files.size());
    for (Path f : files) {
      images.add(read(f));
    }
    return images;
  }

  /**
   * Reads the images named by a list of files and folders separated by commas, such as the STEM
   * tasks' {@code eval_data}: each file is read with {@link #read}, each folder with {@link
   * #readDirectory}; blanks around an entry are ignored.
   *
   * @param list the list; null for none
   * @return the images, in list order (empty only for a null list)
   * @throws IllegalArgumentException naming the list if it is empty or blank or has an empty entry
   *     (as in {@code a.png,,b.tif} or {@code ","}), or an entry is not a valid path
   * @throws StemImageException naming the list and the entry if an entry does not exist, is not a
   *     regular file or folder, or is a folder without images; or if a file is not a supported
   *     image
   * @throws IOException if a file or folder cannot be read
   */
  public static List<StemImage> readList(String list) throws IOException {
    List<StemImage> images = new ArrayList<>();
    if (list == null) {
      return images;
    }
    String quoted = "eval_data '" + list + "'";
    if (list.isBlank()) {
      throw new IllegalArgumentException(
          quoted + " names no file: give PNG/TIFF files or folders separated by commas, or leave"
              + " it out to evaluate on synthetic images");
    }
    String[] entries = list.split(",", -1);
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].strip();
      if (entry.isEmpty()) {
        throw new IllegalArgumentException(
            quoted + ": entry " + (i + 1) + " of " + entries.length + " is empty; separate files"
                + " or folders by single commas");
      }
      Path p;
      try {
        p = Path.of(entry);
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException(quoted + ": '" + entry + "' is not a valid path", e);
      }
      if (Files.isDirectory(p)) {
        List<StemImage> found = readDirectory(p);
        if (found.isEmpty()) {
          throw new StemImageException(
              p, "in " + quoted + ": the folder holds no .png, .tif or .tiff file");
        }
        images.addAll(found);
      } else if (Files.isRegularFile(p)) {
        images.add(read(p));
      } else if (Files.exists(p)) {
        throw new StemImageException(
            p, "in " + quoted + ": not a regular file or folder (a device, pipe or socket?)");
      } else {
        throw new StemImageException(p, "in " + quoted + ": no such file or folder");
      }
    }
    return images;
  }

  /** The first (up to 4) bytes in hex, for messages: {@code "48 65 6C 6C"}. */
  static String hexPrefix(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(4, bytes.length); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(String.format(Locale.ROOT, "%02X", bytes[i] & 0xFF));
    }
    return sb.toString();
  }
}
