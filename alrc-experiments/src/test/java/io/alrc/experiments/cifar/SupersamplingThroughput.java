package io.alrc.experiments.cifar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * How many augmented (input, target) pairs per second does the supersampling pipeline make on one
 * thread? A plain measurement, not a test: it is never run by the build.
 *
 * <p>Protocol: {@link SupersamplingBatches#fill} with batch size 64 into reused arrays (sampling,
 * augmentation draws, flip, brightness, contrast, standardisation and the 32-16-32 resize, all
 * included), 3 s of warm-up, then 7 rounds of 2 s each; the median round is reported. A checksum
 * of the outputs is printed so the work cannot be skipped.
 *
 * <p>How to run, from the repository root after {@code mvn -B -o -q -pl alrc-experiments -am
 * verify}:
 *
 * <pre>
 * java -cp alrc-experiments/target/classes:alrc-experiments/target/test-classes \
 *     io.alrc.experiments.cifar.SupersamplingThroughput [path/to/data_batch_1.bin]
 * </pre>
 *
 * Without an argument it uses the shared {@code data_batch_1.bin} if present, else 1,000 random
 * images (the speed does not depend on the pixel values).
 */
public final class SupersamplingThroughput {
  private static final int BATCH = 64;

  private SupersamplingThroughput() {}

  /**
   * Runs the measurement and prints the result.
   *
   * @param args optionally the CIFAR-10 file to sample from
   * @throws IOException if the file cannot be read
   */
  public static void main(String[] args) throws IOException {
    Cifar10Dataset data = open(args);
    SupersamplingBatches batches = new SupersamplingBatches(data, BATCH, 2019);
    float[] input = new float[BATCH * SupersamplingPipeline.VALUES];
    float[] target = new float[BATCH * SupersamplingPipeline.VALUES];
    long step = 0;
    double checksum = 0;

    long warmEnd = System.nanoTime() + 3_000_000_000L;
    while (System.nanoTime() < warmEnd) {
      batches.fill(step++, null, input, target);
      checksum += input[(int) (step % input.length)] + target[2];
    }
    double[] rates = new double[7];
    for (int r = 0; r < rates.length; r++) {
      long t0 = System.nanoTime();
      long end = t0 + 2_000_000_000L;
      long images = 0;
      long now;
      do {
        batches.fill(step++, null, input, target);
        checksum += input[(int) (step % input.length)] + target[3];
        images += BATCH;
        now = System.nanoTime();
      } while (now < end);
      rates[r] = images / ((now - t0) / 1e9);
    }
    double[] sorted = rates.clone();
    Arrays.sort(sorted);
    System.out.printf(
        Locale.ROOT,
        "supersampling pipeline, 1 thread, batch %d, %d images from %s%n"
            + "rounds (images/s): %s%nmedian: %.0f images/s (checksum %.3f)%n",
        BATCH,
        data.size(),
        data.files(),
        Arrays.toString(Arrays.stream(rates).mapToLong(Math::round).toArray()),
        sorted[sorted.length / 2],
        checksum);
  }

  private static Cifar10Dataset open(String[] args) throws IOException {
    if (args.length > 0) {
      return Cifar10Dataset.open(Path.of(args[0]));
    }
    Path shared = Cifar10TestFiles.sharedFolder();
    if (shared != null) {
      return Cifar10Dataset.open(shared.resolve("data_batch_1.bin"));
    }
    int[] labels = new int[1000];
    Path tmp = Files.createTempFile("cifar-throughput", ".bin");
    tmp.toFile().deleteOnExit();
    Files.write(tmp, Cifar10TestFiles.records(1, labels));
    return Cifar10Dataset.open(tmp);
  }
}
