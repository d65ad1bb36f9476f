package io.alrc.experiments.stem;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures how many synthetic HAADF images {@link HaadfGenerator} makes per second on one thread,
 * at 64 x 64, 96 x 96 and 128 x 128 (or the sizes given as arguments).
 *
 * <p>Protocol: per size, a warm-up of 2 seconds, then 5 rounds of 2 seconds each, generating
 * images with consecutive seeds of one stream from {@link HaadfConfig#defaults(int)}, so the whole
 * pipeline is timed (scene, spots, blur, scan distortion, Poisson and detector noise,
 * normalisation). Each round is timed by the thread's CPU time, so other load on the machine
 * (which takes the CPU away from this thread) does not lower the result; the wall-clock rate is
 * printed beside it. The median round is reported with the slowest and fastest. A checksum of the
 * pixels keeps the work from being optimised away.
 *
 * <p>How to run, from the repository root, after {@code mvn -B -o -q -pl alrc-experiments -am
 * verify}:
 *
 * <pre>
 * java -cp alrc-experiments/target/classes io.alrc.experiments.stem.HaadfThroughput [size...]
 * </pre>
 */
public final class HaadfThroughput {
  private static final double WARMUP_SECONDS = 2;
  private static final double ROUND_SECONDS = 2;
  private static final int ROUNDS = 5;

  private HaadfThroughput() {}

  /**
   * Runs the measurement and prints one line per size.
   *
   * @param args image sizes; default 64 96 128
   */
  public static void main(String[] args) {
    int[] sizes = args.length == 0 ? new int[] {64, 96, 128} : new int[args.length];
    for (int i = 0; i < args.length; i++) {
      sizes[i] = Integer.parseInt(args[i]);
    }
    PrintStream out = System.out;
    out.printf(
        Locale.ROOT,
        "HAADF generator, one thread, %s %s, %s, %d processors%n",
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors());
    for (int size : sizes) {
      Result r = measure(size);
      out.printf(
          Locale.ROOT,
          "%4d x %-4d median %7.0f images/s of thread CPU time (rounds %.0f..%.0f), wall clock %7.0f images/s%n",
          size, size, r.cpuRates[ROUNDS / 2], r.cpuRates[0], r.cpuRates[ROUNDS - 1], r.wallRates[ROUNDS / 2]);
    }
  }

  /** Rates of each round, sorted: per second of thread CPU time and per second of wall clock. */
  record Result(double[] cpuRates, double[] wallRates, double checksum) {}

  /**
   * Measures one size.
   *
   * @param size image side
   * @return the rates of the rounds
   */
  static Result measure(int size) {
    HaadfGenerator generator = new HaadfGenerator(HaadfConfig.defaults(size));
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    boolean cpu = threads.isCurrentThreadCpuTimeSupported();
    long[] index = {0};
    double checksum = round(generator, index, WARMUP_SECONDS, threads, cpu)[2];
    double[] cpuRates = new double[ROUNDS];
    double[] wallRates = new double[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      double[] round = round(generator, index, ROUND_SECONDS, threads, cpu);
      cpuRates[r] = round[0];
      wallRates[r] = round[1];
      checksum += round[2];
    }
    Arrays.sort(cpuRates);
    Arrays.sort(wallRates);
    return new Result(cpuRates, wallRates, checksum);
  }

  /** One round: {images per CPU second, images per wall second, checksum}. */
  private static double[] round(
      HaadfGenerator generator, long[] index, double seconds, ThreadMXBean threads, boolean cpu) {
    long budget = (long) (seconds * 1e9);
    long wallStart = System.nanoTime();
    long cpuStart = cpu ? threads.getCurrentThreadCpuTime() : wallStart;
    long images = 0;
    double checksum = 0;
    long cpuElapsed;
    do {
      float[] pixels = generator.generate(HaadfGenerator.seed(7, index[0]++));
      checksum += pixels[pixels.length / 2];
      images++;
      cpuElapsed = (cpu ? threads.getCurrentThreadCpuTime() : System.nanoTime()) - cpuStart;
    } while (cpuElapsed < budget);
    long wallElapsed = System.nanoTime() - wallStart;
    return new double[] {images / (cpuElapsed / 1e9), images / (wallElapsed / 1e9), checksum};
  }
}
