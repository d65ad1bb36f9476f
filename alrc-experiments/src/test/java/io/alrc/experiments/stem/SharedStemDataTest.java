package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks against the real micrographs in {@code <alrc.shared.dir>/data/stem}; skipped when that
 * directory is absent. The build passes {@code alrc.shared.dir}; override it with {@code
 * -Dalrc.shared.dir=...} on the Maven command line.
 */
class SharedStemDataTest {
  private Path examples;

  @BeforeEach
  void locateData() {
    String shared = System.getProperty("alrc.shared.dir");
    assumeTrue(shared != null, "system property alrc.shared.dir is not set");
    examples = Path.of(shared, "data", "stem", "partial-STEM_examples");
    assumeTrue(Files.isDirectory(examples), examples + " is absent");
  }

  @Test
  void truthOneTiffAndPngAgreeToOne65535th() throws IOException {
    StemImage tif = StemImages.read(examples.resolve("tif/truth-1.tif"));
    StemImage png = StemImages.read(examples.resolve("png16/truth-1.png"));
    assertThat(tif.width()).isEqualTo(512);
    assertThat(tif.height()).isEqualTo(512);
    assertThat(png.width()).isEqualTo(512);
    assertThat(png.height()).isEqualTo(512);
    float[] a = tif.pixels();
    float[] b = png.pixels();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      min = Math.min(min, a[i]);
      max = Math.max(max, a[i]);
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    assertThat(min).as("TIFF minimum: min-max scaled").isEqualTo(0.0);
    assertThat(max).as("TIFF maximum: min-max scaled").isEqualTo(1.0);
    assertThat(worst).as("PNG = round(x * 65535): within half a code").isLessThanOrEqualTo(1.0 / 65535);
  }

  @Test
  void everyExampleFileReads() throws IOException {
    for (String name : new String[] {"mask", "truth-2", "truth-5", "partial_scan-3"}) {
      StemImage tif = StemImages.read(examples.resolve("tif/" + name + ".tif"));
      StemImage png = StemImages.read(examples.resolve("png16/" + name + ".png"));
      assertThat(tif.width()).as(name).isEqualTo(512);
      assertThat(png.height()).as(name).isEqualTo(512);
    }
    Path velox = examples.resolveSibling("hyperspy_fei_velox_haadf/fei_emd_image_512x512_uint16.png");
    if (Files.exists(velox)) {
      StemImage image = StemImages.read(velox);
      assertThat(image.width()).isEqualTo(512);
      assertThat(image.finiteRange()[1]).isLessThanOrEqualTo(1.0);
    }
  }

  @Test
  void nominalSpiralReproducesTheAuthorsMaskExactly() throws IOException {
    float[] authors = StemImages.read(examples.resolve("tif/mask.tif")).pixels();
    SpiralMask mask = SpiralScan.mask(512, 1.0 / 20, SpiralScan.Calibration.NOMINAL);
    assertThat(mask.mask()).as("every pixel of the authors' mask.tif").isEqualTo(authors);
    assertThat(mask.maxValue()).isEqualTo(0.625f);
    assertThat(mask.supportFraction()).isEqualTo(45773 / 262144.0);
    assertThat(mask.drawnFraction()).as("the authors' drawn path covers less than 1/20").isLessThan(0.046);

    SpiralMask measured = SpiralScan.mask(512);
    assertThat(measured.drawnFraction()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(0.0001));
    assertThat(measured.supportFraction()).as("wider support than the authors'").isBetween(0.19, 0.195);
  }

  @Test
  void partialScansLieOnTheMaskSupport() throws IOException {
    float[] mask = StemImages.read(examples.resolve("tif/mask.tif")).pixels();
    float[] scan = StemImages.read(examples.resolve("tif/partial_scan-1.tif")).pixels();
    int mismatches = 0;
    for (int i = 0; i < mask.length; i++) {
      mismatches += (scan[i] != 0) != (mask[i] > 0) ? 1 : 0;
    }
    assertThat(mismatches).as("pixels scanned in one but not the other").isZero();
  }
}
