package io.alrc.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.alrc.cli.AlrcCommand;
import io.alrc.experiments.run.RunFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alrc sweep --spark local[1]} end to end, through the command line as a user runs it: the
 * same summaries as a local sweep (child JVMs) for the same seeds, skipping on resubmission, and a
 * failing run recorded after Spark's retries while the other runs finish. Tiny STEM runs (16 px
 * crops, width 0.25, 10 steps) that train in about a second each; each test starts Spark twice at
 * most (about 5 s each).
 */
class SparkSweepExecutorTest {
  @TempDir Path tmp;

  /** The summary fields that depend on the training only, not on timings. */
  private static final List<String> DETERMINISTIC =
      List.of("final_train_error", "final_test_error", "clip_fraction", "steps");

  private static final String TINY = """
      fixed: {steps: 10, width: 0.25, image_size: 16, batch: 2, eval_every: 10, eval_examples: 4,
              checkpoint_every: 5}
      """;

  record Result(int exitCode, String out, String err) {}

  private static Result alrc(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = AlrcCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  private static long attempts(Path runDir) throws Exception {
    return Files.readAllLines(runDir.resolve("log.txt")).stream().filter(l -> l.startsWith("== alrc sweep")).count();
  }

  @Test
  void sparkGivesTheLocalSweepsSummariesAndSkipsFinishedRunsWhenResubmitted() throws Exception {
    Path spec = Files.writeString(tmp.resolve("tiny.yaml"), "task: stem-completion\n" + TINY + """
        grid:
          n: [off, 2]
        seeds: [3]
        """);
    Path local = tmp.resolve("local");
    Path spark = tmp.resolve("spark");

    Result l = alrc("sweep", spec.toString(), "--out", local.toString(), "--parallel", "1", "--threads", "1");
    assertThat(l.exitCode()).as("local sweep exit code; stderr: %s", l.err()).isZero();
    Result s = alrc("sweep", spec.toString(), "--out", spark.toString(), "--spark", "local[1]", "--threads", "1");
    assertThat(s.exitCode()).as("spark sweep exit code; stderr: %s", s.err()).isZero();
    assertThat(s.out()).contains("2 runs: 2 finished, 0 skipped (finished before), 0 failed");

    for (String run : List.of("n=off,seed=3", "n=2,seed=3")) {
      JsonNode a = RunFiles.readJson(new RunFiles(local.resolve(run)).summary());
      JsonNode b = RunFiles.readJson(new RunFiles(spark.resolve(run)).summary());
      for (String key : DETERMINISTIC) {
        // Training is bit-identical (metrics.csv below); an evaluation forward pass in another JVM
        // may differ in the last bits of a float, so the summaries agree to float precision.
        assertThat(b.get(key).asDouble())
            .as("%s of %s on Spark equals the local sweep's", key, run)
            .isCloseTo(a.get(key).asDouble(), org.assertj.core.api.Assertions.within(1e-6 * Math.abs(a.get(key).asDouble()) + 1e-12));
      }
      List<String> sparkRows = Files.readAllLines(spark.resolve(run).resolve("metrics.csv"));
      List<String> localRows = Files.readAllLines(local.resolve(run).resolve("metrics.csv"));
      assertThat(sparkRows).as("rows of %s", run).hasSameSizeAs(localRows);
      assertThat(sparkRows.get(0)).isEqualTo(localRows.get(0));
      for (int i = 1; i < localRows.size(); i++) {
        String[] x = sparkRows.get(i).split(",", -1);
        String[] y = localRows.get(i).split(",", -1);
        for (int c = 0; c < y.length; c++) {
          double want = Double.parseDouble(y[c]);
          double got = Double.parseDouble(x[c]);
          if (!Double.isFinite(want)) {
            assertThat(x[c]).as("metrics.csv of %s, row %d, column %d", run, i, c).isEqualTo(y[c]);
            continue;
          }
          assertThat(got)
              .as("metrics.csv of %s, row %d, column %d on Spark equals the local sweep's", run, i, c)
              .isCloseTo(want, org.assertj.core.api.Assertions.within(1e-4 * Math.abs(want) + 1e-9));
        }
      }
    }
    assertThat(spark.resolve("report/report.md")).as("the driver writes the report").isRegularFile();

    Result again = alrc("sweep", spec.toString(), "--out", spark.toString(), "--spark", "local[1]", "--threads", "1");
    assertThat(again.exitCode()).as("resubmission exit code; stderr: %s", again.err()).isZero();
    assertThat(again.out()).contains("2 runs: 0 finished, 2 skipped (finished before), 0 failed");
    assertThat(attempts(spark.resolve("n=2,seed=3"))).as("a finished run is not attempted again").isEqualTo(1);
  }

  @Test
  void aRunThatFailsIsRetriedThenRecordedWhileTheOthersFinish() throws Exception {
    Path missing = tmp.resolve("no-such-data");
    Path spec = Files.writeString(tmp.resolve("failing.yaml"), TINY + """
        variants:
          - {name: good, task: stem-completion}
          - {name: bad, task: cifar10-sr, data: %s}
        """.formatted(missing));
    Path out = tmp.resolve("out");

    // local[1,2]: Spark's local mode with up to 2 attempts per task
    Result r = alrc("sweep", spec.toString(), "--out", out.toString(), "--spark", "local[1,2]", "--threads", "1");
    assertThat(r.exitCode()).as("exit code with a failed run; stderr: %s", r.err()).isEqualTo(1);
    assertThat(r.out()).contains("2 runs: 1 finished, 0 skipped (finished before), 1 failed")
        .contains("failed: bad,seed=0 (exit 2): ");
    assertThat(new RunFiles(out.resolve("good,seed=0")).finished()).as("the good run finished").isTrue();
    Path bad = out.resolve("bad,seed=0");
    assertThat(attempts(bad)).as("Spark attempted the failing run twice (local[1,2])").isEqualTo(2);
    String failed = Files.readString(bad.resolve("failed.txt"));
    assertThat(failed).startsWith("exit code 2\nreason: alrc train exited 2: ").contains("(2 attempts)")
        .contains("last lines of log.txt:");
    assertThat(out.resolve("report/report.md")).as("the report covers what finished").isRegularFile();
  }

  @Test
  void aLocalMasterWithSeveralThreadsIsRejectedBeforeAnythingRuns() throws Exception {
    Path spec = Files.writeString(tmp.resolve("tiny.yaml"), "task: stem-completion\n" + TINY);
    Result r = alrc("sweep", spec.toString(), "--out", tmp.resolve("out").toString(), "--spark", "local[4]");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("alrc sweep: --spark local[4]: local mode trains inside this one JVM");
    assertThat(tmp.resolve("out")).doesNotExist();

    Result uri = alrc("sweep", spec.toString(), "--out", "hdfs://namenode/sweeps/x", "--spark", "local[1]");
    assertThat(uri.exitCode()).isEqualTo(2);
    assertThat(uri.err()).startsWith("alrc sweep: --out hdfs:/namenode/sweeps/x: a URI;");
  }
}
