package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.train.CpuInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code alrc train}: bad options, the run directory, determinism, and resuming after SIGKILL. */
class TrainCommandTest {
  @TempDir Path tmp;

  /** A tiny STEM run: no data needed, a few seconds. */
  private static List<String> tinyStemRun(String out, long steps) {
    return new ArrayList<>(List.of(
        "train", "--task", "stem-completion", "--image-size", "16", "--width", "0.25",
        "--batch", "2", "--steps", Long.toString(steps), "--loss", "quartic", "--stabilizer", "alrc",
        "--alrc-warmup", "8", "--eval-every", "10", "--eval-examples", "4", "--checkpoint-every",
        "10", "--spike-probability", "0.1", "--threads", "1", "--seed", "7", "--out", out));
  }

  @Test
  void badOptionsExit2WithOneLine() {
    String out = tmp.resolve("r").toString();
    assertThat(Cli.run("train", "--loss", "cubic", "--out", out).err())
        .isEqualTo("alrc train: unknown loss 'cubic': expected one of squared, quartic, huber\n");
    assertThat(Cli.run("train", "--batch", "0", "--out", out).err())
        .isEqualTo("alrc train: batch (0) must be from 1 to 4096\n");
    assertThat(Cli.run("train", "--steps", "0", "--out", out).err())
        .isEqualTo("alrc train: steps (0) must be >= 1\n");
    assertThat(Cli.run("train", "--stabilizer", "alrc", "--n", "-1", "--out", out).err())
        .isEqualTo("alrc train: stabilizer alrc: n (-1.0) must be finite and > 0 (set with --n, or n in a"
            + " sweep spec)\n");
    assertThat(Cli.run("train").err())
        .isEqualTo("alrc train: give exactly one of --out RUN_DIR (a new run) or --resume RUN_DIR\n");
    Cli.Result missing =
        Cli.run("train", "--data", tmp.resolve("nowhere").toString(), "--steps", "1", "--out", out);
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.errLines()).hasSize(1);
    assertThat(missing.err()).startsWith("alrc train: CIFAR-10 binary files").contains("nowhere");
    assertThat(Files.exists(tmp.resolve("r"))).as("nothing written on bad input").isFalse();
  }

  @Test
  void writesTheRunDirectoryAndTheSameSeedGivesTheSameMetrics() throws Exception {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Cli.Result ra = Cli.run(tinyStemRun(a.toString(), 20).toArray(String[]::new));
    assertThat(ra.exitCode()).as(ra.err()).isZero();
    assertThat(Cli.run(tinyStemRun(b.toString(), 20).toArray(String[]::new)).exitCode()).isZero();

    List<String> metrics = Files.readAllLines(a.resolve("metrics.csv"));
    assertThat(metrics.get(0))
        .startsWith("step,loss,unadjusted_loss,threshold,clipped,lr")
        .contains("injected");
    assertThat(metrics).hasSize(21);
    assertThat(Files.readAllLines(a.resolve("eval.csv"))).containsExactly(
        Files.readAllLines(b.resolve("eval.csv")).toArray(String[]::new));
    assertThat(Files.readString(a.resolve("metrics.csv")))
        .as("same seed, same machine: the same metrics.csv")
        .isEqualTo(Files.readString(b.resolve("metrics.csv")));
    JsonNode summary = RunFiles.readJson(a.resolve("summary.json"));
    for (String key : List.of("final_train_error", "final_test_error", "clip_fraction", "max_loss",
        "steps_per_second", "wall_seconds")) {
      assertThat(summary.has(key)).as("summary.json has %s", key).isTrue();
    }
    JsonNode config = RunFiles.readJson(a.resolve("config.json"));
    assertThat(config.get("seed").asLong()).isEqualTo(7);
    assertThat(config.get("version").asText()).isNotEmpty();
    assertThat(a.resolve("checkpoint/state.bin")).exists();
    assertThat(ra.out()).startsWith(a + ": final train error");

    Cli.Result again = Cli.run(tinyStemRun(a.toString(), 20).toArray(String[]::new));
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("already holds a run: use --resume");
  }

  @Test
  void theEngineIsRecordedAndTheDjlEngineTrainsInItsOwnProcess() throws Exception {
    Path javacpp = tmp.resolve("javacpp");
    assertThat(Cli.run(tinyStemRun(javacpp.toString(), 10).toArray(String[]::new)).exitCode()).isZero();
    assertThat(RunFiles.readJson(javacpp.resolve("config.json")).get("engine").asText())
        .isEqualTo("javacpp");

    // DJL's libtorch must not join the one this test JVM has loaded: a process of its own
    Path djl = tmp.resolve("djl");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), AlrcCommand.class.getName()));
    command.addAll(tinyStemRun(djl.toString(), 10));
    command.addAll(List.of("--engine", "djl"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("djl.log").toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("djl.log"))).isZero();
    assertThat(RunFiles.readJson(djl.resolve("config.json")).get("engine").asText()).isEqualTo("djl");
    assertThat(Files.readAllLines(djl.resolve("metrics.csv"))).hasSize(11);

    Cli.Result bad = Cli.run("train", "--engine", "tensorflow", "--out", tmp.resolve("x").toString());
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).isEqualTo(
        "alrc train: unknown engine 'tensorflow': expected one of javacpp, djl\n");
  }

  @Test
  void thePrecisionAndTheCpuAreRecordedAndBadPrecisionsExit2() throws Exception {
    Path fp32 = tmp.resolve("fp32");
    Cli.Result r = Cli.run(tinyStemRun(fp32.toString(), 2).toArray(String[]::new));
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode config = RunFiles.readJson(fp32.resolve("config.json"));
    assertThat(config.get("precision").asText()).as("new runs record it").isEqualTo("fp32");
    CpuInfo cpu = CpuInfo.current();
    assertThat(config.get("cpu").asText()).isEqualTo(cpu.model());
    assertThat(RunFiles.JSON.treeToValue(config.get("cpu_flags"), String[].class))
        .containsExactly(cpu.flags().toArray(String[]::new));

    String out = tmp.resolve("bad").toString();
    Cli.Result unknown = Cli.run("train", "--precision", "fp16", "--out", out);
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).isEqualTo("alrc train: unknown precision 'fp16': expected one of fp32, bf16\n");
    Cli.Result djl = Cli.run("train", "--engine", "djl", "--precision", "bf16", "--out", out);
    assertThat(djl.exitCode()).isEqualTo(2);
    assertThat(djl.err()).isEqualTo("alrc train: precision bf16 needs the javacpp engine; the djl engine"
        + " trains in fp32 only (use --engine javacpp or --precision fp32)\n");
    Cli.Result benchDjl = Cli.run("bench", "--engine", "djl", "--precision", "bf16", "--batch", "1");
    assertThat(benchDjl.exitCode()).isEqualTo(2);
    assertThat(benchDjl.err()).startsWith("alrc bench: precision bf16 needs the javacpp engine");
    assertThat(Files.exists(tmp.resolve("bad"))).as("nothing written on bad input").isFalse();

    if (!cpu.bf16()) {
      Cli.Result refused = Cli.run(tinyStemRunWith(out, 6, "--precision", "bf16").toArray(String[]::new));
      assertThat(refused.exitCode()).isEqualTo(2);
      assertThat(refused.err()).startsWith("alrc train: precision bf16 needs a CPU with bfloat16 instructions");
      assertThat(Files.exists(tmp.resolve("bad"))).as("nothing written when refused").isFalse();
    }
  }

  private static List<String> tinyStemRunWith(String out, long steps, String... more) {
    List<String> args = tinyStemRun(out, steps);
    args.addAll(List.of(more));
    return args;
  }

  @Test
  void aBf16RunKilledWithSigkillAndResumedEndsWithTheSameFiles() throws Exception {
    assumeTrue(CpuInfo.current().bf16(), "this CPU has no bfloat16 instructions");
    Path whole = tmp.resolve("whole");
    Cli.Result r = Cli.run(tinyStemRunWith(whole.toString(), 60, "--precision", "bf16").toArray(String[]::new));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(RunFiles.readJson(whole.resolve("config.json")).get("precision").asText()).isEqualTo("bf16");

    Path killed = tmp.resolve("killed");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), AlrcCommand.class.getName()));
    command.addAll(tinyStemRunWith(killed.toString(), 60, "--precision", "bf16"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("killed.log").toFile()).start();
    Path checkpoint = killed.resolve("checkpoint/state.bin");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(checkpoint) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(150);
    assumeTrue(p.isAlive(), "the run finished before it could be killed");
    p.destroyForcibly(); // SIGKILL
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.exists(killed.resolve("summary.json"))).as("killed before the end").isFalse();

    Cli.Result resumed = Cli.run("train", "--resume", killed.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(Files.readString(killed.resolve("metrics.csv")))
        .as("metrics.csv of the resumed bf16 run equals the uninterrupted run's")
        .isEqualTo(Files.readString(whole.resolve("metrics.csv")));
    assertThat(Files.readString(killed.resolve("eval.csv")))
        .isEqualTo(Files.readString(whole.resolve("eval.csv")));
  }

  @Test
  void benchTimesTrainingStepsAndRejectsBadOptions() {
    Cli.Result r = Cli.run("bench", "--batch", "1,2", "--steps", "2", "--warmup", "1", "--alrc", "on",
        "--width", "0.125", "--threads", "1");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.outLines()).hasSize(3);
    assertThat(r.outLines().get(0)).isEqualTo(
        "# cpu=" + CpuInfo.current().model() + " flags=" + String.join(",", CpuInfo.current().flags()));
    assertThat(r.outLines().get(2))
        .matches("java engine=javacpp bs=2 alrc=on precision=fp32 imgs/s=[0-9.]+ imgs/s_median=[0-9.]+"
            + " step_ms=[0-9.]+ params=[0-9]+ vmhwm_mb=\\S+ vmrss_mb=\\S+");
    if (CpuInfo.current().bf16()) {
      Cli.Result both = Cli.run("bench", "--batch", "1", "--steps", "1", "--warmup", "1", "--alrc", "on",
          "--width", "0.125", "--threads", "1", "--precision", "fp32,bf16");
      assertThat(both.exitCode()).as(both.err()).isZero();
      assertThat(both.outLines()).hasSize(3);
      assertThat(both.outLines().get(2)).contains(" precision=bf16 ");
    }
    assertThat(Cli.run("bench", "--precision", "fp8").err())
        .isEqualTo("alrc bench: unknown precision 'fp8': expected one of fp32, bf16\n");
    Cli.Result bad = Cli.run("bench", "--batch", "0");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).isEqualTo("alrc bench: --batch: batch sizes must be >= 1, got 0\n");
    assertThat(Cli.run("bench", "--alrc", "maybe").err())
        .isEqualTo("alrc bench: --alrc: expected on or off, got 'maybe'\n");
  }

  @Test
  void aRunKilledWithSigkillAndResumedEndsWithTheSameFiles() throws Exception {
    Path whole = tmp.resolve("whole");
    assertThat(Cli.run(tinyStemRun(whole.toString(), 60).toArray(String[]::new)).exitCode()).isZero();

    Path killed = tmp.resolve("killed");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), AlrcCommand.class.getName()));
    command.addAll(tinyStemRun(killed.toString(), 60));
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("killed.log").toFile()).start();
    Path checkpoint = killed.resolve("checkpoint/state.bin");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(checkpoint) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(150);
    assumeTrue(p.isAlive(), "the run finished before it could be killed");
    p.destroyForcibly(); // SIGKILL
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.exists(killed.resolve("summary.json"))).as("killed before the end").isFalse();

    Cli.Result resumed = Cli.run("train", "--resume", killed.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(Files.readString(killed.resolve("metrics.csv")))
        .as("metrics.csv of the resumed run equals the uninterrupted run's")
        .isEqualTo(Files.readString(whole.resolve("metrics.csv")));
    assertThat(Files.readString(killed.resolve("eval.csv")))
        .isEqualTo(Files.readString(whole.resolve("eval.csv")));

    Cli.Result finished = Cli.run("train", "--resume", killed.toString());
    assertThat(finished.exitCode()).isZero();
    assertThat(finished.out()).startsWith(killed + " already finished");
  }

  @Test
  void sigtermStopsBetweenStepsWithACheckpointAndTheResumedRunEndsTheSame() throws Exception {
    Path whole = tmp.resolve("whole");
    assertThat(Cli.run(tinyStemRun(whole.toString(), 400).toArray(String[]::new)).exitCode()).isZero();

    Path stopped = tmp.resolve("stopped");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), AlrcCommand.class.getName()));
    command.addAll(tinyStemRun(stopped.toString(), 400));
    Path log = tmp.resolve("stopped.log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(stopped.resolve("checkpoint/state.bin")) && p.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assumeTrue(p.isAlive(), "the run finished before it could be stopped");
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assumeTrue(!Files.exists(stopped.resolve("summary.json")), "the run finished before the signal");
    assertThat(Files.readString(log)).contains("continue with --resume " + stopped);

    Cli.Result resumed = Cli.run("train", "--resume", stopped.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(Files.readString(stopped.resolve("metrics.csv")))
        .isEqualTo(Files.readString(whole.resolve("metrics.csv")));
  }

  @Test
  void trainsStemSupersamplingWithHuberizedErrorAndRealMicrographsWhenPresent() throws Exception {
    Path run = tmp.resolve("sr");
    List<String> args = new ArrayList<>(List.of("train", "--task", "stem-sr", "--sr-factor", "4",
        "--image-size", "32", "--width", "0.25", "--batch", "1", "--steps", "8", "--loss", "huber",
        "--stabilizer", "alrc", "--eval-every", "4", "--eval-examples", "4", "--checkpoint-every",
        "4", "--threads", "1", "--out", run.toString()));
    Path micrographs = Path.of(System.getProperty("alrc.shared.dir", "../shared"),
        "data/stem/partial-STEM_examples/tif/truth-1.tif");
    if (Files.isRegularFile(micrographs)) {
      args.addAll(List.of("--eval-data", micrographs.toString()));
    }
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode config = RunFiles.readJson(run.resolve("config.json"));
    assertThat(config.get("sr_factor").asInt()).isEqualTo(4);
    assertThat(config.get("safeguard").asBoolean()).as("no safeguard for STEM by default").isFalse();
    assertThat(Files.readAllLines(run.resolve("eval.csv"))).hasSize(3);

    Cli.Result bad = Cli.run("train", "--task", "stem-sr", "--sr-factor", "3", "--out",
        tmp.resolve("bad").toString());
    assertThat(bad.err()).isEqualTo("alrc train: sr_factor (3) must be 2 or 4 for stem-sr\n");
  }

  @Test
  void trainsTheCifarTaskOnTheSharedData() {
    Path shared = Path.of(System.getProperty("alrc.shared.dir", "../shared"), "data");
    assumeTrue(Files.isRegularFile(shared.resolve("cifar-10-batches-bin/data_batch_1.bin")),
        "the shared CIFAR-10 files are not here");
    Path run = tmp.resolve("cifar");
    Cli.Result r = Cli.run("train", "--task", "cifar10-sr", "--data", shared.toString(),
        "--eval-data", "lossless_subset/test_batch_first1000.bin", "--loss", "quartic",
        "--stabilizer", "alrc", "--n", "3", "--profile", "cifar2019", "--batch", "2",
        "--steps", "6", "--width", "0.125", "--eval-every", "3", "--eval-examples", "8",
        "--checkpoint-every", "3", "--threads", "1", "--out", run.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(run.resolve("summary.json")).exists();
    JsonNode config = RunFiles.readJson(run.resolve("config.json"));
    assertThat(config.get("safeguard").asBoolean()).as("the safeguard is on for CIFAR-10").isTrue();
    assertThat(config.get("lr").asDouble()).isEqualTo(0.1 / 128);
    assertThat(config.get("lr_decay_steps").asLong()).isEqualTo(1_750_000L);
  }
}
