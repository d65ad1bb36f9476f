package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.experiments.sweep.SpecException;
import io.alrc.experiments.sweep.SweepConsole;
import io.alrc.experiments.sweep.SweepLock;
import io.alrc.experiments.sweep.SweepRun;
import io.alrc.experiments.sweep.SweepRunner;
import io.alrc.experiments.sweep.SweepRunner.Plan;
import io.alrc.experiments.sweep.SweepRunner.State;
import io.alrc.experiments.sweep.SweepRuns;
import io.alrc.experiments.sweep.SweepSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the hostile-user trial found in {@code alrc sweep}: huge grids, a spec that is a directory,
 * an {@code --out} that is a file, two sweeps on one folder, and what {@code failed.txt} says.
 * Runs are stood in for by a shell script where a real training is not the point.
 */
class SweepReliabilityTest {
  @TempDir Path tmp;

  private Path write(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  /** Six axes of ten values: a million runs. */
  private static final String MILLION = """
      task: stem-completion
      grid:
        steps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        batch: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        lr: [1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 6e-4, 7e-4, 8e-4, 9e-4, 1e-3]
        eval_every: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        eval_examples: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        image_size: [16, 32, 48, 64, 80, 96, 112, 128, 144, 160]
      """;

  @Test
  void aMillionRunGridIsRefusedAtOnceWithExit2() throws Exception {
    Path spec = write("million.yaml", MILLION);
    long start = System.nanoTime();
    Cli.Result r = Cli.run("sweep", spec.toString(), "--out", tmp.resolve("out").toString(), "--dry-run");
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("alrc sweep: " + spec + ": the spec has 1,000,000 runs"
        + " (10 steps x 10 batch x 10 lr x 10 eval_every x 10 eval_examples x 10 image_size x 1 seed),"
        + " more than the maximum of 10,000; split the spec, or raise the maximum with --max-runs N");
    assertThat(r.out()).isEmpty();
    assertThat(seconds).as("counted, not listed").isLessThan(10);
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  @Test
  void theRunCountSaturatesInsteadOfOverflowing() {
    StringBuilder values = new StringBuilder("[");
    for (int i = 1; i <= 1000; i++) {
      values.append(i == 1 ? "" : ", ").append(i);
    }
    values.append(']');
    StringBuilder spec = new StringBuilder("task: stem-completion\ngrid:\n");
    for (String axis : List.of("steps", "batch", "eval_every", "eval_examples", "checkpoint_every",
        "window", "z_warmup")) {
      spec.append("  ").append(axis).append(": ").append(values).append('\n');
    }
    spec.append("repeats: 10\n");
    SweepSpec s = SweepSpec.parse(spec.toString(), SweepSpec.Format.YAML, "s.yaml", new TrainOptionsCatalog());
    assertThat(s.runCount()).as("1000^7 * 10 > 2^63").isEqualTo(Long.MAX_VALUE);
    assertThat(s.size()).isEqualTo(Integer.MAX_VALUE);
    assertThatThrownBy(() -> s.expand(Map.of()))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("the spec has more than " + Long.MAX_VALUE + " runs")
        .hasMessageContaining("x 1000 z_warmup x 10 seeds)");
  }

  @Test
  void maxRunsRaisesOrLowersTheLimit() throws Exception {
    Path spec = write("four.yaml", "task: stem-completion\ngrid:\n  batch: [1, 2]\n  n: [off, 3]\n");
    Cli.Result refused = Cli.run("sweep", spec.toString(), "--out", tmp.resolve("a").toString(),
        "--dry-run", "--max-runs", "3");
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).contains("the spec has 4 runs (2 batch x 2 n x 1 seed), more than the"
        + " maximum of 3");
    Cli.Result allowed = Cli.run("sweep", spec.toString(), "--out", tmp.resolve("b").toString(),
        "--dry-run", "--max-runs", "4");
    assertThat(allowed.exitCode()).as(allowed.err()).isZero();
    Cli.Result zero = Cli.run("sweep", spec.toString(), "--out", tmp.resolve("c").toString(),
        "--dry-run", "--max-runs", "0");
    assertThat(zero.exitCode()).isEqualTo(2);
    assertThat(zero.errLines()).containsExactly("alrc sweep: --max-runs (0) must be >= 1");
    assertThat(Cli.run("sweep", "--help").out().replaceAll("\\s+", " "))
        .contains("--max-runs=N").contains("Default: 10000").contains("more than 10,000 runs");
  }

  @Test
  void aSpecThatIsADirectoryOrADeviceExits2() throws Exception {
    Cli.Result dir = Cli.run("sweep", tmp.toString(), "--out", tmp.resolve("out").toString());
    assertThat(dir.exitCode()).isEqualTo(2);
    assertThat(dir.errLines()).containsExactly(
        "alrc sweep: " + tmp + " is a directory, not a spec file (.yaml, .yml or .json)");
    if (Files.isReadable(Path.of("/dev/zero"))) {
      Cli.Result zero = Cli.run("sweep", "/dev/zero", "--out", tmp.resolve("out").toString());
      assertThat(zero.exitCode()).isEqualTo(2);
      assertThat(zero.errLines()).containsExactly("alrc sweep: /dev/zero: larger than 16777216 bytes,"
          + " the most a spec may have; a spec lists axes, not runs");
    }
  }

  @Test
  void anOutThatIsAFileExits2() throws Exception {
    Path spec = write("one.yaml", "task: stem-completion\n");
    Path file = write("taken", "a file");
    Cli.Result r = Cli.run("sweep", spec.toString(), "--out", file.toString(), "--dry-run");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("alrc sweep: --out " + file + " is a file, not a directory");
    Cli.Result below = Cli.run("sweep", spec.toString(), "--out", file.resolve("x").toString(), "--dry-run");
    assertThat(below.exitCode()).isEqualTo(2);
    assertThat(below.err()).startsWith("alrc sweep: --out " + file.resolve("x") + ": cannot create the directory: ");
  }

  @Test
  void aSecondSweepOnTheSameOutExits2NamingTheHolder() throws Exception {
    Path spec = write("one.yaml", "task: stem-completion\n");
    Path out = Files.createDirectories(tmp.resolve("out"));
    try (SweepLock held = SweepLock.acquire(out)) {
      String holder = held.holder(); // reading the file here would release the lock (POSIX)
      assertThat(holder).matches("pid " + ProcessHandle.current().pid() + ", started \\S+Z");
      // another process: the operating system's lock, not just this JVM's bookkeeping
      Path err = tmp.resolve("err.txt");
      Process p = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
              AlrcCommand.class.getName(), "sweep", spec.toString(), "--out", out.toString(), "--dry-run")
          .redirectError(err.toFile())
          .redirectOutput(tmp.resolve("out.txt").toFile())
          .start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(2);
      assertThat(Files.readString(err)).isEqualTo("alrc sweep: another sweep is writing into " + out
          + " (" + holder + ", lock file " + out.resolve(".lock") + "); wait for it to end, or use"
          + " another --out\n");
      assertThat(out.resolve("sweep.json")).as("the second sweep wrote nothing").doesNotExist();

      Cli.Result inProcess = Cli.run("sweep", spec.toString(), "--out", out.toString(), "--dry-run");
      assertThat(inProcess.exitCode()).isEqualTo(2);
      assertThat(inProcess.err()).contains("another sweep is writing into " + out + " (" + holder);
    }
    Cli.Result after = Cli.run("sweep", spec.toString(), "--out", out.toString(), "--dry-run");
    assertThat(after.exitCode()).as("the lock is released with its holder: %s", after.err()).isZero();
  }

