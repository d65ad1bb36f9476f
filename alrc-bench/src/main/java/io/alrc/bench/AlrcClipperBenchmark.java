package io.alrc.bench;

import io.alrc.AlrcClipper;
import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import io.alrc.AlrcStep;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What does one ALRC step cost, per step and per example, next to the batch mean that a training
 * step computes anyway?
 *
 * <p>Three benchmarks on the same seeded losses, at batch sizes 1 and 64:
 *
 * <ul>
 *   <li>{@link #baseline}: the plain batch mean, {@code mean_i(L_i)}: what the step costs without
 *       ALRC. Dividing an ALRC figure by it gives the ratio in one run.
 *   <li>{@link #steadyState}: {@link AlrcClipper#update(double[], AlrcState)} with the state
 *       carried from step to step, as in training. The state is warmed up in {@link #setUp} over
 *       the whole stream first, so the moments have settled to the stream's (about 1% of the
 *       examples are clipped) instead of drifting down from the initial guesses 25/900.
 *   <li>{@link #freshState}: the same update, always from {@link AlrcClipper#init()}. The state is
 *       immutable, so passing the initial one again is the "copy the state inside the benchmark" of
 *       a fresh-state measurement, at no extra cost. Its threshold stays at 74.7, so the spikes are
 *       clipped and nothing else: an easier branch pattern than the steady state.
 * </ul>
 *
 * <p>Each call takes the next batch of a pre-drawn stream of {@value #STREAM_STEPS} batches
 * (exponential losses of mean 10, one example in 100 a spike of 20 to 100 times that), so neither
 * the compiler nor the branch predictor sees one batch over and over. Fields are non-final and
 * every result is returned, so nothing folds to a constant or is dropped as dead code. All three
 * benchmarks pay the same index arithmetic.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class AlrcClipperBenchmark {

  /** Pre-drawn batches cycled through; a power of two so the index wraps with a mask. */
  static final int STREAM_STEPS = 1024;

  /** Examples per training step. */
  @Param({"1", "64"})
  public int batch;

  private double[][] losses;
  private AlrcClipper clipper;
  private AlrcState fresh;
  private AlrcState state;
  private int next;

  /** Draws the losses from a fixed seed and settles the steady state on them. */
  @Setup(Level.Trial)
  public void setUp() {
    Random random = new Random(20190624L);
    losses = new double[STREAM_STEPS][batch];
    for (double[] step : losses) {
      for (int i = 0; i < batch; i++) {
        double loss = -10 * Math.log(1 - random.nextDouble());
        step[i] = random.nextDouble() < 0.01 ? loss * (20 + 80 * random.nextDouble()) : loss;
      }
    }
    clipper = new AlrcClipper(AlrcConfig.reference());
    fresh = clipper.init();
    state = fresh;
    // about 10,000 steps: many times the moments' time constant 1 / (1 - beta) = 1000 steps
    for (int pass = 0; pass < 10; pass++) {
      for (double[] step : losses) {
        state = clipper.update(step, state).state();
      }
    }
    next = 0;
  }

  private double[] nextBatch() {
    double[] step = losses[next];
    next = (next + 1) & (STREAM_STEPS - 1);
    return step;
  }

  /** The plain batch mean of the same losses: the step without ALRC. */
  @Benchmark
  public double baseline() {
    double[] step = nextBatch();
    double sum = 0;
    for (double loss : step) {
      sum += loss;
    }
    return sum / step.length;
  }

  /** One ALRC step with the state carried over, as in training. */
  @Benchmark
  public AlrcStep steadyState() {
    AlrcStep step = clipper.update(nextBatch(), state);
    state = step.state();
    return step;
  }

  /** One ALRC step from the fresh state every time. */
  @Benchmark
  public AlrcStep freshState() {
    return clipper.update(nextBatch(), fresh);
  }

  /** Runs this class from an IDE with the annotated protocol. */
  public static void main(String[] args) throws RunnerException {
    Options options =
        new OptionsBuilder().include(AlrcClipperBenchmark.class.getSimpleName()).build();
    new Runner(options).run();
  }

  /*
   * How to run (from the repository root):
   *
   *   mvn -B -o -q -pl alrc-bench -am package -DskipTests
   *   java -jar alrc-bench/target/benchmarks.jar AlrcClipper
   *
   * The annotated protocol is 2 forks x (5 warm-up + 10 measured) 1 s iterations. A quick look,
   * as in docs/performance.md:
   *
   *   java -jar alrc-bench/target/benchmarks.jar AlrcClipper -f 1 -wi 3 -i 5 -w 1 -r 1
   *
   * Add -p batch=16 to try another batch size. What to expect: an ALRC step in the steady state
   * costs some 35 ns at batch 1 and some 4 ns per example at batch 64, 10 to 15 times the bare
   * batch mean (each step also allocates its result: the step, the new state and two arrays of B
   * doubles), and far below the forward and backward passes that produce the losses. The measured
   * figures, with the machine and the date, are in docs/performance.md, section "Core: cost of the
   * ALRC clipper".
   */
}
