package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpiralScanTest {
  @ParameterizedTest
  @CsvSource({
    "64, 0.05", "96, 0.05", "128, 0.05", "256, 0.05", "96, 0.02", "128, 0.1", "64, 0.25"
  })
  void measuredCoverageMatchesTheRequestedFraction(int side, double fraction) {
    SpiralMask mask = SpiralScan.mask(side, fraction, SpiralScan.Calibration.MEASURED);
    double tolerance = 0.01 * fraction + 2.0 / (side * side);
    assertThat(mask.drawnFraction())
        .as("drawn coverage at side %d, fraction %s", side, fraction)
        .isCloseTo(fraction, within(tolerance));
    assertThat(mask.supportFraction()).as("the blur widens the support").isGreaterThan(2.5 * fraction);
  }

  @Test
  void defaultIsOneTwentiethMeasured() {
    SpiralMask mask = SpiralScan.mask(96);
    assertThat(mask.requestedFraction()).isEqualTo(1.0 / 20);
    assertThat(mask.calibration()).isEqualTo(SpiralScan.Calibration.MEASURED);
    assertThat(mask.side()).isEqualTo(96);
  }

  @Test
  void nominalUsesTheAuthorsConstant() {
    SpiralMask mask = SpiralScan.mask(512, 0.05, SpiralScan.Calibration.NOMINAL);
    assertThat(mask.k()).isEqualTo(1 / (2 * Math.PI * 0.05));
    assertThat(mask.drawnFraction()).as("8-connected lines cover less than their length").isBetween(0.044, 0.046);
  }

  @Test
  void maskIsTheBlurredPathInSixteenths() {
    SpiralMask mask = SpiralScan.mask(128);
    float[] path = mask.path();
    float[] m = mask.mask();
    for (int i = 0; i < m.length; i++) {
      float sixteenths = m[i] * 16;
      assertThat(sixteenths).as("pixel %d in 1/16", i).isEqualTo((float) Math.rint(sixteenths));
      assertThat(m[i]).isBetween(0f, 1f);
      if (path[i] > 0) {
        assertThat(mask.isScanned(i)).as("path pixel %d is scanned", i).isTrue();
      }
    }
    assertThat(mask.maxValue()).isGreaterThanOrEqualTo(0.5f);
  }

  @Test
  void pathIsConnected() {
    // Every path pixel has a path neighbour (8-connectivity): no isolated dots.
    int side = 128;
    float[] path = SpiralScan.mask(side).path();
    int isolated = 0;
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        if (path[y * side + x] == 0) {
          continue;
        }
        boolean neighbour = false;
        for (int dy = -1; dy <= 1 && !neighbour; dy++) {
          for (int dx = -1; dx <= 1 && !neighbour; dx++) {
            int xx = x + dx;
            int yy = y + dy;
            neighbour = (dx != 0 || dy != 0) && xx >= 0 && yy >= 0 && xx < side && yy < side
                && path[yy * side + xx] > 0;
          }
        }
        isolated += neighbour ? 0 : 1;
      }
    }
    assertThat(isolated).isZero();
  }

  @Test
  void blurSpreadsOnePixelAsTheBinomialKernel() {
    float[] image = new float[25];
    image[12] = 1;
    float[] out = SpiralScan.blur3x3(image, 5);
    assertThat(out).containsExactly(
        0, 0, 0, 0, 0,
        0, 1 / 16f, 2 / 16f, 1 / 16f, 0,
        0, 2 / 16f, 4 / 16f, 2 / 16f, 0,
        0, 1 / 16f, 2 / 16f, 1 / 16f, 0,
        0, 0, 0, 0, 0);
    float[] corner = new float[25];
    corner[0] = 1;
    // Reflection without repeating the edge: the corner's mirror images are not counted again.
    assertThat(SpiralScan.blur3x3(corner, 5)[0]).isEqualTo(4 / 16f);
    assertThat(SpiralScan.blur3x3(corner, 5)[1]).isEqualTo(2 / 16f);
  }

  @Test
  void masksAreDeterministic() {
    assertThat(SpiralScan.mask(64).mask()).isEqualTo(SpiralScan.mask(64).mask());
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> SpiralScan.mask(4)).hasMessage("side (4) must be >= 8");
    assertThatThrownBy(() -> SpiralScan.mask(64, 0, SpiralScan.Calibration.MEASURED))
        .hasMessage("fraction (0.0) must be in (0, 0.25]");
    assertThatThrownBy(() -> SpiralScan.mask(64, 0.3, SpiralScan.Calibration.NOMINAL))
        .hasMessage("fraction (0.3) must be in (0, 0.25]");
  }
}
