package io.alrc.cli;

import io.alrc.snapshot.AtomicFiles;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.sweep.SpecException;
import io.alrc.experiments.sweep.SweepConsole;
import io.alrc.experiments.sweep.SweepExecutor;
import io.alrc.experiments.sweep.SweepLock;
import io.alrc.experiments.sweep.SweepRun;
import io.alrc.experiments.sweep.SweepRunner;
import io.alrc.experiments.sweep.SweepRunner.Outcome;
import io.alrc.experiments.sweep.SweepRunner.Plan;
import io.alrc.experiments.sweep.SweepRunner.State;
import io.alrc.experiments.sweep.SweepRuns;
import io.alrc.experiments.sweep.SweepSpec;
import io.alrc.experiments.train.TrainConfig;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code alrc sweep}: the runs of a spec's grid, several at a time, each in its own JVM. */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    sortOptions = false,
    header = "Run a spec's grid of training runs, several at a time; rerun to resume.",
    description = {
      "Reads SPEC (YAML, or JSON for a .json file): 'task', 'fixed' options, 'grid' axes, optional"
          + " 'variants' (bundles of options), and 'seeds: [..]' or 'repeats: K'. Option names are"
          + " those of 'alrc train' in snake_case or kebab-case; 'n: off' means stabilizer none."
          + " The runs are the product of the axes and the seeds; every run's configuration is"
          + " checked before anything runs. See docs/sweeps.md.",
      "",
      "Each run is 'alrc train' in its own JVM with its output in OUT/RUN_NAME/log.txt, where"
          + " RUN_NAME lists its grid values and seed (e.g. loss=quartic,batch=1,n=3,seed=0)."
          + " OUT/sweep.json lists every run. Rerunning the same command skips finished runs"
          + " (summary.json), resumes interrupted ones from their checkpoints, and tries failed"
          + " ones again. A failed run is recorded in OUT/RUN_NAME/failed.txt and the sweep goes"
          + " on. Ctrl-C stops the running children; their checkpoints stay.",
      "",
      "One sweep at a time writes into OUT: it holds a lock on OUT/.lock (naming its process id"
          + " and start time), and a second sweep on the same OUT exits 2 naming the holder. A spec"
          + " of more than 10,000 runs is refused before anything is listed (--max-runs raises the"
          + " limit).",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  alrc sweep sweeps/cifar-grid-cpu.yaml --out runs/cifar-grid-cpu --data ../shared/data",
      "  alrc sweep sweeps/cifar-grid-cpu.yaml --out runs/cifar-grid-cpu --dry-run",
      "  alrc report runs/cifar-grid-cpu",
      "  alrc sweep sweeps/spikes.yaml --out runs/spikes --spark local[1]",
      "",
      "Exit codes: 0 every run finished (now or before); 1 some runs failed; 2 invalid spec or"
          + " options, or another sweep holds OUT; 130 stopped."
    })
final class SweepCommand implements Callable<Integer> {
  /** The exit code after Ctrl-C (128 + SIGINT). */
  static final int STOPPED = 130;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SPEC", description = "The sweep spec (.yaml, .yml or .json).")
  Path specFile;

  @Option(names = "--out", required = true, paramLabel = "DIR",
      description = "The sweep folder: one run directory per run, and sweep.json.")
  Path out;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Data folder for runs whose spec sets no 'data'. Default: as 'alrc train'.")
  Path data;

  @Option(names = "--parallel", paramLabel = "N",
      description = "Runs at a time. Default: half the cores (at least 1).")
  Integer parallel;

  @Option(names = "--threads", paramLabel = "N",
      description = "Engine threads per run. Default: the cores divided by --parallel (at least 1).")
  Integer threads;

  @Option(names = "--match", paramLabel = "REGEX",
      description = "Only the runs whose name contains a match, e.g. 'batch=1,'.")
  String match;

  @Option(names = "--dry-run", description = "Check the spec, write sweep.json and list the runs; run nothing.")
  boolean dryRun;

  @Option(names = "--jvm-option", paramLabel = "OPT",
      description = "Option of each run's JVM (repeatable), e.g. -Xmx2g. Default: those in $ALRC_JAVA_OPTS.")
  List<String> jvmOptions;

  @Option(names = "--spark", paramLabel = "MASTER",
      description = "Run on Apache Spark instead of child JVMs: one task per run, trained inside the"
          + " executor JVM, one at a time per executor (local[1], local-cluster[N,1,MB], or a cluster"
          + " master with spark.task.cpus equal to the executor cores). OUT must be a path every"
          + " executor sees. Needs alrc-spark (the ./alrc launcher adds it); see docs/cluster.md.")
  String sparkMaster;

  @Option(names = "--spark-conf", paramLabel = "KEY=VALUE",
      description = "A Spark configuration property (repeatable), e.g. spark.task.maxFailures=2.")
  Map<String, String> sparkConf;

