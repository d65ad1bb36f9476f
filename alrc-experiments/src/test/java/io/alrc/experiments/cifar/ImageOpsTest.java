package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ImageOpsTest {
  @Test
  void standardizeUsesThePopulationStandardDeviation() {
    // mean 2.5; deviations -1.5 -0.5 0.5 1.5; variance (2.25+0.25+0.25+2.25)/4 = 1.25.
    float[] x = {1, 2, 3, 4};
    double scale = ImageOps.standardize(x, 0, 4);
    double s = Math.sqrt(1.25);
    assertThat(scale).isCloseTo(s, within(1e-12));
    assertThat(x[0]).isCloseTo((float) (-1.5 / s), within(1e-7f)); // -1.3416408
    assertThat(x[1]).isCloseTo((float) (-0.5 / s), within(1e-7f)); // -0.4472136
    assertThat(x[2]).isCloseTo((float) (0.5 / s), within(1e-7f));
    assertThat(x[3]).isCloseTo((float) (1.5 / s), within(1e-7f));
  }

  @Test
  void standardizeFloorsTheDivisorAtOneOverSqrtN() {
    // N = 2: std of {0, 0.1} is 0.05 < 1/sqrt(2), so the divisor is 1/sqrt(2).
    float[] x = {0f, 0.1f};
    double scale = ImageOps.standardize(x, 0, 2);
    assertThat(scale).isEqualTo(1 / Math.sqrt(2));
    assertThat(x[0]).isCloseTo(-0.05f * (float) Math.sqrt(2), within(1e-7f));
    assertThat(x[1]).isCloseTo(0.05f * (float) Math.sqrt(2), within(1e-7f));

    float[] uniform = new float[3072];
    java.util.Arrays.fill(uniform, 77f);
    assertThat(ImageOps.standardize(uniform, 0, 3072)).isEqualTo(1 / Math.sqrt(3072));
    assertThat(uniform).as("a uniform image becomes all zeros").containsOnly(0f);
  }

  @Test
  void standardizeWorksAtAnOffset() {
    float[] x = {99, 1, 2, 3, 4, 99};
    ImageOps.standardize(x, 1, 4);
    assertThat(x[0]).isEqualTo(99f);
    assertThat(x[5]).isEqualTo(99f);
    assertThat(x[1] + x[4]).isCloseTo(0f, within(1e-6f));
  }

  @Test
  void contrastScalesDeviationsAboutEachChannelsOwnMean() {
    // Two channels of two pixels: means 2 and 20.
    float[] x = {1, 3, 10, 30};
    ImageOps.adjustContrast(x, 0, 2, 2, 1.5f);
    assertThat(x).containsExactly(0.5f, 3.5f, 5f, 35f);
  }

  @Test
  void brightnessAddsWithoutClipping() {
    float[] x = {0, 200, 255};
    ImageOps.addBrightness(x, 0, 3, 63f);
    assertThat(x).containsExactly(63f, 263f, 318f);
    ImageOps.addBrightness(x, 0, 3, -100f);
    assertThat(x).containsExactly(-37f, 163f, 218f);
  }

  @Test
  void flipMirrorsEachRowOfEachChannel() {
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    ImageOps.flipLeftRight(x, 0, 2, 2, 3);
    assertThat(x).containsExactly(3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10);
  }
}
