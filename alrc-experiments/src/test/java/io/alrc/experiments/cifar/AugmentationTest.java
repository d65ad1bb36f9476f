package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentationTest {
  @Test
  void drawsStayInTheirRangesAndCoverThem() {
    SplittableRandom rng = new SplittableRandom(42);
    int n = 100_000;
    int flips = 0;
    float minDelta = Float.MAX_VALUE;
    float maxDelta = -Float.MAX_VALUE;
    float minFactor = Float.MAX_VALUE;
    float maxFactor = -Float.MAX_VALUE;
    double sumDelta = 0;
    double sumFactor = 0;
    for (int i = 0; i < n; i++) {
      Augmentation a = Augmentation.draw(rng);
      flips += a.flip() ? 1 : 0;
      minDelta = Math.min(minDelta, a.brightnessDelta());
      maxDelta = Math.max(maxDelta, a.brightnessDelta());
      minFactor = Math.min(minFactor, a.contrastFactor());
      maxFactor = Math.max(maxFactor, a.contrastFactor());
      sumDelta += a.brightnessDelta();
      sumFactor += a.contrastFactor();
    }
    assertThat(flips / (double) n).as("flip probability 0.5").isCloseTo(0.5, within(0.01));
    assertThat(minDelta).isGreaterThanOrEqualTo(-63f).isLessThan(-62.9f);
    assertThat(maxDelta).isLessThanOrEqualTo(63f).isGreaterThan(62.9f);
    assertThat(sumDelta / n).as("mean delta of U(-63, 63)").isCloseTo(0, within(0.5));
    assertThat(minFactor).isGreaterThanOrEqualTo(0.2f).isLessThan(0.202f);
    assertThat(maxFactor).isLessThanOrEqualTo(1.8f).isGreaterThan(1.798f);
    assertThat(sumFactor / n).as("mean factor of U(0.2, 1.8)").isCloseTo(1.0, within(0.01));
  }

  @Test
  void sameGeneratorStateGivesTheSameChoices() {
    assertThat(Augmentation.draw(new SplittableRandom(5)))
        .isEqualTo(Augmentation.draw(new SplittableRandom(5)));
    assertThat(Augmentation.NONE).isEqualTo(new Augmentation(false, 0f, 1f));
  }
}
