package io.alrc.cli;

import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.run.Summary;
import io.alrc.experiments.train.CpuInfo;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.StepEngine;
import io.alrc.experiments.train.StepEngines;
import io.alrc.experiments.train.Progress;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.Tasks;
import io.alrc.experiments.train.TrainConfig;
import io.alrc.experiments.train.TrainingRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alrc train}: one training run of one of the paper's tasks, in a run directory. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    sortOptions = false,
    header = "Train one of the paper's tasks with or without ALRC or a peer stabilizer.",
    description = {
      "Trains the task's network and writes the run directory: config.json (everything needed to"
          + " rerun it), metrics.csv (one row per step: step,loss,unadjusted_loss,threshold,"
          + "clipped,lr,max_example_loss,min_scale,grad_norm,skipped,injected), eval.csv"
          + " (step,test_error), a checkpoint every --checkpoint-every steps and at the end, and"
          + " summary.json. --resume RUN_DIR continues a run from its checkpoint and ends with the"
          + " same files as an uninterrupted run.",
      "",
      "stem-completion, stem-sr: partial-scan completion (a 1/20 spiral scan) and 2x/4x"
          + " supersampling of synthetic HAADF STEM images (no download); --eval-data FILES or"
          + " DIRS (comma-separated) evaluates on crops of real micrographs instead of held-out"
          + " synthetic images. Per-example loss 50*mean(err^p); no safeguard by default.",
      "",
      "cifar10-sr: the paper's CIFAR-10 2x supersampling (per-example loss 25*mean(err^p), p = 2"
          + " for squared, 4 for quartic; the square-root safeguard above 50 unless"
          + " --no-safeguard; Adam at lr 0.1/128 with the paper's staircase decay).",
      ""
    },
    footer = {
      "",
      "Example:",
      "  alrc train --task cifar10-sr --data ../shared/data --loss quartic --stabilizer alrc --n 3"
          + " --profile cifar2019 --batch 1 --steps 3000 --seed 0 --out runs/q-b1-n3",
      "",
      "Exit codes: 0 done; 2 invalid option or data; 1 the run failed (e.g. it diverged)."
    })
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--task", paramLabel = "TASK", defaultValue = "cifar10-sr",
      description = "cifar10-sr, stem-completion or stem-sr.")
  String task;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Data folder. Default: $ALRC_DATA, else the user cache (see 'alrc data').")
  Path data;

  @Option(names = "--eval-data", paramLabel = "FILE",
      description = "Evaluation file (cifar10-sr: default test_batch.bin; relative paths are under"
          + " the data folder, e.g. lossless_subset/test_batch_first1000.bin).")
  String evalData;

  @Option(names = "--loss", paramLabel = "LOSS", defaultValue = "squared",
      description = "squared, quartic or huber (Huberized squared error: sqrt above 1).")
  String loss;

  @Option(names = "--loss-weight", paramLabel = "W",
      description = "The factor w of the per-example loss w * mean(err^p). Default: the task's (25"
          + " for cifar10-sr, as the paper; 50 for the STEM tasks). Changes the loss scale, e.g."
          + " to test stabilizers whose thresholds depend on it.")
  Double lossWeight;

  @Option(names = "--huber-after-clipping", negatable = true,
      description = "--loss huber with ALRC: clip the raw squared error, then apply x <= 1 ? x :"
          + " sqrt(x) to the clipped value, as the authors' partial-STEM code (the default);"
          + " --no-huber-after-clipping transforms first and clips the transformed loss.")
  Boolean huberAfterClipping;

  @Option(names = "--safeguard", negatable = true,
      description = "The paper's fixed safeguard: per-example losses >= 50 become their square"
          + " root (--no-safeguard turns it off). Default: on for cifar10-sr, off for the STEM tasks.")
  Boolean safeguard;

  // --stabilizer and the stabilizers' parameters are added by StabilizerOptions.addTo (see
  // commandLine()): they are generated from io.alrc.experiments.train.Stabilizer.

  @Option(names = "--optimizer", paramLabel = "OPT", defaultValue = "adam", description = "adam or sgd.")
  String optimizer;

  /** The engine of new runs. */
  static final String DEFAULT_ENGINE = StepEngines.DEFAULT;

  @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = DEFAULT_ENGINE,
      description = "Training engine: javacpp (libtorch through JavaCPP, channels-last; the fastest)"
          + " or djl (DJL's PyTorch engine, as the library's integration uses). Both train the same"
          + " network, loss, stabilizer and optimizer; see docs/performance.md.")
  String engine;

  @Option(names = "--precision", paramLabel = "P", defaultValue = TrainConfig.FP32,
      description = "Arithmetic of the network: fp32, or bf16 (bfloat16 convolutions in channels-last"
          + " memory through oneDNN, with float32 master weights, gradients, Adam state, losses and"
          + " stabilizer statistics, as torch.autocast; javacpp engine only, on a CPU with"
          + " avx512_bf16 or amx_bf16, else exit 2). Evaluation runs in the same precision. Runs"
          + " written before this option trained in fp32.")
  String precision;

  @Option(names = "--lr", paramLabel = "LR",
      description = "Learning rate. Default: the paper's 0.1/128 = 7.8125e-4.")
  Double lr;

  @Option(names = "--lr-decay-steps", paramLabel = "STEPS",
      description = "Steps between x0.1 decays (0: none). Default: the paper's int(10000/batch*350).")
  Long lrDecaySteps;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "16", description = "Examples per step.")
  int batch;

  @Option(names = "--steps", paramLabel = "STEPS", defaultValue = "1000", description = "Training steps.")
  long steps;

  @Option(names = "--width", paramLabel = "W", defaultValue = "1.0",
      description = "Channel-count multiplier of the network (1 = the paper's widths).")
  double width;

  @Option(names = "--image-size", paramLabel = "PX", defaultValue = "96", description = "STEM tasks: crop size.")
  int imageSize;

  @Option(names = "--sr-factor", paramLabel = "F", defaultValue = "2",
      description = "stem-sr: downsampling factor, 2 or 4.")
  int srFactor;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Seed of every random choice.")
  long seed;

  @Option(names = "--eval-every", paramLabel = "STEPS", defaultValue = "500", description = "Steps between evaluations.")
  long evalEvery;

  @Option(names = "--eval-examples", paramLabel = "N", defaultValue = "1000", description = "Examples per evaluation.")
  int evalExamples;

  @Option(names = "--checkpoint-every", paramLabel = "STEPS", defaultValue = "500", description = "Steps between checkpoints.")
  long checkpointEvery;

  @Option(names = "--threads", paramLabel = "N", description = "Engine threads. Default: the number of cores.")
  Integer threads;

  @Option(names = "--spike-probability", paramLabel = "Q", defaultValue = "0",
      description = "Spike injection: per-step probability of corrupting one example's target"
          + " (gain 10 about its mean plus an offset of 10 standard deviations, a glitched frame).")
  double spikeProbability;

  @Option(names = "--spike-steps", paramLabel = "STEP", split = ",",
      description = "Spike injection at these steps (comma-separated), in addition.")
  List<Long> spikeSteps;

  @Option(names = "--out", paramLabel = "RUN_DIR", description = "The run directory to create.")
  Path out;

  @Option(names = "--resume", paramLabel = "RUN_DIR",
      description = "Continue this run from its checkpoint (its config.json decides everything else).")
  Path resume;

  @Override
  public Integer call() {
    PrintWriter outWriter = spec.commandLine().getOut();
    if ((out == null) == (resume == null)) {
      throw CliException.invalidInput("give exactly one of --out RUN_DIR (a new run) or --resume RUN_DIR");
    }
    TrainConfig config;
    Path runDir;
    boolean resuming = resume != null;
    List<String> given = givenOptions();
    try {
      if (resuming) {
        given.remove("--resume");
        if (!given.isEmpty()) {
          throw CliException.invalidInput("--resume continues " + resume + " exactly as its config.json"
              + " says; it takes no other options (given: " + String.join(", ", given) + "). Start a"
              + " new run with --out to change settings");
        }
        runDir = checkRunDir("--resume", resume);
        if (Files.isRegularFile(new RunFiles(runDir).summary())) {
          outWriter.println(runDir + " already finished: " + Files.readString(new RunFiles(runDir).summary()).strip());
          outWriter.flush();
          return 0;
        }
        config = TrainingRun.readConfig(runDir);
      } else {
        runDir = checkRunDir("--out", out);
        if (Files.exists(new RunFiles(runDir).config())) {
          throw CliException.invalidInput(runDir + " already holds a run: use --resume " + runDir + " to continue it");
        }
        config = buildConfig().validate().withCpu(CpuInfo.current());
        checkApplies(given, config);
        int cores = Runtime.getRuntime().availableProcessors();
        if (config.threads() > MAX_THREADS_PER_CORE * cores) {
          throw CliException.invalidInput("--threads (" + config.threads() + ") must be at most "
              + MAX_THREADS_PER_CORE + " x the " + cores + " cores of this machine");
        }
      }
    } catch (IllegalArgumentException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    } catch (IOException | UncheckedIOException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    }
    NativeSettings.apply(config.threads());
    Task taskData;
    try {
      taskData = Tasks.open(config);
    } catch (IOException | IllegalArgumentException | UncheckedIOException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    }
    if (given.contains("--eval-examples") && config.evalExamples() > taskData.evalSize()) {
      taskData.close();
      throw CliException.invalidInput("--eval-examples (" + config.evalExamples() + ") exceeds the "
          + taskData.evalSize() + " evaluation examples of " + config.task());
    }
    StepEngine created;
    try {
      created = StepEngines.create(config, taskData);
    } catch (IllegalArgumentException e) {
      // e.g. precision bf16 on a CPU without bfloat16 instructions: before anything is written
      taskData.close();
      throw CliException.invalidInput(e.getMessage(), e);
    }
    boolean terminal = System.console() != null;
    try (Task t = taskData;
        StepEngine engine = created;
        Progress progress = Progress.console(System.err, runDir.getFileName().toString(),
            1, config.steps(), terminal, 10)) {
      progress.message(String.format(Locale.ROOT, "%s: %s, %,d parameters, %s",
          runDir, config.task(), engine.parameterCount(), t.describeData()));
      TrainingRun run = new TrainingRun(config, runDir, t, engine, progress);
      Summary s;
      // On SIGTERM (e.g. a sweep being stopped) finish the current step, checkpoint, then exit:
      // a JVM shutting down while the native engine is mid-step can crash.
      java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
      Thread hook = new Thread(() -> {
        run.requestStop();
        try {
          finished.await(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "alrc-train-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        s = run.run(resuming);
      } finally {
        finished.countDown();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the JVM is already shutting down: the hook is running and now returns
        }
      }
      outWriter.printf(Locale.ROOT,
          "%s: final train error %.5g, final test error %.5g, clip fraction %.4f, max loss %.4g,"
              + " skipped %d, %.2f steps/s, %.1f s%n",
          runDir, s.finalTrainError(), s.finalTestError(), s.clipFraction(), s.maxLoss(),
          s.skippedSteps(), s.stepsPerSecond(), s.wallSeconds());
      outWriter.flush();
      return 0;
    } catch (TrainingRun.StoppedException e) {
      throw new CliException(130, "run " + runDir + " stopped after step " + e.lastStep()
          + "; continue it with --resume " + runDir, e);
    } catch (TrainingRun.CheckpointException e) {
      throw CliException.invalidInput("cannot resume " + runDir + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new CliException(1, "run " + runDir + " failed: " + describe(e), e);
    } catch (io.alrc.NonFiniteLossException e) {
      throw new CliException(1, "run " + runDir + " diverged: " + e.getMessage(), e);
    }
  }

  /** An I/O error's message with its kind where the message alone is only a path. */
  private static String describe(IOException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    if (e instanceof java.nio.file.AccessDeniedException) {
      return m + ": permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return m + ": no such file or folder";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() == null) {
      return m + " (" + e.getClass().getSimpleName() + ")";
    }
    return m.isEmpty() ? e.getClass().getSimpleName() : m;
  }

  /** More threads than this many per core are refused for new runs (they only slow training). */
  static final int MAX_THREADS_PER_CORE = 4;

  /** The options given on the command line (longest names), e.g. {@code --lr}. */
  private List<String> givenOptions() {
    List<String> names = new java.util.ArrayList<>();
    picocli.CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    if (parsed != null) {
      for (picocli.CommandLine.Model.OptionSpec o : parsed.matchedOptions()) {
        names.add(o.longestName());
      }
    }
    return names;
  }

  /** Options that only some tasks use: given for another task, they are an error, not ignored. */
  private static void checkApplies(List<String> given, TrainConfig config) {
    if (given.contains("--sr-factor") && !config.task().equals("stem-sr")) {
      throw CliException.invalidInput("--sr-factor applies to task stem-sr only, not " + config.task());
    }
    if (given.contains("--image-size") && !config.task().startsWith("stem-")) {
      throw CliException.invalidInput(
          "--image-size applies to the STEM tasks only (" + config.task() + " images are 32x32)");
    }
  }

  /**
   * The run directory named by {@code option}: not empty, not a file, and (if it exists) a
   * writable folder.
   */
  private static Path checkRunDir(String option, Path dir) {
    if (dir.toString().isBlank()) {
      throw CliException.invalidInput(option + " must name a run directory, got an empty path");
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw CliException.invalidInput(option + " " + dir + " is a file, not a run directory");
    }
    if (Files.isDirectory(dir) && !Files.isWritable(dir)) {
      throw CliException.invalidInput(option + " " + dir + ": permission denied (the folder is not writable)");
    }
    Path parent = dir.toAbsolutePath().getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (!Files.exists(dir) && parent != null && (!Files.isDirectory(parent) || !Files.isWritable(parent))) {
      throw CliException.invalidInput(option + " " + dir + " cannot be created: " + parent
          + (Files.isDirectory(parent) ? " is not writable" : " is not a folder"));
    }
    return dir;
  }

  /**
   * A command line of {@code alrc train} on its own, with the stabilizer options added, e.g. to
   * parse the arguments of one run of a sweep.
   */
  static picocli.CommandLine commandLine() {
    picocli.CommandLine cl = new picocli.CommandLine(new TrainCommand());
    addGeneratedOptions(cl.getCommandSpec());
    return cl;
  }

  /** Adds the options generated from the stabilizers' descriptions to the train command's spec. */
  static void addGeneratedOptions(CommandSpec trainSpec) {
    StabilizerOptions.addTo(trainSpec, Stabilizer.None.KIND.name());
  }

  /**
   * The configuration the parsed options give (not yet validated); also used by {@code alrc sweep}.
   *
   * @throws IllegalArgumentException for a bad stabilizer name or parameter
   */
  TrainConfig buildConfig() {
    boolean paperLr = lr == null;
    return TrainConfig.builder()
        .task(task.toLowerCase(Locale.ROOT))
        .data(data == null ? null : data.toString())
        .evalData(evalData)
        .loss(loss.toLowerCase(Locale.ROOT))
        .safeguard(safeguard != null ? safeguard : task.equalsIgnoreCase("cifar10-sr"))
        .stabilizer(StabilizerOptions.parse(spec))
        .optimizer(optimizer.toLowerCase(Locale.ROOT))
        .lr(paperLr ? TrainConfig.PAPER_LR : lr)
        .lrDecaySteps(lrDecaySteps != null ? lrDecaySteps : batch > 0 ? TrainConfig.paperDecaySteps(batch) : 0)
        .batch(batch)
        .steps(steps)
        .width(width)
        .imageSize(imageSize)
        .seed(seed)
        .evalEvery(evalEvery)
        .evalExamples(evalExamples)
        .checkpointEvery(checkpointEvery)
        .threads(threads != null ? threads : Runtime.getRuntime().availableProcessors())
        .spikeProbability(spikeProbability)
        .spikeSteps(spikeSteps)
        .version(AlrcCommand.version())
        .srFactor(task.equalsIgnoreCase("stem-sr") ? srFactor : null)
        .engine(engine.toLowerCase(Locale.ROOT))
        .lossWeight(lossWeight)
        .huberAfterClipping(loss.equalsIgnoreCase("huber")
            ? (huberAfterClipping != null ? huberAfterClipping : Boolean.TRUE) : null)
        .precision(precision.toLowerCase(Locale.ROOT))
        .build();
  }
}
