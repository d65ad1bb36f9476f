package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SupersamplingTest {
  @Test
  void downsamplingAveragesBlocks() {
    float[] image = {
      1, 3, 5, 5,
      1, 3, 5, 5,
      0, 0, 2, 2,
      0, 4, 2, 2
    };
    assertThat(Supersampling.downsample(image, 4, 2)).containsExactly(2, 5, 1, 2);
    assertThat(Supersampling.downsample(image, 4, 4)).containsExactly(2.5f);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4})
  void linearRampsSurviveAwayFromTheEdges(int factor) {
    // Area averaging and half-pixel bilinear upsampling both preserve a linear ramp, so the
    // round trip is exact wherever no clamping happens (at least factor / 2 pixels from an edge).
    int size = 32;
    float[] ramp = new float[size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        ramp[y * size + x] = 0.1f * x - 0.05f * y;
      }
    }
    float[] out = Supersampling.input(ramp, size, factor);
    int margin = factor / 2;
    for (int y = margin; y < size - margin; y++) {
      for (int x = margin; x < size - margin; x++) {
        assertThat(out[y * size + x]).as("(%d, %d)", x, y).isCloseTo(ramp[y * size + x], within(1e-5f));
      }
    }
  }

  @Test
  void constantImagesAreUnchanged() {
    float[] image = new float[64];
    java.util.Arrays.fill(image, 0.25f);
    assertThat(Supersampling.input(image, 8, 4)).containsOnly(0.25f);
  }

  @Test
  void rejectsSizesThatAreNotMultiples() {
    assertThatThrownBy(() -> Supersampling.input(new float[36], 6, 4))
        .hasMessage("a 6 x 6 image (36 pixels) cannot be downsampled by 4: size must be a multiple of it");
  }
}
