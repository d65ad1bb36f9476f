package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RngTest {
  @Test
  void gaussianHasUnitMomentsAndNormalTails() {
    Rng rng = new Rng(1);
    int n = 400_000;
    double sum = 0;
    double sum2 = 0;
    double sum4 = 0;
    int beyond3 = 0;
    for (int i = 0; i < n; i++) {
      double z = rng.gaussian();
      sum += z;
      sum2 += z * z;
      sum4 += z * z * z * z;
      beyond3 += Math.abs(z) > 3 ? 1 : 0;
    }
    assertThat(sum / n).as("mean").isCloseTo(0, within(0.01));
    assertThat(sum2 / n).as("variance").isCloseTo(1, within(0.01));
    assertThat(sum4 / n).as("fourth moment (3 for a normal)").isCloseTo(3, within(0.05));
    assertThat(beyond3 / (double) n).as("P(|z| > 3) = 0.0027").isCloseTo(0.0027, within(0.0004));
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.3, 4, 20, 31.5, 32, 150})
  void poissonHasMeanAndVarianceLambda(double lambda) {
    Rng rng = new Rng(2);
    int n = 200_000;
    double sum = 0;
    double sum2 = 0;
    for (int i = 0; i < n; i++) {
      double k = rng.poisson(lambda);
      assertThat(k).isEqualTo(Math.rint(k)).isGreaterThanOrEqualTo(0);
      sum += k;
      sum2 += k * k;
    }
    double mean = sum / n;
    double variance = sum2 / n - mean * mean;
    assertThat(mean).as("mean at lambda %s", lambda).isCloseTo(lambda, within(0.02 * lambda + 0.01));
    assertThat(variance).as("variance at lambda %s", lambda).isCloseTo(lambda, within(0.03 * lambda + 0.01));
  }

  @Test
  void exactPoissonMatchesTheProbabilityOfZero() {
    Rng rng = new Rng(3);
    int zeros = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      zeros += rng.poisson(2) == 0 ? 1 : 0;
    }
    assertThat(zeros / (double) n).isCloseTo(StrictMath.exp(-2), within(0.003));
  }

  @Test
  void tabulatedExpIsAccurate() {
    for (double x = 0; x < 32; x += 0.01234) {
      double exact = StrictMath.exp(-x);
      assertThat(Math.abs(Rng.expNegative(x) - exact) / exact).as("x = %s", x).isLessThan(1e-13);
    }
  }
}
