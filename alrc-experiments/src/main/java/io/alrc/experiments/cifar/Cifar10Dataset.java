package io.alrc.experiments.cifar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The images and labels of one or more CIFAR-10 binary files, held in memory, with random access to
 * image {@code i} as bytes or floats.
 *
 * <p>Images are numbered across the files in the order given: the records of the first file, then
 * those of the second, and so on. Pixel data keep the file's layout, channel-major ({@code CHW}):
 * value {@code (c, y, x)} sits at {@code c * 1024 + y * 32 + x}, with c = 0, 1, 2 for R, G, B.
 *
 * <p>Each file is read whole into a {@code byte[]} (30.7 MB for an official file; the five training
 * files take 154 MB of heap) and checked when opened: it must exist, be non-empty, have a size that
 * is a multiple of {@value Cifar10#RECORD_BYTES}, and carry labels 0..9 only. Any file may hold any
 * number of records, so small test files work too. A failed check throws {@link
 * Cifar10FileException} naming the file and the problem.
 *
 * <p>Immutable after {@link #open}, so thread-safe; accessors copy into the caller's arrays.
 */
public final class Cifar10Dataset {
  private final List<Path> files;
  private final byte[][] contents;
  /** starts[k] is the index of the first image of file k; starts[files] is the size. */
  private final int[] starts;

  private Cifar10Dataset(List<Path> files, byte[][] contents, int[] starts) {
    this.files = files;
    this.contents = contents;
    this.starts = starts;
  }

  /**
   * Reads and checks the given files.
   *
   * @param files one or more CIFAR-10 binary files, in the order their images are numbered
   * @return the dataset
   * @throws Cifar10FileException if a file is missing, empty, not a whole number of records, or has
   *     a label above 9
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException if no file is given
   */
  public static Cifar10Dataset open(Path... files) throws IOException {
    return open(Arrays.asList(files));
  }

  /**
   * Reads and checks the given files.
   *
   * @param files one or more CIFAR-10 binary files, in the order their images are numbered
   * @return the dataset
   * @throws Cifar10FileException if a file is missing, empty, not a whole number of records, or has
   *     a label above 9
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException if no file is given
   */
  public static Cifar10Dataset open(List<Path> files) throws IOException {
    Objects.requireNonNull(files, "files");
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no CIFAR-10 files given; at least one is needed");
    }
    List<Path> paths = new ArrayList<>(files.size());
    byte[][] contents = new byte[files.size()][];
    int[] starts = new int[files.size() + 1];
    long total = 0;
    for (int k = 0; k < files.size(); k++) {
      Path f = Objects.requireNonNull(files.get(k), "files[" + k + "]");
      contents[k] = readChecked(f);
      paths.add(f);
      starts[k] = (int) total;
      total += contents[k].length / Cifar10.RECORD_BYTES;
      if (total > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "the files hold more than " + Integer.MAX_VALUE + " images together");
      }
    }
    starts[files.size()] = (int) total;
    return new Cifar10Dataset(List.copyOf(paths), contents, starts);
  }

  /**
   * Reads one file and checks its size and labels.
   *
   * @param file the file
   * @return its bytes
   */
  private static byte[] readChecked(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new Cifar10FileException(file, "no such file");
    }
    if (!Files.isRegularFile(file)) {
      throw new Cifar10FileException(file, "not a regular file");
    }
    long size = Files.size(file);
    if (size == 0) {
      throw new Cifar10FileException(
          file,
          "empty (0 bytes); a CIFAR-10 binary file holds records of "
              + Cifar10.RECORD_BYTES
              + " bytes");
    }
    if (size % Cifar10.RECORD_BYTES != 0) {
      throw new Cifar10FileException(file, notWholeRecords(size));
    }
    if (size > Integer.MAX_VALUE - 8) {
      throw new Cifar10FileException(
          file, "size " + size + " bytes is too large for a CIFAR-10 binary file");
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length % Cifar10.RECORD_BYTES != 0) { // changed while being read
      throw new Cifar10FileException(file, notWholeRecords(bytes.length));
    }
    for (int r = 0, off = 0; off < bytes.length; r++, off += Cifar10.RECORD_BYTES) {
      int label = bytes[off] & 0xFF;
      if (label >= Cifar10.CLASSES) {
        throw new Cifar10FileException(
            file,
            "record "
                + r
                + " (byte offset "
                + off
                + ") has label "
                + label
                + "; labels must be 0.."
                + (Cifar10.CLASSES - 1)
                + " (the file is corrupt or not in the CIFAR-10 binary format)");
      }
    }
    return bytes;
  }

  private static String notWholeRecords(long size) {
    return "size "
        + size
        + " bytes is not a multiple of the "
        + Cifar10.RECORD_BYTES
        + "-byte record (1 label byte + "
        + Cifar10.IMAGE_BYTES
        + " pixel bytes); the file is truncated or not in the CIFAR-10 binary format";
  }

  /**
   * The number of images in all files together.
   *
   * @return the size
   */
  public int size() {
    return starts[files.size()];
  }

  /**
   * The files, in the order their images are numbered.
   *
   * @return an unmodifiable list
   */
  public List<Path> files() {
    return files;
  }

  /**
   * The label of image {@code i}.
   *
   * @param i the image index, 0 .. size() - 1
   * @return the label, 0..9 (see {@link Cifar10#CLASS_NAMES})
   */
  public int label(int i) {
    return array(i)[offset(i) - 1] & 0xFF;
  }

  /**
   * All labels, in image order.
   *
   * @return a new array of length {@link #size()}
   */
  public int[] labels() {
    int[] out = new int[size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = label(i);
    }
    return out;
  }

  /**
   * Copies the pixel bytes of image {@code i} (CHW, values 0..255 as unsigned bytes).
   *
   * @param i the image index
   * @param dst receives {@value Cifar10#IMAGE_BYTES} bytes
   * @param dstOffset where the first byte goes
   */
  public void imageBytes(int i, byte[] dst, int dstOffset) {
    System.arraycopy(array(i), offset(i), dst, dstOffset, Cifar10.IMAGE_BYTES);
  }

  /**
   * The pixel bytes of image {@code i} (CHW, values 0..255 as unsigned bytes).
   *
   * @param i the image index
   * @return a new array of {@value Cifar10#IMAGE_BYTES} bytes
   */
  public byte[] imageBytes(int i) {
    byte[] out = new byte[Cifar10.IMAGE_BYTES];
    imageBytes(i, out, 0);
    return out;
  }

  /**
   * Writes image {@code i} as floats in [0, 255] (CHW).
   *
   * @param i the image index
   * @param dst receives {@value Cifar10#IMAGE_BYTES} floats
   * @param dstOffset where the first value goes
   */
  public void imageFloats(int i, float[] dst, int dstOffset) {
    byte[] a = array(i);
    int off = offset(i);
    for (int j = 0; j < Cifar10.IMAGE_BYTES; j++) {
      dst[dstOffset + j] = a[off + j] & 0xFF;
    }
  }

  /**
   * Image {@code i} as floats in [0, 255] (CHW).
   *
   * @param i the image index
   * @return a new array of {@value Cifar10#IMAGE_BYTES} floats
   */
  public float[] imageFloats(int i) {
    float[] out = new float[Cifar10.IMAGE_BYTES];
    imageFloats(i, out, 0);
    return out;
  }

  /**
   * Where image {@code i} comes from, for messages: {@code "<file> record <r>"}.
   *
   * @param i the image index
   * @return the description
   */
  public String describe(int i) {
    int k = fileOf(i);
    return files.get(k) + " record " + (i - starts[k]);
  }

  /** The array that holds image i (no copy; for the pipeline in this package). */
  byte[] array(int i) {
    return contents[fileOf(i)];
  }

  /** The offset of image i's first pixel byte in {@link #array(int)}. */
  int offset(int i) {
    int k = fileOf(i);
    return (i - starts[k]) * Cifar10.RECORD_BYTES + 1;
  }

  private int fileOf(int i) {
    if (i < 0 || i >= size()) {
      throw new IndexOutOfBoundsException(
          "image index " + i + " is outside 0.." + (size() - 1) + " of " + files);
    }
    int k = Arrays.binarySearch(starts, 0, files.size(), i);
    // A hit gives the file that starts at i; otherwise the insertion point is one past the file.
    // Empty files are rejected on open, so starts are strictly increasing and a hit is unique.
    return k >= 0 ? k : -k - 2;
  }
}
