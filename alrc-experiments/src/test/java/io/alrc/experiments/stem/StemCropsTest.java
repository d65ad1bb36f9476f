package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StemCropsTest {
  private static StemImage ramp(int w, int h) {
    float[] p = new float[w * h];
    for (int i = 0; i < p.length; i++) {
      p[i] = i * 0.5f + (i % 7) * 0.01f;
    }
    return new StemImage("ramp", w, h, p);
  }

  @Test
  void seedFixesPositionAndSymmetry() {
    StemImage image = ramp(40, 30);
    StemCrops.Crop a = StemCrops.random(image, 16, 99);
    StemCrops.Crop b = StemCrops.random(image, 16, 99);
    assertThat(b).usingRecursiveComparison().isEqualTo(a);
    StemCrops.Crop c = StemCrops.random(image, 16, 100);
    assertThat(c.pixels()).isNotEqualTo(a.pixels());
  }

  @Test
  void cropIsTheSymmetricSubImageNormalised() {
    StemImage image = ramp(10, 8);
    StemCrops.Crop crop = StemCrops.crop(image, 3, 2, 4, Dihedral.ROT90);
    float[] window = new float[16];
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        window[y * 4 + x] = image.pixel(3 + x, 2 + y);
      }
    }
    float[] expected = Normalisation.toSymmetricUnitRange(Dihedral.ROT90.apply(window, 4, 4));
    assertThat(crop.pixels()).isEqualTo(expected);
    assertThat(crop.pixels()).contains(-1f, 1f);
    assertThat(crop.x()).isEqualTo(3);
    assertThat(crop.symmetry()).isEqualTo(Dihedral.ROT90);
  }

  @Test
  void randomCropsUseEverySymmetryAndEveryPosition() {
    StemImage image = ramp(12, 9);
    Set<Dihedral> seen = EnumSet.noneOf(Dihedral.class);
    boolean[] xs = new boolean[12 - 8 + 1];
    boolean[] ys = new boolean[9 - 8 + 1];
    for (long seed = 0; seed < 300; seed++) {
      StemCrops.Crop crop = StemCrops.random(image, 8, seed);
      seen.add(crop.symmetry());
      xs[crop.x()] = true;
      ys[crop.y()] = true;
    }
    assertThat(seen).hasSize(8);
    assertThat(xs).containsOnly(true);
    assertThat(ys).containsOnly(true);
  }

  @Test
  void rejectsCropsThatDoNotFit() {
    StemImage image = ramp(10, 8);
    assertThatThrownBy(() -> StemCrops.random(image, 9, 1))
        .hasMessage("ramp: crop size 9 must be in [1, 8] for a 10 x 8 image");
    assertThatThrownBy(() -> StemCrops.crop(image, 5, 0, 6, Dihedral.IDENTITY))
        .hasMessage("ramp: a 6 x 6 crop at (5, 0) does not fit in 10 x 8");
  }
}
