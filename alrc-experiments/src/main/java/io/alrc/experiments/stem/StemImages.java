package io.alrc.experiments.stem;

import java.io.IOException;
import java.nio.file.Files;
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
 * <p>Stateless and thread-safe.
 */
public final class StemImages {
  private StemImages() {}

  /**
   * Reads one micrograph.
   *
   * @param file an 8/16-bit greyscale PNG or a float32 TIFF
   * @return the image, values as described in {@link StemImage}
   * @throws StemImageException if the file is empty, not an image, or an unsupported or broken one
   * @throws IOException if the file cannot be read at all
   */
  public static StemImage read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
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
