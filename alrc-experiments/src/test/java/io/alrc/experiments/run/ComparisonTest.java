package io.alrc.experiments.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonTest {
  @TempDir Path tmp;

  /**
   * A finished run as a sweep writes it: the stabilizer's parameters only for that stabilizer,
   * the paper's decay steps for the batch, metrics with max_example_loss and injected.
   */
  private RunRecord run(String stabilizer, int batch, int seed, double train, double test,
      double spike, int injected) throws Exception {
    Path dir = tmp.resolve(stabilizer + "-" + batch + "-" + seed);
    Files.createDirectories(dir);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("task", "cifar10-sr");
    config.put("loss", "quartic");
    config.put("stabilizer", stabilizer);
    if (stabilizer.equals("alrc")) {
      config.put("n", 3.0);
      config.put("profile", "reference");
    }
    if (stabilizer.equals("zclip")) {
      config.put("z_alpha", 0.97);
      config.put("z_threshold", 2.5);
      config.put("z_warmup", 25);
    }
    config.put("lr_decay_steps", (long) (10000.0 / batch * 350));
    config.put("batch", batch);
    config.put("seed", seed);
    RunFiles.writeJson(dir.resolve("config.json"), config);
    try (MetricsLog log = MetricsLog.create(dir.resolve("metrics.csv"),
        List.of("step", "unadjusted_loss", "max_example_loss", "injected"))) {
      for (int s = 1; s <= 50; s++) {
        boolean inject = s <= injected;
        log.row(s, train, s == 20 ? spike : train * 2, inject ? 0 : -1);
      }
    }
    RunFiles.writeJson(dir.resolve("summary.json"),
        new Summary(train, test, stabilizer.equals("none") ? 0 : 0.25, 1, train, 50, 10.0 + seed, 5));
    return RunRecord.read(dir);
  }

  private List<RunRecord> runs() throws Exception {
    List<RunRecord> runs = new ArrayList<>();
    double[] off = {4, 5, 6};
    double[] alrc = {1.1, 1.9, 3.0};
    for (int seed = 0; seed < 3; seed++) {
      runs.add(run("none", 1, seed, off[seed], off[seed] + 1, 1000 + seed, 2));
      runs.add(run("alrc", 1, seed, alrc[seed], alrc[seed] + 1, 500, 2));
      runs.add(run("zclip", 1, seed, 5, 6, 800, 2));
    }
    runs.add(run("none", 16, 0, 1, 1, 10, 0));
    runs.add(run("alrc", 16, 0, 1, 1, 10, 0));
    return runs;
  }

  @Test
  void columnsAreStabilizersAndRowsLeaveOutTheirParameters() throws Exception {
    List<Report.Group> groups = Report.group(runs());
    assertThat(groups).extracting(Report.Group::row)
        .as("lr_decay_steps follows from the batch: not in the row")
        .containsOnly("batch=1", "batch=16");
    assertThat(groups).extracting(Report.Group::column)
        .as("parameters that do not vary within a stabilizer stay out of its column")
        .containsOnly("off", "alrc n=3", "zclip");
  }

  @Test
  void comparesEachStabilizerWithTheSameRowWithoutOne() throws Exception {
    Report.Result result = Report.write(runs(), tmp.resolve("report"), 0);
    Map<String, Comparison.Row> rows = new LinkedHashMap<>();
    result.comparison().forEach(r -> rows.put(r.row() + " | " + r.column(), r));

    Comparison.Row alrc = rows.get("batch=1 | alrc n=3");
    // the arms share seeds 0, 1, 2: paired. train: alrc [1.1, 1.9, 3.0] against off [4, 5, 6]:
    // differences [-2.9, -3.1, -3.0], mean -3, sd 0.1, se = 0.1 / sqrt(3) = 0.0577350, df 2,
    // t(0.975, 2) = 4.3026527: -3 -/+ 0.2484138 = [-3.2484138, -2.7515862]
    // (Welch, ignoring the pairing, would give [-5.05, -0.95]: the pairing removes the seed's effect)
    assertThat(alrc.trainVsOff().method()).isEqualTo(Difference.Method.PAIRED);
    assertThat(alrc.trainVsOff().na()).isEqualTo(3);
    assertThat(alrc.trainVsOff().difference()).isCloseTo(-3, within(1e-12));
    assertThat(alrc.trainVsOff().lower()).isCloseTo(-3.2484137711750334, within(1e-9));
    assertThat(alrc.trainVsOff().upper()).isCloseTo(-2.7515862288249666, within(1e-9));
    assertThat(alrc.trainVsOff().df()).isEqualTo(2);
    assertThat(alrc.largestLoss()).as("the largest max_example_loss of any repeat").isEqualTo(500);
    assertThat(alrc.injectedPerRun()).isEqualTo(2);
    assertThat(alrc.clipRate()).isEqualTo(0.25);
    assertThat(alrc.skipRate()).as("1 skipped step of 50, per run").isCloseTo(0.02, within(1e-12));
    assertThat(alrc.stepsPerSecond()).isEqualTo(11);
    assertThat(rows.get("batch=1 | off").largestLoss()).isEqualTo(1002);
    assertThat(rows.get("batch=1 | off").trainVsOff()).as("the baseline has no interval").isNull();
    assertThat(rows.get("batch=16 | alrc n=3").trainVsOff().defined()).as("one repeat").isFalse();

    String md = Files.readString(result.markdown());
    assertThat(md).contains("## Stabilizer comparison");
    assertThat(md).contains("| batch=1 | alrc n=3 | 3/3 | 0/3 | 2.000 +/- 0.9539 | -3.000 [-3.248, -2.752]* |"
        + " 3.000 +/- 0.9539 | -3.000 [-3.248, -2.752]* | paired, n = 3 | 500.0 | 25.00% | 2.00% | 2.00"
        + " | 11.00 |");
    assertThat(md).contains("| batch=1 | off | 3/3 | 0/3 | 5.000 +/- 1.000 | baseline |");
    // zclip [5, 5, 5] against [4, 5, 6], paired: differences [1, 0, -1], se = 1 / sqrt(3), df 2
    assertThat(md).contains("| batch=1 | zclip | 3/3 | 0/3 | 5.000 +/- 0.000 | 0.000 [-2.484, 2.484] |");
    assertThat(md).contains("| batch=16 | alrc n=3 | 1/1 | 0/1 | 1.000 +/- 0.000 | needs 2+ repeats |");
    assertThat(md).as("no diverged run: no notes, no flags")
        .doesNotContain("### Diverged runs").doesNotContain("**Diverged").doesNotContain("* " + Comparison.FLAG);
    assertThat(md).as("the paper-layout tables stay").contains("| | off | alrc n=3 | zclip |");

    List<String> csv = Files.readAllLines(tmp.resolve("report/comparison.csv"));
    assertThat(csv).hasSize(1 + 5);
    assertThat(csv.get(0)).startsWith("configuration,stabilizer,runs,finished,train_mean,");
  }
}
