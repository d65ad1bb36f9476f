package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class NormalisationTest {
  @Test
  void mapsMinToMinusOneAndMaxToOne() {
    float[] p = {2, 4, 6, 3};
    assertThat(Normalisation.toSymmetricUnitRange(p)).containsExactly(-1f, 0f, 1f, -0.5f);
  }

  @Test
  void constantImageBecomesZeros() {
    assertThat(Normalisation.toSymmetricUnitRange(new float[] {5, 5, 5 + 1e-7f})).containsOnly(0f);
  }

  @Test
  void nonFinitePixelsBecomeZeroBeforeScaling() {
    float[] p = {Float.NaN, 2, Float.POSITIVE_INFINITY, 4};
    // NaN and infinity -> 0, then [0, 4] -> [-1, 1]
    assertThat(Normalisation.toSymmetricUnitRange(p)).containsExactly(-1f, 0f, -1f, 1f);
  }

  @Property(tries = 200)
  void resultSpansExactlyMinusOneToOne(
      @ForAll @Size(min = 2, max = 50) float @FloatRange(min = -1e6f, max = 1e6f) [] pixels) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : pixels) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    boolean constant = max - (double) min < Normalisation.CONSTANT_BELOW;
    float[] out = Normalisation.toSymmetricUnitRange(pixels.clone());
    for (float v : out) {
      assertThat(v).isBetween(-1f, 1f);
    }
    if (!constant) {
      assertThat(out).contains(-1f, 1f);
    }
  }
}
