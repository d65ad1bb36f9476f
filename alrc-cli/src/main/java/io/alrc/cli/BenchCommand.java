package io.alrc.cli;

import io.alrc.experiments.cifar.CifarSupersamplingTask;
import io.alrc.experiments.nn.Network;
import io.alrc.experiments.train.Batch;
import io.alrc.experiments.train.CpuInfo;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.StepEngine;
import io.alrc.experiments.train.StepEngines;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.TrainConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code alrc bench}: images per second of full training steps of the paper's CIFAR-10 network
 * through a training engine, exactly as {@code alrc train} runs them (forward, per-example quartic
 * loss with the safeguard, ALRC or none, backward, global gradient norm, Adam).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    sortOptions = false,
    header = "Time full training steps of the paper's CIFAR-10 network through a training engine.",
    description = {
      "Builds the engine alrc train would use for cifar10-sr (quartic loss, safeguard, Adam at the"
          + " paper's learning rate, ALRC n = 3 or no stabilizer) and times steps on one fixed"
          + " random batch per batch size, after a warm-up. Prints one line per setting:",
      "  java engine=E bs=B alrc=on|off precision=fp32|bf16 imgs/s=... imgs/s_median=... step_ms=..."
          + " vmhwm_mb=...",
      "after a first line naming the CPU and its bfloat16/AMX flags:",
      "  # cpu=MODEL flags=FLAG,FLAG,...",
      "imgs/s is over the whole timed stretch; imgs/s_median is from the median step; vmhwm_mb is the"
          + " process's peak RSS so far (all settings before included). Compare engines"
          + " and PyTorch side by side with alrc-bench/speed-vs-pytorch.sh, which runs this command."
    },
    footer = {"", "Example:", "  alrc bench --engine javacpp --batch 1,16 --steps 60 --warmup 100"})
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = TrainCommand.DEFAULT_ENGINE,
      description = "javacpp or djl.")
  String engine;

  @Option(names = "--batch", paramLabel = "B", split = ",", defaultValue = "1,16",
      description = "Batch sizes (comma-separated).")
  List<Integer> batches;

  @Option(names = "--steps", paramLabel = "N", defaultValue = "30", description = "Timed steps per setting.")
  int steps;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "100",
      description = "Untimed steps first, per setting (the JIT compiles the Java side meanwhile).")
  int warmup;

  @Option(names = "--alrc", paramLabel = "on|off", split = ",",
      description = "With ALRC (n = 3, profile cifar2019), without any stabilizer, or both"
          + " (default: on,off, unless --stabilizer is given).")
  List<String> alrcModes;

  // --stabilizer NAME and the stabilizers' parameters: added by addGeneratedOptions. With
  // --stabilizer, bench times that stabilizer instead of the --alrc settings.

  /** Adds the stabilizer options (without a default: absent means the --alrc settings). */
  static void addGeneratedOptions(CommandSpec benchSpec) {
    StabilizerOptions.addTo(benchSpec, null);
  }

  @Option(names = "--precision", paramLabel = "P", split = ",", defaultValue = TrainConfig.FP32,
      description = "fp32, bf16 (as alrc train --precision: javacpp engine, CPU with avx512_bf16"
          + " or amx_bf16), or both (comma-separated; each a setting of its own).")
  List<String> precisions;

  @Option(names = "--width", paramLabel = "W", defaultValue = "1",
      description = "Channel multiplier of the network (1 = the paper's, 1,042,819 parameters).")
  double width;

  @Option(names = "--threads", paramLabel = "N", description = "Engine threads. Default: the number of cores.")
  Integer threads;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Seed of the weights and the batch.")
  long seed;

  @Override
  public Integer call() {
    if (steps < 1 || warmup < 0) {
      throw CliException.invalidInput("--steps (" + steps + ") must be >= 1 and --warmup (" + warmup + ") >= 0");
    }
    for (int b : batches) {
      if (b < 1) {
        throw CliException.invalidInput("--batch: batch sizes must be >= 1, got " + b);
      }
    }
    List<Stabilizer> stabilizers = new ArrayList<>();
    boolean named = spec.findOption(StabilizerOptions.STABILIZER).getValue() != null;
    if (named && alrcModes != null) {
      throw CliException.invalidInput("give --stabilizer or --alrc, not both");
    }
    if (named) {
      try {
        stabilizers.add(StabilizerOptions.parse(spec));
      } catch (IllegalArgumentException e) {
        throw CliException.invalidInput(e.getMessage(), e);
      }
    } else {
      for (String m : alrcModes != null ? alrcModes : List.of("on", "off")) {
        if (!m.equals("on") && !m.equals("off")) {
          throw CliException.invalidInput("--alrc: expected on or off, got '" + m + "'");
        }
        stabilizers.add(m.equals("on") ? Stabilizer.Alrc.of(3, "cifar2019") : new Stabilizer.None());
      }
    }
    int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    if (nThreads < 1) {
      throw CliException.invalidInput("--threads (" + nThreads + ") must be >= 1");
    }
    List<TrainConfig> configs = new ArrayList<>();
    for (int b : batches) {
      for (String precision : precisions) {
        for (Stabilizer stabilizer : stabilizers) {
          try {
            configs.add(config(stabilizer, b, nThreads, precision.toLowerCase(Locale.ROOT)).validate());
          } catch (IllegalArgumentException e) {
            throw CliException.invalidInput(e.getMessage(), e);
          }
        }
      }
    }
    NativeSettings.apply(nThreads);
    PrintWriter out = spec.commandLine().getOut();
    CpuInfo cpu = CpuInfo.current();
    out.println("# cpu=" + cpu.model() + " flags=" + String.join(",", cpu.flags()));
    out.flush();
    for (TrainConfig config : configs) {
      out.println(run(config, config.batch(), named));
      out.flush();
    }
    return 0;
  }

  private String run(TrainConfig config, int b, boolean named) {
    String mode = (config.alrc() ? "on" : "off")
        + (named ? " stabilizer=" + config.stabilizer().name() : "");
    Task task = new FixedBatchTask(b, seed);
    StepEngine created;
    try {
      created = StepEngines.create(config, task);
    } catch (IllegalArgumentException e) {
      throw CliException.invalidInput(e.getMessage(), e); // e.g. bf16 on a CPU without it
    }
    try (task;
        StepEngine e = created) {
      Batch batch = task.trainBatch(1);
      double lr = config.lr();
      for (int s = 1; s <= warmup; s++) {
        e.train(s, batch, lr);
      }
      long[] nanos = new long[steps];
      long t0 = System.nanoTime();
      for (int s = 0; s < steps; s++) {
        long a = System.nanoTime();
        e.train(warmup + s + 1, batch, lr);
        nanos[s] = System.nanoTime() - a;
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      double medianMs = (sorted[(steps - 1) / 2] + sorted[steps / 2]) / 2e6;
      return String.format(Locale.ROOT,
          "java engine=%s bs=%d alrc=%s precision=%s imgs/s=%.1f imgs/s_median=%.1f step_ms=%.2f"
              + " params=%d vmhwm_mb=%.0f vmrss_mb=%.0f",
          config.engineName(), b, mode, config.precisionName(), steps * b / seconds, b * 1e3 / medianMs,
          seconds * 1e3 / steps, e.parameterCount(), procStatusMb("VmHWM"), procStatusMb("VmRSS"));
    }
  }

  private TrainConfig config(Stabilizer stabilizer, int b, int nThreads, String precision) {
    return TrainConfig.builder()
        .task("cifar10-sr")
        .loss("quartic")
        .safeguard(true)
        .stabilizer(stabilizer)
        .lr(TrainConfig.PAPER_LR)
        .batch(b)
        .steps(warmup + steps)
        .width(width)
        .imageSize(32)
        .seed(seed)
        .evalEvery(1)
        .evalExamples(1)
        .checkpointEvery(1)
        .threads(nThreads)
        .version(AlrcCommand.version())
        .engine(engine.toLowerCase(Locale.ROOT))
        .precision(precision)
        .build();
  }

  /** One fixed batch: Gaussian targets, inputs at half their value (as alrc-bench's Java benchmark). */
  private static final class FixedBatchTask implements Task {
    private final Batch batch;

    FixedBatchTask(int b, long seed) {
      Random rnd = new Random(seed);
      float[] target = new float[b * 3 * 32 * 32];
      float[] input = new float[target.length];
      for (int i = 0; i < target.length; i++) {
        target[i] = (float) rnd.nextGaussian();
        input[i] = 0.5f * target[i];
      }
      this.batch = new Batch(input, target, b, 3, 3, 32, 32, -1);
    }

    @Override
    public String name() {
      return "bench";
    }

    @Override
    public Network network(TrainConfig config) {
      return CifarSupersamplingTask.paperNetwork(3, config.width());
    }

    @Override
    public Batch trainBatch(long step) {
      return batch;
    }

    @Override
    public int evalSize() {
      return batch.batch();
    }

    @Override
    public Batch evalBatch(int from, int to) {
      return batch;
    }

    @Override
    public double lossWeight() {
      return 25;
    }

    @Override
    public String describeData() {
      return "one fixed random batch";
    }
  }

  private static double procStatusMb(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key + ":")) {
          return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]) / 1024.0;
        }
      }
    } catch (Exception notLinux) {
      // no /proc
    }
    return Double.NaN;
  }
}