  @Test
  void aRunDirectoryWithABrokenConfigIsExit2NamingIt() throws Exception {
    Path spec = write("one.yaml", "task: stem-completion\n");
    Path run = Files.createDirectories(tmp.resolve("out/seed=0"));
    Files.writeString(run.resolve("config.json"), "{not json");
    Cli.Result r = Cli.run("sweep", spec.toString(), "--out", tmp.resolve("out").toString(), "--dry-run");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("alrc sweep: " + run.resolve("config.json") + " differs from the spec:"
        + " it cannot be read (");
    Files.writeString(run.resolve("config.json"), "[1, 2]");
    Cli.Result array = Cli.run("sweep", spec.toString(), "--out", tmp.resolve("out").toString(), "--dry-run");
    assertThat(array.exitCode()).isEqualTo(2);
    assertThat(array.err()).contains("differs from the spec: it is not a JSON object");
  }

  /** Two runs; the stand-in "JVM" is a shell script that ignores its arguments but the last. */
  private List<Plan> plans(Path out) {
    SweepSpec spec = SweepSpec.parse("task: stem-completion\ngrid:\n  batch: [1, 2]\n",
        SweepSpec.Format.YAML, "two.yaml", new TrainOptionsCatalog());
    List<SweepRun> runs = spec.expand(Map.of("threads", "1"));
    return SweepRunner.plan(runs, out);
  }

