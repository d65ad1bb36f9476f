package io.alrc.cli;

import io.alrc.experiments.run.Report;
import io.alrc.experiments.run.RunRecord;
import io.alrc.experiments.train.ExampleSection;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code alrc report}: learning curves and tables of final errors over run directories or folders
 * of run directories (a sweep).
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    sortOptions = false,
    header = "Write learning curves and final-error tables of training runs.",
    description = {
      "Reads run directories (each with config.json, metrics.csv, eval.csv and, when finished,"
          + " summary.json) or folders holding run directories, groups runs that differ only in"
          + " the seed as repeats, and writes report.md (final train and test errors as mean +/- sd"
          + " over repeats, in the paper's layout: a row per loss/batch, a column per stabilizer"
          + " setting) and learning-curve PNGs (boxcar-averaged; a log y axis with labelled 1-2-5"
          + " ticks, or a linear one for a small range; repeats as their mean with a band of one"
          + " standard deviation; injected spikes marked along the bottom).",
      "",
      "It prints the tables of final errors (Markdown) and then, on the last line, the path of"
          + " report.md.",
      "",
      "Stabilizer comparison: the difference from the same configuration without a stabilizer"
          + " with its 95%% t interval, paired on seeds (runs of the two arms with the same seed in"
          + " config.json) where at least 2 seeds match and they are at least half of each arm's"
          + " finished runs, else Welch's. A run that diverged (its metrics.csv ends with K - 1"
          + " skipped non-finite steps, K its limit, 10 by default; or its failed.txt says 'training"
          + " has diverged') shows as 'diverged k/n' beside the final errors of the finished runs;"
          + " the comparisons it affects are marked and get a sensitivity interval with each"
          + " diverged run counted as the worst finished final error. A run without summary.json that did not diverge is unfinished"
          + " (running, stopped or killed) and is left out.",
      "",
      "A run whose metrics.csv or eval.csv is missing, empty or not the expected CSV gets no curve"
          + " from it; a run with no usable file and no summary.json is left out. Each case is"
          + " named on standard error and in report.md (section 'Left out'); the exit code is 2 if"
          + " no run is usable.",
      ""
    })
final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Run directories or folders of them.")
  List<Path> dirs;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Where to write the report. Default: RUN_DIR/report for one argument, else ./report.")
  Path out;

  @Option(
      names = "--boxcar",
      paramLabel = "STEPS",
      defaultValue = "0",
      description = "Boxcar window of the training curves in steps; 0 picks 1/50 of a run.")
  int boxcar;

  @Option(
      names = "--examples",
      negatable = true,
      defaultValue = "true",
      description = "For STEM runs, add example images (input, each stabilizer's output, truth,"
          + " each stabilizer's error; labelled columns) from each configuration's trained model"
          + " (--no-examples to skip).")
  boolean examples;

  @Override
  public Integer call() throws IOException {
    if (boxcar < 0) {
      throw CliException.invalidInput("--boxcar (" + boxcar + ") must be >= 0");
    }
    List<RunRecord> runs = new ArrayList<>();
    List<Report.Problem> unreadable = new ArrayList<>();
    for (Path dir : dirs) {
      try {
        collect(dir, runs, unreadable);
      } catch (IOException e) {
        throw CliException.invalidInput("cannot read " + dir + ": " + e.getMessage(), e);
      }
    }
    if (runs.isEmpty() && unreadable.isEmpty()) {
      throw CliException.invalidInput("no run directories (with config.json) found under " + dirs);
    }
    Path target = out != null ? out : dirs.size() == 1 ? dirs.get(0).resolve("report") : Path.of("report");
    if (Files.exists(target) && !Files.isDirectory(target)) {
      throw CliException.invalidInput((out != null ? "--out " : "the report folder ") + target
          + " is a file, not a directory");
    }
    Report.Result result;
    try {
      result = Report.write(runs, unreadable, target, boxcar);
    } catch (IllegalArgumentException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    }
    PrintWriter err = spec.commandLine().getErr();
    for (Report.Problem p : result.leftOut()) {
      err.println("alrc report: warning: " + p);
    }
    err.flush();
    if (examples) {
      NativeSettings.apply(Runtime.getRuntime().availableProcessors());
      ExampleSection.add(result);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(result.tables());
    out.println(result.markdown());
    out.flush();
    return 0;
  }

  /** Adds the run {@code dir} or the runs below it; a run that cannot be read is noted, not fatal. */
  private static void collect(Path dir, List<RunRecord> runs, List<Report.Problem> unreadable)
      throws IOException {
    if (!Files.isDirectory(dir)) {
      throw CliException.invalidInput(dir + " is not a directory");
    }
    if (Files.isRegularFile(dir.resolve("config.json"))) {
      try {
        runs.add(RunRecord.read(dir));
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        String m = String.valueOf(e.getMessage());
        unreadable.add(new Report.Problem(dir, "the run",
            m.startsWith(dir + ": ") ? m.substring(dir.toString().length() + 2) : m));
      }
      return;
    }
    try (Stream<Path> children = Files.list(dir)) {
      for (Path child : children.sorted().toList()) {
        if (Files.isDirectory(child) && !child.getFileName().toString().equals("report")) {
          collectIfRun(child, runs, unreadable);
        }
      }
    }
  }

  private static void collectIfRun(Path dir, List<RunRecord> runs, List<Report.Problem> unreadable)
      throws IOException {
    if (Files.isRegularFile(dir.resolve("config.json"))) {
      collect(dir, runs, unreadable);
    } else {
      try (Stream<Path> children = Files.list(dir)) {
        for (Path child : children.sorted().toList()) {
          if (Files.isDirectory(child)) {
            collectIfRun(child, runs, unreadable);
          }
        }
      }
    }
  }
}
