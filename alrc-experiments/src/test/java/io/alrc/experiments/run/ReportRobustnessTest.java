package io.alrc.experiments.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports over runs whose files are missing, empty, random or of the wrong shape: such runs (or
 * their curves) are left out with the reason, and a report with no usable run is an {@link
 * IllegalArgumentException}, never another exception.
 */
class ReportRobustnessTest {
  @TempDir Path tmp;

  private Path runDir(String name, int seed, boolean summary) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("task", "cifar10-sr");
    config.put("stabilizer", "none");
    config.put("seed", seed);
    RunFiles.writeJson(dir.resolve("config.json"), config);
    if (summary) {
      RunFiles.writeJson(dir.resolve("summary.json"), new Summary(1, 2, 0, 0, 9, 100, 10, 10));
    }
    return dir;
  }

  private static void goodMetrics(Path dir) throws Exception {
    try (MetricsLog log = MetricsLog.create(dir.resolve("metrics.csv"), List.of("step", "unadjusted_loss"))) {
      for (int s = 1; s <= 60; s++) {
        log.row(s, 1.0 + 10.0 / s);
      }
    }
  }

  @Test
  void runsWithBrokenMetricsAreLeftOutWithTheReason() throws Exception {
    Path good = runDir("good", 0, true);
    goodMetrics(good);
    Path empty = runDir("empty", 1, false);
    Files.writeString(empty.resolve("metrics.csv"), "");
    Path random = runDir("random", 2, false);
    byte[] noise = new byte[300];
    new Random(7).nextBytes(noise);
    Files.write(random.resolve("metrics.csv"), noise);
    Path missing = runDir("missing", 3, false);
    Path finishedNoMetrics = runDir("finished", 4, true);
    Path badEval = runDir("bad-eval", 5, true);
    goodMetrics(badEval);
    Files.writeString(badEval.resolve("eval.csv"), "step,error\n10,0.5\n");

    List<RunRecord> runs = new ArrayList<>();
    for (Path d : List.of(good, empty, random, missing, finishedNoMetrics, badEval)) {
      runs.add(RunRecord.read(d));
    }
    Report.Result result = Report.write(runs, tmp.resolve("report"), 0);

    assertThat(result.leftOut()).extracting(Report.Problem::dir)
        .containsExactly(empty, random, missing, finishedNoMetrics, badEval);
    assertThat(result.leftOut().get(0).toString())
        .isEqualTo(empty + ": the run is left out: metrics.csv is empty: expected a CSV header;"
            + " no summary.json (unfinished)");
    assertThat(result.leftOut().get(1).what()).isEqualTo("the run");
    assertThat(result.leftOut().get(1).reason()).startsWith("metrics.csv");
    assertThat(result.leftOut().get(1).toString()).doesNotContainPattern("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]");
    assertThat(result.leftOut().get(2).toString())
        .isEqualTo(missing + ": the run is left out: metrics.csv is missing; no summary.json (unfinished)");
    assertThat(result.leftOut().get(3).toString())
        .as("a finished run stays in the tables without its curve")
        .isEqualTo(finishedNoMetrics + ": its training curve is left out: metrics.csv is missing");
    assertThat(result.leftOut().get(4).toString())
        .isEqualTo(badEval + ": its test curve is left out: eval.csv has no column test_error (its"
            + " header: step,error)");
    assertThat(result.groups()).hasSize(1);
    assertThat(result.groups().get(0).runs()).extracting(RunRecord::dir)
        .containsExactly(good, finishedNoMetrics, badEval);
    String md = Files.readString(result.markdown());
    assertThat(md).contains("\n## Left out\n\n- " + empty + ": the run is left out: ");
    assertThat(md).contains("- " + badEval + ": its test curve is left out: ");
  }

  @Test
  void noUsableRunIsAnIllegalArgumentNamingTheReasons() throws Exception {
    Path empty = runDir("empty", 1, false);
    Files.writeString(empty.resolve("metrics.csv"), "");
    assertThatThrownBy(() -> Report.write(List.of(RunRecord.read(empty)), tmp.resolve("report"), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no usable run to report on: " + empty + ": the run is left out: metrics.csv is"
            + " empty: expected a CSV header; no summary.json (unfinished)");
    assertThat(tmp.resolve("report")).doesNotExist();
  }

  @Test
  void aFileWithoutLineEndsIsNotReadWhole() throws Exception {
    Path dir = runDir("long", 0, true);
    Files.writeString(dir.resolve("metrics.csv"), "x".repeat(CsvTable.MAX_LINE_CHARS + 1));
    Report.Result r = Report.write(List.of(RunRecord.read(dir)), tmp.resolve("report"), 0);
    assertThat(r.leftOut()).singleElement().asString()
        .isEqualTo(dir + ": its training curve is left out: metrics.csv line 1: longer than 1000000"
            + " characters: not a CSV file");
  }

  /** Random numeric CSVs with the right header: drawn or left out, never an exception. */
  @Property(tries = 40)
  void randomNumericMetricsNeverBreakTheReport(@ForAll @Size(max = 30) List<Double> losses,
      @ForAll @Size(max = 30) List<Double> steps) throws Exception {
    Path root = Files.createTempDirectory(tmpRoot(), "prop");
    Path dir = root.resolve("run");
    Files.createDirectories(dir);
    RunFiles.writeJson(dir.resolve("config.json"), Map.of("task", "cifar10-sr", "seed", 0));
    RunFiles.writeJson(dir.resolve("summary.json"), new Summary(1, 2, 0, 0, 9, 100, 10, 10));
    StringBuilder csv = new StringBuilder("step,unadjusted_loss\n");
    StringBuilder eval = new StringBuilder("step,test_error\n");
    for (int i = 0; i < losses.size(); i++) {
      String step = i < steps.size() ? String.valueOf(steps.get(i)) : "";
      csv.append(step).append(',').append(losses.get(i)).append('\n');
      eval.append(step).append(',').append(losses.get(i)).append('\n');
    }
    Files.writeString(dir.resolve("metrics.csv"), csv);
    Files.writeString(dir.resolve("eval.csv"), eval);
    Report.Result r = Report.write(List.of(RunRecord.read(dir)), root.resolve("report"), 0);
    assertThat(r.markdown()).exists();
  }

  private static Path tmpRoot() throws Exception {
    return Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "alrc-report-prop"));
  }
}