  @Option(names = "--max-runs", paramLabel = "N", defaultValue = "" + SweepSpec.DEFAULT_MAX_RUNS,
      description = "Refuse a spec of more than N runs (counted before they are listed).")
  long maxRuns;

  @Option(names = "--status-every", paramLabel = "SECONDS", defaultValue = "60",
      description = "Without a terminal: seconds between status lines.")
  double statusEvery;

  @Override
  public Integer call() throws IOException, InterruptedException {
    int cores = Runtime.getRuntime().availableProcessors();
    SweepExecutor executor = null;
    if (sparkMaster != null) {
      if (parallel != null) {
        throw CliException.invalidInput("--parallel does not apply with --spark: Spark's task slots decide"
            + " how many runs train at once (one per executor)");
      }
      if (jvmOptions != null) {
        throw CliException.invalidInput("--jvm-option does not apply with --spark: runs train inside the"
            + " executor JVMs; set spark.executor.extraJavaOptions with --spark-conf instead");
      }
      executor = SweepExecutor.find("spark").orElseThrow(() -> CliException.invalidInput(
          "--spark: Spark support (module alrc-spark) is not on the class path. Run through the ./alrc"
              + " launcher, which adds it when --spark is given, or build it with 'mvn -B -q -DskipTests"
              + " -pl alrc-spark -am package' and put alrc-spark/target/alrc-spark.jar and"
              + " alrc-spark/target/lib/* on the class path"));
    } else if (sparkConf != null) {
      throw CliException.invalidInput("--spark-conf needs --spark MASTER");
    }
    int runsAtOnce = executor != null ? 1 : parallel != null ? parallel : Math.max(1, cores / 2);
    if (runsAtOnce < 1) {
      throw CliException.invalidInput("--parallel (" + runsAtOnce + ") must be >= 1");
    }
    int threadsPerRun = threads != null ? threads : Math.max(1, cores / runsAtOnce);
    if (threadsPerRun < 1) {
      throw CliException.invalidInput("--threads (" + threadsPerRun + ") must be >= 1");
    }
    Pattern filter = null;
    if (match != null) {
      try {
        filter = Pattern.compile(match);
      } catch (PatternSyntaxException e) {
        throw CliException.invalidInput("--match: not a regular expression: " + e.getDescription(), e);
      }
    }

    if (maxRuns < 1) {
      throw CliException.invalidInput("--max-runs (" + maxRuns + ") must be >= 1");
    }
    if (Files.isDirectory(specFile)) {
      throw CliException.invalidInput(specFile + " is a directory, not a spec file (.yaml, .yml or .json)");
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw CliException.invalidInput("--out " + out + " is a file, not a directory");
    }

    SweepSpec sweep;
    List<SweepRun> runs;
    List<SweepRun> selected;
    try {
      sweep = SweepSpec.parse(readSpec(specFile), SweepSpec.Format.of(specFile), specFile.toString(),
          new TrainOptionsCatalog());
      Map<String, String> defaults = new LinkedHashMap<>();
      defaults.put("threads", Integer.toString(threadsPerRun));
      if (data != null) {
        defaults.put("data", data.toAbsolutePath().normalize().toString());
      }
      runs = sweep.expand(defaults, maxRuns);
      selected = runs;
      if (filter != null) {
        Pattern f = filter;
        selected = runs.stream().filter(r -> f.matcher(r.name()).find()).toList();
        if (selected.isEmpty()) {
          throw CliException.invalidInput("--match '" + match + "' matches none of the " + runs.size() + " runs");
        }
      }
    } catch (NoSuchFileException e) {
      throw CliException.invalidInput(specFile + ": no such file", e);
    } catch (SpecException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    } catch (IOException e) {
      throw CliException.invalidInput("cannot read the spec " + specFile + ": " + e.getMessage(), e);
    }
    if (executor != null) {
      // the master and the output path are checked before anything is created (again under the lock)
      check(executor, selected);
    }
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw CliException.invalidInput("--out " + out + ": cannot create the directory: " + e.getMessage(), e);
    }
    try (SweepLock lock = lock(out)) {
      return run(sweep, runs, selected, executor, runsAtOnce, threadsPerRun);
    }
  }

  /** The most bytes a spec file may have ({@value}: 16 MiB). */
  static final int MAX_SPEC_BYTES = 16 << 20;

  /**
   * The spec's text, read as UTF-8 with a bound, so that a pipe or a device (a spec of {@code
   * /dev/zero}) cannot fill the memory.
   */
  static String readSpec(Path file) throws IOException {
    byte[] bytes;
    try (java.io.InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_SPEC_BYTES + 1);
    }
    if (bytes.length > MAX_SPEC_BYTES) {
      throw CliException.invalidInput(file + ": larger than " + MAX_SPEC_BYTES + " bytes, the most a"
          + " spec may have; a spec lists axes, not runs");
    }
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Locks the output folder; another sweep holding it is exit 2, naming the holder. */
  private static SweepLock lock(Path out) throws IOException {
    try {
      return SweepLock.acquire(out);
    } catch (SweepLock.HeldException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    }
  }

  /** The executor's checks of a request for these runs (exit 2 for a bad master or output path). */
  private SweepExecutor.Request checkPlans(SweepExecutor executor, List<Plan> plans) {
    SweepExecutor.Request request =
        new SweepExecutor.Request(sparkMaster, out, plans, sparkConf != null ? sparkConf : Map.of());
    try {
      executor.check(request);
    } catch (IllegalArgumentException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    }
    return request;
  }

  private void check(SweepExecutor executor, List<SweepRun> selected) {
    List<Plan> plans;
    try {
      plans = SweepRunner.plan(selected, out);
    } catch (SpecException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    }
    checkPlans(executor, plans);
  }

  /** The sweep itself, while holding the lock of its output folder. */
  private int run(SweepSpec sweep, List<SweepRun> runs, List<SweepRun> selected, SweepExecutor executor,
      int runsAtOnce, int threadsPerRun) throws IOException, InterruptedException {
    List<Plan> plans;
    try {
      plans = SweepRunner.plan(selected, out);
    } catch (SpecException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    }
    SweepExecutor.Request request = null;
    if (executor != null) {
      request = checkPlans(executor, plans);
    }
    RunFiles.writeJson(out.resolve("sweep.json"), sweepJson(sweep, runs));

    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    if (dryRun) {
      for (Plan p : plans) {
        stdout.println(p.action().name().toLowerCase(Locale.ROOT) + " " + p.run().name());
      }
      if (executor != null) {
        stdout.printf(Locale.ROOT, "%d runs (of %d in the spec); on Spark %s, %d threads each; nothing run%n",
            plans.size(), runs.size(), sparkMaster, threadsPerRun);
      } else {
        stdout.printf(Locale.ROOT, "%d runs (of %d in the spec); %d at a time, %d threads each; nothing run%n",
            plans.size(), runs.size(), runsAtOnce, threadsPerRun);
      }
      stdout.flush();
      return 0;
    }

    AtomicFiles.removeStale(out);
    SweepRuns.tidy(plans);
    boolean terminal = System.console() != null;
    SweepRunner.Result result;
    try (SweepConsole console = terminal
        ? SweepConsole.bar(System.err)
        : SweepConsole.plain(stderr, statusEvery)) {
      if (executor != null) {
        result = executor.run(request, console);
      } else {
        SweepRunner runner = new SweepRunner(javaCommand(), runsAtOnce, console, 1000);
        result = runner.run(plans);
      }
    }
    return summarize(result, stdout);
  }

  private int summarize(SweepRunner.Result result, PrintWriter stdout) {
    long finished = result.count(State.FINISHED);
    long skipped = result.count(State.SKIPPED);
    long failed = result.count(State.FAILED);
    long stopped = result.count(State.INTERRUPTED);
    stdout.printf(Locale.ROOT, "sweep %s: %d runs: %d finished, %d skipped (finished before), %d failed%s%n",
        out, result.outcomes().size(), finished, skipped, failed,
        stopped > 0 ? ", " + stopped + " stopped (rerun to resume)" : "");
    for (Outcome o : result.with(State.FAILED)) {
      stdout.printf(Locale.ROOT, "  failed: %s (exit %d): %s%n", o.plan().run().name(), o.exitCode(), o.detail());
    }
    stdout.flush();
    if (failed > 0) {
      return 1;
    }
    return stopped > 0 ? STOPPED : 0;
  }

  /** {@code java [options] -cp CLASSPATH io.alrc.cli.AlrcCommand}, for each run's JVM. */
  private List<String> javaCommand() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (jvmOptions != null) {
      command.addAll(jvmOptions);
    } else {
      String env = System.getenv("ALRC_JAVA_OPTS");
      if (env != null && !env.isBlank()) {
        command.addAll(List.of(env.strip().split("\\s+")));
      }
    }
    List<String> classPath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        classPath.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    command.add("-cp");
    command.add(String.join(File.pathSeparator, classPath));
    command.add(AlrcCommand.class.getName());
    return command;
  }

  /** The content of {@code sweep.json}: the spec and every run it expands to, in order. */
  record SweepFile(String spec, String description, int size, List<RunEntry> runs) {}

  /** One run in {@code sweep.json}. */
  record RunEntry(String name, Map<String, String> options, List<String> args, TrainConfig config) {}

  private SweepFile sweepJson(SweepSpec sweep, List<SweepRun> runs) {
    List<RunEntry> list = new ArrayList<>();
    for (SweepRun r : runs) {
      list.add(new RunEntry(r.name(), r.options(), r.args(), r.config()));
    }
    return new SweepFile(specFile.toAbsolutePath().normalize().toString(), sweep.description(),
        runs.size(), list);
  }
}
