package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PartialScanInputTest {
  @Test
  void scanChannelKeepsScannedValuesAndMaskChannelIsNormalised() {
    int side = 32;
    SpiralMask mask = SpiralScan.mask(side);
    float[] image = new HaadfGenerator(HaadfConfig.defaults(side)).generate(1);
    float[] input = PartialScanInput.build(image, mask);
    assertThat(input).hasSize(2 * side * side);
    float maxMask = 0;
    for (int i = 0; i < side * side; i++) {
      float expectedScan = mask.isScanned(i) ? image[i] : 0f;
      assertThat(input[i]).as("scan channel at %d", i).isEqualTo(expectedScan);
      assertThat(input[side * side + i]).as("mask channel at %d", i).isEqualTo(mask.value(i) / mask.maxValue());
      maxMask = Math.max(maxMask, input[side * side + i]);
    }
    assertThat(maxMask).isEqualTo(1f);
  }

  @Test
  void rejectsMismatchedSizes() {
    SpiralMask mask = SpiralScan.mask(16);
    assertThatThrownBy(() -> PartialScanInput.build(new float[100], mask))
        .hasMessage("image of 100 pixels and output of 200 values do not match a 16 x 16 mask (expected 256 and 512)");
  }
}
