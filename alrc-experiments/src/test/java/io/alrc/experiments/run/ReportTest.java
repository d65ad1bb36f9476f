package io.alrc.experiments.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir Path tmp;

  private RunRecord run(String name, String loss, int batch, String stabilizer, double n, int seed,
      double trainError, double testError) throws Exception {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("task", "cifar10-sr");
    config.put("loss", loss);
    config.put("batch", batch);
    config.put("stabilizer", stabilizer);
    config.put("n", n);
    config.put("seed", seed);
    RunFiles.writeJson(dir.resolve("config.json"), config);
    try (MetricsLog log = MetricsLog.create(dir.resolve("metrics.csv"),
        List.of("step", "loss", "unadjusted_loss", "threshold", "clipped", "lr"))) {
      for (int s = 1; s <= 100; s++) {
        log.row(s, trainError * (1 + 10.0 / s), trainError * (1 + 10.0 / s), 5.0, 0, 1e-3);
      }
    }
    try (MetricsLog log = MetricsLog.create(dir.resolve("eval.csv"), List.of("step", "test_error"))) {
      log.row(50, testError * 2);
      log.row(100, testError);
    }
    RunFiles.writeJson(dir.resolve("summary.json"),
        new Summary(trainError, testError, 0.01, 0, 9.0, 100, 10.0, 10.0));
    return RunRecord.read(dir);
  }

  @Test
  void groupsRepeatsAndWritesThePaperLayout() throws Exception {
    List<RunRecord> runs = new ArrayList<>();
    runs.add(run("a", "quartic", 1, "none", 3, 0, 1.0, 2.0));
    runs.add(run("b", "quartic", 1, "none", 3, 1, 3.0, 4.0));
    runs.add(run("c", "quartic", 1, "alrc", 3, 0, 0.5, 1.0));
    runs.add(run("d", "squared", 1, "alrc", 3, 0, 0.25, 0.5));
    Report.Result result = Report.write(runs, tmp.resolve("report"), 0);

    assertThat(result.groups()).hasSize(3);
    String md = Files.readString(result.markdown());
    assertThat(md).contains("| | off | alrc n=3 |");
    assertThat(md).as("repeats as mean +/- sd").contains("| loss=quartic | 2.000 +/- 1.414 (n=2) | 0.5000 +/- 0.000 (n=1) |");
    assertThat(md).contains("| loss=squared |  | 0.2500 +/- 0.000 (n=1) |");
    assertThat(result.images()).isNotEmpty().allSatisfy(p -> assertThat(Files.size(p)).isGreaterThan(1000));
  }

  @Test
  void rejectsADirectoryWithoutConfig() {
    assertThatThrownBy(() -> RunRecord.read(tmp))
        .hasMessage(tmp + " is not a run directory: it has no config.json");
  }

  @Test
  void metricsLogResumesByCuttingBackToTheCheckpoint() throws Exception {
    Path f = tmp.resolve("m.csv");
    List<String> header = List.of("step", "loss");
    long at;
    try (MetricsLog log = MetricsLog.create(f, header)) {
      log.row(1, 1.5);
      at = log.sync();
      log.row(2, 2.5); // written after the checkpoint: dropped on resume
    }
    try (MetricsLog log = MetricsLog.openForResume(f, header, at)) {
      log.row(2, 7.0);
    }
    assertThat(Files.readString(f)).isEqualTo("step,loss\n1,1.5\n2,7.0\n");
    assertThatThrownBy(() -> MetricsLog.openForResume(f, List.of("x"), 3))
        .hasMessage(f + " does not start with the header x");
  }

  @Test
  void boxcarAveragesATrailingWindow() {
    assertThat(Stats.boxcar(new double[] {1, 3, 5, 7}, 2)).containsExactly(1, 2, 4, 6);
    assertThat(Stats.tailMean(new double[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 1}, 0.1)).isEqualTo(1);
  }
}
