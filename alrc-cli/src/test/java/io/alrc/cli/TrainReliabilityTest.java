package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alrc.experiments.run.RunFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code alrc train} under faults and bad input: damaged checkpoints, edited configurations,
 * options that contradict a run, out-of-bounds sizes, a full disk. Every case ends with exit 2 (bad
 * input) or exit 1 (the run failed) and a message that names the cause; nothing trains on a mix of
 * old and new settings, and no result file is damaged.
 */
class TrainReliabilityTest {
  @TempDir Path tmp;

  private static List<String> tinyRun(Path out, long steps) {
    return new ArrayList<>(List.of(
        "train", "--task", "stem-completion", "--image-size", "16", "--width", "0.125",
        "--batch", "1", "--steps", Long.toString(steps), "--stabilizer", "alrc",
        "--eval-every", "5", "--eval-examples", "2", "--checkpoint-every", "5", "--threads", "1",
        "--seed", "7", "--out", out.toString()));
  }

  /** A run whose checkpoint is at its last step but whose summary is gone: --resume would finish it. */
  private Path unfinishedRun(String name) throws Exception {
    Path run = tmp.resolve(name);
    Cli.Result r = Cli.run(tinyRun(run, 10).toArray(String[]::new));
    assertThat(r.exitCode()).as(r.err()).isZero();
    Files.delete(run.resolve("summary.json"));
    return run;
  }

  @Test
  void everyFlippedBitOrCutOfTheCheckpointIsRefusedAndChangesNothing() throws Exception {
    Path run = unfinishedRun("run");
    Path state = run.resolve("checkpoint/state.bin");
    byte[] good = Files.readAllBytes(state);
    String metrics = Files.readString(run.resolve("metrics.csv"));
    Random random = new Random(1);
    List<Integer> offsets = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      offsets.add(i); // the envelope, step and lengths
    }
    for (int i = 0; i < 40; i++) {
      offsets.add(random.nextInt(good.length));
    }
    offsets.add(good.length - 1); // the checksum itself
    for (int offset : offsets) {
      byte[] bad = good.clone();
      bad[offset] ^= (byte) (1 << random.nextInt(8));
      Files.write(state, bad);
      Cli.Result r = Cli.run("train", "--resume", run.toString());
      assertThat(r.exitCode()).as("bit flipped at byte %d: %s", offset, r.err()).isEqualTo(2);
      assertThat(r.errLines()).hasSize(1);
      assertThat(r.err()).contains("cannot resume", "state.bin");
    }
    for (int length : new int[] {0, 3, 10, 100, good.length / 2, good.length - 4, good.length - 1}) {
      Files.write(state, java.util.Arrays.copyOf(good, length));
      Cli.Result r = Cli.run("train", "--resume", run.toString());
      assertThat(r.exitCode()).as("cut to %d bytes: %s", length, r.err()).isEqualTo(2);
      assertThat(r.err()).contains("state.bin");
    }
    assertThat(Files.readString(run.resolve("metrics.csv"))).as("never touched").isEqualTo(metrics);
    assertThat(run.resolve("summary.json")).doesNotExist();

    Files.write(state, good);
    Cli.Result ok = Cli.run("train", "--resume", run.toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(Files.readString(run.resolve("metrics.csv"))).isEqualTo(metrics);
  }

  @ParameterizedTest
  @CsvSource({"seed,8,seed 7 -> 8", "lr,0.5,lr 7.8125E-4 -> 0.5", "steps,5,steps 10 -> 5",
      "loss,quartic,loss \"squared\" -> \"quartic\""})
  void anEditedConfigurationIsRefusedNamingTheChange(String key, String value, String change)
      throws Exception {
    Path run = unfinishedRun("edited-" + key);
    ObjectNode config = (ObjectNode) RunFiles.readJson(run.resolve("config.json"));
    if (key.equals("loss")) {
      config.put(key, value);
    } else {
      config.put(key, Double.parseDouble(value));
      if (!key.equals("lr")) {
        config.put(key, Long.parseLong(value));
      }
    }
    Files.writeString(run.resolve("config.json"), RunFiles.JSON.writeValueAsString(config));
    Cli.Result r = Cli.run("train", "--resume", run.toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains("differs from the configuration the run was started with", change);
    assertThat(run.resolve("summary.json")).doesNotExist();
  }

  @Test
  void resumeTakesNoOtherOptions() throws Exception {
    Path run = unfinishedRun("run");
    Cli.Result r = Cli.run("train", "--resume", run.toString(), "--lr", "5", "--steps", "1000");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("takes no other options", "--lr", "--steps");
    assertThat(run.resolve("summary.json")).doesNotExist();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "--batch|2147483647|batch (2147483647) must be from 1 to 4096",
    "--threads|2147483647|threads (2147483647) must be from 1 to 1024",
    "--threads|1000|--threads (1000) must be at most 4 x the",
    "--image-size|100000|image_size (100000) must be a multiple of 4 from 16 to 1024",
    "--eval-examples|2147483647|eval_examples (2147483647) must be from 1 to 1000000",
    "--lr|1e308|lr (1.0E308) must be > 0 and <= 1000",
    "--spike-steps|0,-1,5|spike_steps: 0 is not a training step (1 to 10)",
    "--sr-factor|4|--sr-factor applies to task stem-sr only, not stem-completion",
    "--loss-weight|0|loss_weight (0.0) must be finite and > 0",
  })
  void outOfBoundsValuesAreRefusedBeforeAnythingIsWritten(String option, String value, String message) {
    Path run = tmp.resolve("bounded");
    List<String> args = tinyRun(run, 10);
    int at = args.indexOf(option);
    if (at >= 0) {
      args.set(at + 1, value);
    } else {
      args.addAll(List.of(option, value));
    }
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains(message);
    assertThat(run).doesNotExist();
  }

