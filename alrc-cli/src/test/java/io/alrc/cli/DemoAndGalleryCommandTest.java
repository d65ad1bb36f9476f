package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoAndGalleryCommandTest {
  @TempDir Path tmp;

  @Test
  void demoTrainsBothRunsAndWritesTheReport() throws Exception {
    Path out = tmp.resolve("demo");
    Cli.Result r = Cli.run("demo", "--steps", "16", "--threads", "1", "--out", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.outLines()).as("a five-line summary").hasSize(5);
    assertThat(r.outLines().get(0)).startsWith("ALRC demo: STEM partial-scan completion, 64x64, batch 1");
    assertThat(r.outLines().get(1)).startsWith("without ALRC: final test error ");
    assertThat(r.outLines().get(2)).startsWith("with ALRC (n = 3): final test error ");
    assertThat(r.outLines().get(4)).isEqualTo(
        "report: " + out.resolve("report/report.md") + " (learning curves, final errors, example completions)");
    String md = Files.readString(out.resolve("report/report.md"));
    assertThat(md).contains("## Final test error").contains("| off | alrc n=3 |").contains("## Example images");
    assertThat(out.resolve("report/train-curves.png")).exists();
    assertThat(out.resolve("report/examples-off.png")).exists();
    assertThat(out.resolve("report/examples-alrc-n-3.png")).exists();

    Cli.Result again = Cli.run("demo", "--steps", "16", "--threads", "1", "--out", out.toString());
    assertThat(again.exitCode()).as("a second demo replaces the first").isZero();
  }

  @Test
  void demoRefusesToOverwriteSomethingElse() throws Exception {
    Path out = tmp.resolve("mine");
    Files.createDirectories(out.resolve("with-alrc"));
    Files.writeString(out.resolve("with-alrc/notes.txt"), "keep me");
    Cli.Result r = Cli.run("demo", "--steps", "16", "--out", out.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("is not a demo run: choose another --out");
    assertThat(out.resolve("with-alrc/notes.txt")).exists();
  }

  @Test
  void stemGalleryWritesImagesAndAContactSheet() {
    Path out = tmp.resolve("gallery");
    Cli.Result r = Cli.run("stem-gallery", "--out", out.toString(), "--count", "2", "--size", "32");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(out.resolve("haadf-000.png")).exists();
    assertThat(out.resolve("contact-sheet.png")).exists();
    assertThat(r.outLines()).hasSize(3);
    assertThat(Cli.run("stem-gallery", "--count", "0", "--out", out.toString()).exitCode()).isEqualTo(2);
  }
}
