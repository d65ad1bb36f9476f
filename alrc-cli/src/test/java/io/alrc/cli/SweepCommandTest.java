package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.alrc.experiments.run.RunFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alrc sweep} end to end: invalid specs, dry runs, and a tiny real sweep of CIFAR-10 runs
 * (each in its own JVM, from the test class path) on the shared data, skipped when that is absent.
 */
class SweepCommandTest {
  @TempDir Path tmp;

  /** The shared data root (holding cifar-10-batches-bin), or null if absent. */
  static Path sharedData() {
    List<Path> candidates = new ArrayList<>();
    String shared = System.getProperty("alrc.shared.dir");
    if (shared != null) {
      candidates.add(Path.of(shared).resolve("data"));
    }
    // a worktree may sit deeper than the build assumes: look beside every ancestor too
    String project = System.getProperty("alrc.project.dir", System.getProperty("user.dir"));
    for (Path p = Path.of(project).toAbsolutePath().normalize(); p != null; p = p.getParent()) {
      candidates.add(p.resolve("shared").resolve("data"));
    }
    for (Path c : candidates) {
      if (Files.isRegularFile(c.resolve("cifar-10-batches-bin/data_batch_1.bin"))
          && Files.isRegularFile(c.resolve("cifar-10-batches-bin/test_batch.bin"))) {
        return c.toAbsolutePath().normalize();
      }
    }
    return null;
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  private static long count(String text, String part) {
    Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
    long n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  void anInvalidSpecExits2NamingTheKeyAndRunsNothing() throws Exception {
    Path spec = write("bad.yaml", "task: cifar10-sr\ngrid:\n  batch: [1, x]\n");
    Cli.Result r = Cli.run("sweep", spec.toString(), "--out", tmp.resolve("out").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo(
        "alrc sweep: " + spec + ": grid.batch[1]: Invalid value for option '--batch': 'x' is not an int\n");
    assertThat(tmp.resolve("out")).doesNotExist();

    Cli.Result missing = Cli.run("sweep", tmp.resolve("nope.yaml").toString(), "--out", tmp.toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).isEqualTo("alrc sweep: " + tmp.resolve("nope.yaml") + ": no such file\n");
  }

  @Test
  void aDryRunListsTheRunsAndWritesSweepJson() throws Exception {
    Path spec = write("grid.yaml", """
        task: cifar10-sr
        fixed: {steps: 10}
        grid:
          loss: [squared, quartic]
          n: [off, 3]
        seeds: [4]
        """);
    Path out = tmp.resolve("out");
    Cli.Result r = Cli.run("sweep", spec.toString(), "--out", out.toString(), "--dry-run",
        "--parallel", "2", "--threads", "1");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.outLines()).containsExactly(
        "start loss=squared,n=off,seed=4",
        "start loss=squared,n=3,seed=4",
        "start loss=quartic,n=off,seed=4",
        "start loss=quartic,n=3,seed=4",
        "4 runs (of 4 in the spec); 2 at a time, 1 threads each; nothing run");
    JsonNode sweep = RunFiles.readJson(out.resolve("sweep.json"));
    assertThat(sweep.get("size").asInt()).isEqualTo(4);
    assertThat(sweep.get("runs").get(1).get("name").asText()).isEqualTo("loss=squared,n=3,seed=4");
    assertThat(sweep.get("runs").get(1).get("config").get("stabilizer").asText()).isEqualTo("alrc");
    assertThat(sweep.get("runs").get(1).get("args").toString()).contains("\"--threads\",\"1\"");
    try (var children = Files.list(out)) {
      assertThat(children.toList()).as("nothing run")
          .containsExactlyInAnyOrder(out.resolve("sweep.json"), out.resolve(".lock"));
    }
  }

  @Test
  void aSpecSetsThePrecisionAndRunsOfEarlierVersionsWithoutOneStillMatchAsFp32() throws Exception {
    Path spec = write("precision.yaml", """
        task: stem-completion
        fixed: {steps: 10}
        grid:
          precision: [fp32, bf16]
        seeds: [0]
        """);
    Path out = tmp.resolve("out");
    Cli.Result r = Cli.run("sweep", spec.toString(), "--out", out.toString(), "--dry-run", "--threads", "1");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode runs = RunFiles.readJson(out.resolve("sweep.json")).get("runs");
    assertThat(runs.get(0).get("config").get("precision").asText()).isEqualTo("fp32");
    assertThat(runs.get(1).get("config").get("precision").asText()).isEqualTo("bf16");
    assertThat(runs.get(1).get("args").toString()).contains("\"--precision\",\"bf16\"");

    // a run directory written before precisions existed (no key), on another CPU: the same run
    Path fp32Run = out.resolve(runs.get(0).get("name").asText());
    Files.createDirectories(fp32Run);
    com.fasterxml.jackson.databind.node.ObjectNode old =
        (com.fasterxml.jackson.databind.node.ObjectNode) runs.get(0).get("config").deepCopy();
    old.remove("precision");
    old.put("cpu", "some other CPU");
    Files.writeString(fp32Run.resolve("config.json"), RunFiles.JSON.writeValueAsString(old));
    Cli.Result again = Cli.run("sweep", spec.toString(), "--out", out.toString(), "--dry-run", "--threads", "1");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("resume " + fp32Run.getFileName());

    Cli.Result bad = Cli.run("sweep", write("bad.yaml", "task: stem-completion\nfixed: {precision: fp16}\n").toString(),
        "--out", tmp.resolve("bad").toString(), "--dry-run");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("unknown precision 'fp16': expected one of fp32, bf16");
    Cli.Result djl = Cli.run("sweep",
        write("djl.yaml", "task: stem-completion\nfixed: {engine: djl, precision: bf16}\n").toString(),
        "--out", tmp.resolve("djl").toString(), "--dry-run");
    assertThat(djl.exitCode()).isEqualTo(2);
    assertThat(djl.err()).contains("precision bf16 needs the javacpp engine");
  }

  @Test
  void aTinySweepRecordsAFailureSkipsFinishedRunsAndResumesOnARerun() throws Exception {
    Path data = sharedData();
    assumeTrue(data != null, "the shared CIFAR-10 data is absent");
    Path spec = write("tiny.yaml", """
        task: cifar10-sr
        fixed:
          batch: 2
          steps: 10
          width: 0.125
          eval_every: 10
          eval_examples: 8
          checkpoint_every: 5
        variants:
          - {name: off, n: off}
          - {name: alrc, n: 3}
          - {name: no-data, n: 2, data: %s}
        """.formatted(tmp.resolve("no-data")));
    Path out = tmp.resolve("out");
    String[] args = {"sweep", spec.toString(), "--out", out.toString(), "--data", data.toString(),
        "--parallel", "2", "--threads", "1"};

    Cli.Result first = Cli.run(args);
    assertThat(first.exitCode()).as("a run failed: %s", first.err()).isEqualTo(1);
    assertThat(first.outLines().get(0))
        .isEqualTo("sweep " + out + ": 3 runs: 2 finished, 0 skipped (finished before), 1 failed");
    assertThat(first.outLines().get(1)).startsWith("  failed: no-data,seed=0 (exit 2): alrc train: CIFAR-10 binary files");
    assertThat(out.resolve("off,seed=0/summary.json")).exists();
    assertThat(out.resolve("alrc,seed=0/summary.json")).exists();
    assertThat(RunFiles.readJson(out.resolve("alrc,seed=0/config.json")).get("n").asDouble()).isEqualTo(3.0);
    Path failed = out.resolve("no-data,seed=0/failed.txt");
    assertThat(Files.readString(failed)).startsWith("exit code 2\nreason: alrc train: CIFAR-10 binary files")
        .contains("\nlast lines of log.txt:\n== alrc sweep ");
    assertThat(Files.readString(out.resolve("off,seed=0/log.txt")))
        .as("the child's output is captured").contains("off,seed=0: final train error");

    // as if the alrc run had been killed after its last checkpoint
    Files.delete(out.resolve("alrc,seed=0/summary.json"));
    Cli.Result second = Cli.run(args);
    assertThat(second.exitCode()).as(second.err()).isEqualTo(1);
    assertThat(second.outLines().get(0))
        .isEqualTo("sweep " + out + ": 3 runs: 1 finished, 1 skipped (finished before), 1 failed");
    assertThat(second.err()).contains("sweep: 3 runs: 1 to start, 1 to resume, 1 finished before (skipped)")
        .contains("[2/3] resume alrc,seed=0").contains("[3/3] FAILED no-data,seed=0: exit 2");
    assertThat(count(Files.readString(out.resolve("off,seed=0/log.txt")), "== alrc sweep"))
        .as("a finished run is not run again").isEqualTo(1);
    String alrcLog = Files.readString(out.resolve("alrc,seed=0/log.txt"));
    assertThat(alrcLog).contains(": resume: ").contains("train --resume " + out.resolve("alrc,seed=0"));
    assertThat(out.resolve("alrc,seed=0/summary.json")).exists();
    assertThat(count(Files.readString(out.resolve("no-data,seed=0/log.txt")), "== alrc sweep"))
        .as("a failed run is tried again").isEqualTo(2);

    Cli.Result report = Cli.run("report", out.toString());
    assertThat(report.exitCode()).as(report.err()).isZero();
    String md = Files.readString(out.resolve("report/report.md"));
    assertThat(md).contains("## Stabilizer comparison").contains("| all runs | alrc n=3 | 1/1 |");
  }

  @Test
  void sparkWithoutAlrcSparkOnTheClassPathExits2SayingHowToEnableIt() throws Exception {
    Path spec = write("tiny.yaml", "task: stem-completion\nfixed: {steps: 10}\n");
    Cli.Result r = Cli.run("sweep", spec.toString(), "--out", tmp.resolve("out").toString(), "--spark", "local[1]");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("alrc sweep: --spark: Spark support (module alrc-spark) is not on the class path."
        + " Run through the ./alrc launcher, which adds it when --spark is given");
    assertThat(tmp.resolve("out")).doesNotExist();

    Cli.Result both = Cli.run("sweep", spec.toString(), "--out", tmp.resolve("out").toString(),
        "--spark", "local[1]", "--parallel", "2");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err()).startsWith("alrc sweep: --parallel does not apply with --spark");
  }
}
