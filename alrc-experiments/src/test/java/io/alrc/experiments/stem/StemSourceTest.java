package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StemSourceTest {
  @Test
  void syntheticSourceIsIndexable() {
    StemSource source = StemSource.synthetic(HaadfConfig.defaults(32), 4);
    assertThat(source.size()).isEqualTo(32);
    assertThat(source.image(7)).isEqualTo(source.image(7));
    assertThat(source.image(7)).isEqualTo(new HaadfGenerator(HaadfConfig.defaults(32)).generate(HaadfGenerator.seed(4, 7)));
    assertThat(source.image(8)).isNotEqualTo(source.image(7));
  }

  @Test
  void cropSourceDrawsFromEveryImage() {
    float[] zeros = new float[20 * 20];
    float[] ramp = new float[20 * 20];
    for (int i = 0; i < ramp.length; i++) {
      ramp[i] = i;
    }
    StemSource source =
        StemSource.crops(List.of(new StemImage("flat", 20, 20, zeros), new StemImage("ramp", 20, 20, ramp)), 8, 1);
    int flat = 0;
    for (long i = 0; i < 40; i++) {
      float[] crop = source.image(i);
      assertThat(crop).hasSize(64);
      flat += crop[0] == 0 && crop[63] == 0 ? 1 : 0;
    }
    assertThat(flat).as("crops of the flat image (all 0 after normalisation)").isBetween(5, 35);
    assertThat(source.image(3)).isEqualTo(source.image(3));
  }

  @Test
  void cropSourceRejectsSmallImages() {
    assertThatThrownBy(() -> StemSource.crops(List.of(new StemImage("tiny", 4, 6, new float[24])), 5, 0))
        .hasMessage("tiny: 4 x 6 is smaller than the crop size 5");
    assertThatThrownBy(() -> StemSource.crops(List.of(), 5, 0)).hasMessage("images must not be empty");
  }
}
