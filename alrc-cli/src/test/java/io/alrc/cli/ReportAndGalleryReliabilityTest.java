package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.alrc.experiments.run.MetricsLog;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.run.Summary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alrc report} and {@code alrc stem-gallery} on what the hostile-user trial gave them: runs
 * with empty, random or missing files, an eval.csv with the wrong columns, an {@code --out} that is
 * a file. Exit 0 with the left-out runs named, or exit 2; never an internal error.
 */
class ReportAndGalleryReliabilityTest {
  @TempDir Path tmp;

  private Path run(String name, int seed, boolean metrics, boolean summary) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("sweep").resolve(name));
    RunFiles.writeJson(dir.resolve("config.json"),
        Map.of("task", "cifar10-sr", "stabilizer", "none", "seed", seed));
    if (metrics) {
      try (MetricsLog log = MetricsLog.create(dir.resolve("metrics.csv"), List.of("step", "unadjusted_loss"))) {
        for (int s = 1; s <= 20; s++) {
          log.row(s, 10.0 / s);
        }
      }
    }
    if (summary) {
      RunFiles.writeJson(dir.resolve("summary.json"), new Summary(1, 2, 0, 0, 10, 20, 5, 4));
    }
    return dir;
  }

  @Test
  void runsWithBrokenFilesAreNamedOnStderrAndInTheReport() throws Exception {
    run("good", 0, true, true);
    Path empty = run("empty", 1, false, false);
    Files.writeString(empty.resolve("metrics.csv"), "");
    Path missing = run("missing", 2, false, false);
    Path badEval = run("bad-eval", 3, true, true);
    Files.writeString(badEval.resolve("eval.csv"), "step,loss,extra\n1,2,3\n");
    Path badConfig = Files.createDirectories(tmp.resolve("sweep/bad-config"));
    Files.writeString(badConfig.resolve("config.json"), "{not json\u001B[31m");

    Cli.Result r = Cli.run("report", tmp.resolve("sweep").toString(), "--no-examples");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.errLines()).hasSize(4);
    assertThat(r.errLines().get(0)).startsWith("alrc report: warning: " + badConfig + ": the run is left out: ");
    assertThat(r.err()).doesNotContain("\u001B");
    assertThat(r.errLines()).contains(
        "alrc report: warning: " + badEval + ": its test curve is left out: eval.csv has no column"
            + " test_error (its header: step,loss,extra)",
        "alrc report: warning: " + empty + ": the run is left out: metrics.csv is empty: expected a"
            + " CSV header; no summary.json (unfinished)",
        "alrc report: warning: " + missing + ": the run is left out: metrics.csv is missing; no"
            + " summary.json (unfinished)");
    String md = Files.readString(tmp.resolve("sweep/report/report.md"));
    assertThat(md).contains("## Left out").contains(missing + ": the run is left out");
  }

  @Test
  void noUsableRunIsExit2() throws Exception {
    Path empty = run("empty", 1, false, false);
    Files.writeString(empty.resolve("metrics.csv"), "");
    Cli.Result r = Cli.run("report", empty.toString(), "--no-examples");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("alrc report: no usable run to report on: " + empty
        + ": the run is left out: metrics.csv is empty: expected a CSV header; no summary.json"
        + " (unfinished)");
  }

  @Test
  void anOutThatIsAFileIsExit2ForReportAndGallery() throws Exception {
    run("good", 0, true, true);
    Path file = Files.writeString(tmp.resolve("taken"), "a file");
    Cli.Result report = Cli.run("report", tmp.resolve("sweep").toString(), "--out", file.toString(),
        "--no-examples");
    assertThat(report.exitCode()).isEqualTo(2);
    assertThat(report.errLines()).containsExactly("alrc report: --out " + file + " is a file, not a directory");

    Cli.Result gallery = Cli.run("stem-gallery", "--out", file.toString(), "--count", "1", "--size", "16");
    assertThat(gallery.exitCode()).isEqualTo(2);
    assertThat(gallery.errLines()).containsExactly("alrc stem-gallery: --out " + file + " is a file, not a directory");
    assertThat(Files.readString(file)).isEqualTo("a file");
  }
}
