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
    assertThat(out.resolve("report/examples.png")).as("one figure: input, off, alrc n=3, truth, errors").exists();
    java.awt.image.BufferedImage examples = javax.imageio.ImageIO.read(out.resolve("report/examples.png").toFile());
    // 6 columns of 64x64 tiles shown at 128 pixels (enlarged to at least 96), 4 apart; a header
    assertThat(examples.getWidth()).isEqualTo(6 * 128 + 7 * 4);
    assertThat(examples.getHeight()).isGreaterThan(4 * 128 + 4 * 4);
    assertThat(md).contains("### off (without-alrc), alrc n=3 (with-alrc)").contains("![examples.png](examples.png)");

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
