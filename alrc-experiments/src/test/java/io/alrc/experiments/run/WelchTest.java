package io.alrc.experiments.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class WelchTest {
  @Test
  void equalSizesAndVariancesGiveIntegerDegreesOfFreedom() {
    // a = [1, 2, 3], b = [4, 5, 6]: means 2 and 5, variances 1 and 1, so
    // se = sqrt(1/3 + 1/3) = 0.8164966, df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4, t(0.975, 4) = 2.7764451,
    // interval -3 -/+ 2.7764451 * 0.8164966 = -3 -/+ 2.2669580
    Welch w = Welch.interval(new double[] {1, 2, 3}, new double[] {4, 5, 6}, 0.95);
    assertThat(w.difference()).isEqualTo(-3);
    assertThat(w.df()).isCloseTo(4, within(1e-12));
    assertThat(w.lower()).as("lower end").isCloseTo(-5.2669580, within(1e-6));
    assertThat(w.upper()).as("upper end").isCloseTo(-0.7330420, within(1e-6));
    assertThat(w.excludesZero()).as("the means differ at the 95% level").isTrue();
  }

  @Test
  void unequalVariancesUseWelchSatterthwaiteDegreesOfFreedom() {
    // a = [1, 2, 3, 4] (mean 2.5, var 5/3), b = [2, 4, 6] (mean 4, var 4):
    // va = 5/12, vb = 4/3, se = sqrt(1.75) = 1.3228757, df = 1.75^2 / ((5/12)^2/3 + (4/3)^2/2) = 3.2347188;
    // t(0.975, 3.2347188) = 3.0557127 (scipy.stats.t.ppf), interval -1.5 -/+ 4.0423280
    Welch w = Welch.interval(new double[] {1, 2, 3, 4}, new double[] {2, 4, 6}, 0.95);
    assertThat(w.difference()).isEqualTo(-1.5);
    assertThat(w.df()).isCloseTo(3.234718826405868, within(1e-12));
    assertThat(w.lower()).isCloseTo(-5.542327954923024, within(1e-8));
    assertThat(w.upper()).isCloseTo(2.5423279549230244, within(1e-8));
    assertThat(w.excludesZero()).as("the interval contains 0").isFalse();
  }

  @ParameterizedTest(name = "t(0.975, {0}) = {1}")
  @CsvSource({"1, 12.706204736174694", "2, 4.302652729749462", "4, 2.7764451051977934",
      "10, 2.228138851986274", "30, 2.0422724563012378", "1000000, 1.959966356814107"})
  void tQuantilesMatchTheTable(double df, double expected) {
    assertThat(Welch.tQuantile(0.975, df)).isCloseTo(expected, within(1e-8));
  }

  @Test
  void edgeCases() {
    assertThat(Welch.interval(new double[] {1}, new double[] {1, 2}, 0.95))
        .as("one repeat has no variance: no interval")
        .isEqualTo(Welch.UNDEFINED);
    assertThat(Welch.UNDEFINED.defined()).isFalse();
    Welch flat = Welch.interval(new double[] {2, 2}, new double[] {1, 1}, 0.95);
    assertThat(flat).as("no spread: the point difference").isEqualTo(new Welch(1, 1, 1, Double.POSITIVE_INFINITY));
    assertThat(Welch.interval(new double[] {1, 2, Double.NaN, 3}, new double[] {4, 5, 6}, 0.95))
        .as("non-finite values are ignored")
        .isEqualTo(Welch.interval(new double[] {1, 2, 3}, new double[] {4, 5, 6}, 0.95));
    assertThatThrownBy(() -> Welch.interval(new double[] {1, 2}, new double[] {1, 2}, 1))
        .hasMessage("level (1.0) must be in (0, 1)");
  }
}