  @Test
  void moreEvaluationExamplesThanTheEvaluationSetHasAreRefused() {
    Path data = SweepCommandTest.sharedData();
    assumeTrue(data != null, "needs ../shared/data (CIFAR-10)");
    Path run = tmp.resolve("cifar");
    Cli.Result r = Cli.run("train", "--task", "cifar10-sr", "--data", data.toString(), "--eval-data",
        "lossless_subset/test_batch_first1000.bin", "--eval-examples", "5000", "--steps", "1",
        "--width", "0.125", "--threads", "1", "--out", run.toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains("--eval-examples (5000) exceeds the 1000 evaluation examples");
    assertThat(run).doesNotExist();
  }

  @Test
  void badRunDirectoriesAreRefusedWithTheReason() throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    for (String[] c : new String[][] {
        {"", "must name a run directory"},
        {file.toString(), "is a file, not a run directory"},
        {"/dev/null", "is a file, not a run directory"},
        {file.resolve("sub").toString(), "is not a folder"}}) {
      List<String> args = tinyRun(tmp.resolve("unused"), 10);
      args.set(args.size() - 1, c[0]);
      Cli.Result r = Cli.run(args.toArray(String[]::new));
      assertThat(r.exitCode()).as(c[0] + ": " + r.err()).isEqualTo(2);
      assertThat(r.err()).contains(c[1]);
    }
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  @Test
  void staleTemporaryFilesAreRemovedAndFilesGetOrdinaryPermissions() throws Exception {
    Path run = unfinishedRun("run");
    Path stale = run.resolve("checkpoint/.state.bin.1a2b3c4d.tmp");
    Files.writeString(stale, "left by a killed process");
    Cli.Result r = Cli.run("train", "--resume", run.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(stale).doesNotExist();
    Path plain = Files.writeString(tmp.resolve("plain.txt"), "x");
    String ordinary = PosixFilePermissions.toString(Files.getPosixFilePermissions(plain));
    for (String f : List.of("config.json", "summary.json", "checkpoint/state.bin")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(run.resolve(f))))
          .as(f).isEqualTo(ordinary);
    }
  }

  /**
   * A full disk (a small tmpfs; needs root to mount, else skipped): the run stops at the failing
   * write with exit 1 naming the file and the cause, its checkpoint stays good, and the run
   * resumed elsewhere ends with the files of an uninterrupted run.
   */
  @Test
  void aFullDiskStopsTheRunAtOnceAndItsCheckpointStillResumes() throws Exception {
    Path mount = Files.createDirectories(tmp.resolve("small-disk"));
    assumeTrue(mountTmpfs(mount, "2m"), "mounting a tmpfs needs root");
    try {
      Files.write(mount.resolve("filler"), new byte[2 * 1024 * 1024 - 160 * 1024]);
      Path run = mount.resolve("run");
      Cli.Result full = Cli.run(tinyRun(run, 3000).toArray(String[]::new));
      assertThat(full.exitCode()).as(full.err()).isEqualTo(1);
      assertThat(full.err()).contains("failed", "No space left on device");
      Path copy = tmp.resolve("copy");
      copyTree(run, copy);
      Files.deleteIfExists(copy.resolve("summary.json"));
      Cli.Result resumed = Cli.run("train", "--resume", copy.toString());
      assertThat(resumed.exitCode()).as(resumed.err()).isZero();
      Path whole = tmp.resolve("whole");
      assertThat(Cli.run(tinyRun(whole, 3000).toArray(String[]::new)).exitCode()).isZero();
      assertThat(Files.readString(copy.resolve("metrics.csv")))
          .isEqualTo(Files.readString(whole.resolve("metrics.csv")));
      assertThat(Files.readString(copy.resolve("eval.csv")))
          .isEqualTo(Files.readString(whole.resolve("eval.csv")));
    } finally {
      new ProcessBuilder("umount", mount.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static boolean mountTmpfs(Path dir, String size) throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      return false;
    }
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
        .redirectErrorStream(true).start();
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (var files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
