package io.alrc.experiments.cifar;

import java.util.List;

/**
 * Constants of the CIFAR-10 binary format ({@code cifar-10-batches-bin}).
 *
 * <p>A file is a sequence of records of {@value #RECORD_BYTES} bytes: one label byte (0..9), then
 * the 32x32 red plane, the green plane and the blue plane, each row-major. The official files hold
 * 10,000 records each. Reference: Krizhevsky, "Learning Multiple Layers of Features from Tiny
 * Images", 2009, https://www.cs.toronto.edu/~kriz/cifar.html.
 */
public final class Cifar10 {
  /** Image height and width in pixels. */
  public static final int SIZE = 32;

  /** Colour channels (R, G, B planes in this order). */
  public static final int CHANNELS = 3;

  /** Pixels per channel plane (32 * 32). */
  public static final int PLANE = SIZE * SIZE;

  /** Pixel bytes per image (3 * 32 * 32). */
  public static final int IMAGE_BYTES = CHANNELS * PLANE;

  /** Bytes per record: one label byte plus the image. */
  public static final int RECORD_BYTES = 1 + IMAGE_BYTES;

  /** Number of classes; labels are 0 .. {@code CLASSES - 1}. */
  public static final int CLASSES = 10;

  /** Records per file in the official data set. */
  public static final int RECORDS_PER_OFFICIAL_FILE = 10_000;

  /** The folder the official archive unpacks to, also used below every data root ({@value}). */
  public static final String FOLDER = "cifar-10-batches-bin";

  /** The official test file ({@value}). */
  public static final String TEST_FILE = "test_batch.bin";

  /** The five official training files, in order. */
  public static final List<String> TRAINING_FILES =
      List.of(
          "data_batch_1.bin",
          "data_batch_2.bin",
          "data_batch_3.bin",
          "data_batch_4.bin",
          "data_batch_5.bin");

  /**
   * A test file holding only lossless originals, relative to the data folder ({@value}). It is not
   * part of the official archive: the project's offline copy of CIFAR-10 was rebuilt mostly from
   * JPEG sources and ships this subset (test records 0-999) for exact evaluation. Pass it to {@link
   * Cifar10Location#evaluationFile} where present.
   */
  public static final String LOSSLESS_TEST_SUBSET = "lossless_subset/test_batch_first1000.bin";

  /** The class names, indexed by label. */
  public static final List<String> CLASS_NAMES =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  private Cifar10() {}
}
