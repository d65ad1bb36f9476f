package io.alrc.cli;

import io.alrc.experiments.run.Report;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.run.RunRecord;
import io.alrc.experiments.run.Summary;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.StepEngine;
import io.alrc.experiments.train.StepEngines;
import io.alrc.experiments.train.ExampleSection;
import io.alrc.experiments.train.Progress;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.Tasks;
import io.alrc.experiments.train.TrainConfig;
import io.alrc.experiments.train.TrainingRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code alrc demo}: the project's main job. Trains partial-scan STEM completion at batch 1 on the
 * embedded synthetic micrographs, with glitched frames injected, once without and once with ALRC,
 * and writes a report.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    sortOptions = false,
    header = "Train STEM completion with and without ALRC on injected loss spikes; write a report.",
    description = {
      "Trains the partial-scan completion task (a 1/20 spiral scan of a 64x64 synthetic HAADF STEM"
          + " image; nothing to download) at batch 1 with Adam, twice from the same seed: without"
          + " ALRC and with ALRC (reference profile, n = 3). On each step, with probability"
          + " --spike-probability, the example's target is replaced by a glitched frame (gain 10"
          + " and an offset of 10 standard deviations): a known bad batch whose loss is about 100"
          + " times the others. Then it writes DIR/report (learning curves, a table of final"
          + " errors, example completions) and prints a five-line summary.",
      "",
      "Takes about 27 s on 2 idle cores (measured 26.6 s) with the defaults, after building the"
          + " tool on first use.",
      ""
    })
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/demo", description = "Where the runs and the report go.")
  Path out;

  @Option(names = "--steps", paramLabel = "STEPS", defaultValue = "2000", description = "Training steps per run.")
  long steps;

  @Option(names = "--spike-probability", paramLabel = "Q", defaultValue = "0.02",
      description = "Probability per step of a glitched frame.")
  double spikeProbability;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1", description = "Seed of both runs.")
  long seed;

  @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = TrainCommand.DEFAULT_ENGINE,
      description = "Training engine: javacpp or djl (as alrc train).")
  String engine;

  @Option(names = "--eval-data", paramLabel = "FILES",
      description = "Real micrographs (PNG/TIFF files or folders, comma-separated) to evaluate on"
          + " and show. Default: held-out synthetic images.")
  String evalData;

  @Option(names = "--threads", paramLabel = "N", description = "Engine threads. Default: the number of cores.")
  Integer threads;

  @Override
  public Integer call() throws IOException {
    if (steps < 10) {
      throw CliException.invalidInput("--steps (" + steps + ") must be >= 10");
    }
    if (!(spikeProbability >= 0 && spikeProbability <= 1)) {
      throw CliException.invalidInput("--spike-probability (" + spikeProbability + ") must be in [0, 1]");
    }
    int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    NativeSettings.apply(nThreads);
    Path without = out.resolve("without-alrc");
    Path with = out.resolve("with-alrc");
    for (Path dir : List.of(without, with)) {
      checkOwnRun(dir);
    }
    for (Path dir : List.of(without, with)) {
      delete(dir);
    }
    Files.createDirectories(out);
    Summary none = train(config(new Stabilizer.None(), nThreads), without);
    Summary alrc = train(config(Stabilizer.Alrc.auto(), nThreads), with);

    Path reportDir = out.resolve("report");
    List<RunRecord> runs = List.of(RunRecord.read(without), RunRecord.read(with));
    Report.Result report = Report.write(runs, reportDir, 0);
    ExampleSection.add(report);

    long spikes = countInjected(without);
    PrintWriter o = spec.commandLine().getOut();
    o.printf(Locale.ROOT, "ALRC demo: STEM partial-scan completion, 64x64, batch 1, Adam, %d steps per run,"
        + " %d glitched frames injected (p = %s)%n", steps, spikes, spikeProbability);
    o.printf(Locale.ROOT, "without ALRC: final test error %.4g, largest training loss %.4g%n",
        none.finalTestError(), none.maxLoss());
    o.printf(Locale.ROOT, "with ALRC (n = 3): final test error %.4g, %.2f%% of examples clipped%n",
        alrc.finalTestError(), 100 * alrc.clipFraction());
    double change = (alrc.finalTestError() - none.finalTestError()) / none.finalTestError();
    o.printf(Locale.ROOT, "ALRC %s the final test error by %.1f%% (one seed: rerun with --seed for a spread)%n",
        change <= 0 ? "lowered" : "raised", 100 * Math.abs(change));
    o.println("report: " + report.markdown() + " (learning curves, final errors, example completions)");
    o.flush();
    return 0;
  }

  private TrainConfig config(Stabilizer stabilizer, int nThreads) {
    return TrainConfig.builder()
        .task("stem-completion")
        .evalData(evalData)
        .loss("squared")
        .safeguard(false)
        .stabilizer(stabilizer)
        .lr(TrainConfig.PAPER_LR)
        .batch(1)
        .steps(steps)
        .width(0.5)
        .imageSize(64)
        .seed(seed)
        .evalEvery(Math.max(1, steps / 8))
        .evalExamples(64)
        .checkpointEvery(steps)
        .threads(nThreads)
        .spikeProbability(spikeProbability)
        .version(AlrcCommand.version())
        .engine(engine)
        .build()
        .validate();
  }

  private Summary train(TrainConfig config, Path dir) throws IOException {
    boolean terminal = System.console() != null;
    Task opened;
    try {
      opened = Tasks.open(config);
    } catch (IOException | IllegalArgumentException | java.io.UncheckedIOException e) {
      throw CliException.invalidInput(e.getMessage(), e); // e.g. --eval-data naming no image
    }
    try (Task task = opened;
        StepEngine engine = StepEngines.create(config, task);
        Progress progress = Progress.console(System.err, dir.getFileName().toString(), 1,
            config.steps(), terminal, 10)) {
      return new TrainingRun(config, dir, task, engine, progress).run(false);
    }
  }

  /** Checks that {@code dir} is absent or a previous demo run (a stem-completion run directory). */
  private static void checkOwnRun(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Path config = new RunFiles(dir).config();
    if (!Files.isRegularFile(config) || !Files.readString(config).contains("\"stem-completion\"")) {
      throw CliException.invalidInput(dir + " exists and is not a demo run: choose another --out");
    }
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static long countInjected(Path run) {
    double[] injected = RunRecord.read(run).metrics().column("injected");
    long n = 0;
    for (double v : injected) {
      if (v >= 0) {
        n++;
      }
    }
    return n;
  }
}