  private static SweepRunner.Result runWith(String script, List<Plan> plans) throws Exception {
    SweepConsole console = SweepConsole.plain(new PrintWriter(new StringWriter()), 3600);
    // sh -c SCRIPT sh ARGS...: the runner appends the train arguments, the run directory last
    SweepRunner runner = new SweepRunner(List.of("sh", "-c", script, "sh"), 1, console, 50);
    return runner.run(plans);
  }

  @Test
  void failedTxtNamesTheCauseNotTheDebugHint() throws Exception {
    Path out = tmp.resolve("out");
    String script = "echo 'step 1/10'; echo 'alrc train: internal error: java.lang.IllegalStateException:"
        + " boom; caused by java.io.IOException: No space left on device' >&2;"
        + " echo '(set ALRC_DEBUG=1 for the stack trace)' >&2; exit 1";
    SweepRunner.Result result = runWith(script, plans(out));
    assertThat(result.count(State.FAILED)).isEqualTo(2);
    String reason = "alrc train: internal error: java.lang.IllegalStateException: boom; caused by"
        + " java.io.IOException: No space left on device";
    assertThat(result.outcomes().get(0).detail()).isEqualTo(reason);
    Path failed = out.resolve("batch=1,seed=0/failed.txt");
    assertThat(Files.readString(failed)).startsWith("exit code 1\nreason: " + reason + "\n");
  }

  @Test
  void aStackTraceAfterTheErrorLineIsPassedOver() throws Exception {
    Path log = write("log.txt", "== alrc sweep 2026: start: x\n"
        + "alrc train: internal error: java.lang.NullPointerException: x is null\n"
        + "java.lang.NullPointerException: x is null\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n"
        + "Caused by: java.io.IOException: y\n\t... 3 more\n");
    assertThat(SweepRuns.lastLine(log)).isEqualTo("alrc train: internal error: java.lang.NullPointerException: x is null");
    Path plain = write("plain.txt", "something else went wrong\n(set ALRC_DEBUG=1 for the stack trace)\n\n");
    assertThat(SweepRuns.lastLine(plain)).isEqualTo("something else went wrong");
  }

  @Test
  void aRunThatFinishesLaterLosesItsFailedTxt() throws Exception {
    Path out = tmp.resolve("out");
    runWith("exit 3", plans(out));
    Path failed = out.resolve("batch=1,seed=0/failed.txt");
    assertThat(failed).exists();
    // "finishes": writes summary.json into the run directory (the last argument)
    String finish = "for a; do last=$a; done; echo '{}' > \"$last/summary.json\"";
    SweepRunner.Result result = runWith(finish, plans(out));
    assertThat(result.count(State.FINISHED)).isEqualTo(2);
    assertThat(failed).doesNotExist();

    // a failed.txt left beside a summary (two sweeps at once, before the lock) goes at the next sweep
    Files.writeString(failed, "exit code 1\n");
    SweepRuns.tidy(plans(out));
    assertThat(failed).doesNotExist();
  }

  @Test
  void staleTemporaryFilesOfAKilledRunAreRemovedBeforeTheSweepRunsIt() throws Exception {
    Path out = tmp.resolve("out");
    Path run = Files.createDirectories(out.resolve("batch=1,seed=0/checkpoint"));
    Path staleState = Files.writeString(run.resolve(".state.bin.8213470981234.tmp"), "partial");
    Path staleConfig = Files.writeString(run.getParent().resolve(".config.json.3fa9c2.tmp"), "partial");
    Path kept = Files.writeString(run.getParent().resolve("notes.tmp"), "the user's");
    SweepRuns.tidy(plans(out));
    assertThat(staleState).doesNotExist();
    assertThat(staleConfig).doesNotExist();
    assertThat(kept).exists();
  }
}
