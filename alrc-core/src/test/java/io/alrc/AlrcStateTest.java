package io.alrc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Tests of {@link AlrcState}: the fresh state, sigma and the consistency checks. */
class AlrcStateTest {

  @Test
  void initialStateHoldsTheConfiguredMomentsAndZeroCounters() {
    AlrcState state = AlrcState.initial(AlrcConfig.reference());

    assertThat(state)
        .as("mu1(0), mu2(0), every counter 0")
        .isEqualTo(new AlrcState(25, 900, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void sigmaIsTheRootOfTheVariancePlusEps() {
    AlrcState state = new AlrcState(25, 900, 0, 0, 0, 0, 0, 0);

    assertThat(state.sigma(1e-8)).as("sqrt(900 - 625 + 1e-8)").isEqualTo(Math.sqrt(275 + 1e-8));
    assertThat(state.sigma(0)).as("sqrt(900 - 625) without eps").isEqualTo(Math.sqrt(275));
  }

  @Test
  void aVarianceBelowZeroByRoundingIsClampedAtZero() {
    // 0.1^2 is 0.010000000000000002 in doubles, above mu2 = 0.01
    AlrcState state = new AlrcState(0.1, 0.01, 0, 0, 0, 0, 0, 0);

    assertThat(state.mu2() - state.mu1() * state.mu1())
        .as("the raw variance is negative")
        .isNegative();
    assertThat(state.sigma(1e-8)).as("sigma falls back to sqrt(eps)").isEqualTo(Math.sqrt(1e-8));
    assertThat(state.sigma(0)).as("with eps 0 sigma is 0, not NaN").isZero();
  }

  @Test
  void rejectsNonFiniteMoments() {
    assertThatThrownBy(() -> new AlrcState(Double.NaN, 900, 0, 0, 0, 0, 0, 0))
        .as("a NaN mean is rejected")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mu1 (NaN) and mu2 (900.0) must be finite");
    assertThatThrownBy(() -> new AlrcState(25, Double.POSITIVE_INFINITY, 0, 0, 0, 0, 0, 0))
        .as("an infinite second moment is rejected")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mu1 (25.0) and mu2 (Infinity) must be finite");
  }

  @Test
  void rejectsNegativeCounters() {
    assertThatThrownBy(() -> new AlrcState(25, 900, -1, 0, 0, 0, 0, 0))
        .as("a negative step count is rejected")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "counters must be >= 0: steps -1, skippedSteps 0, consecutiveSkipped 0, warmupCount 0");
    assertThatThrownBy(() -> new AlrcState(25, 900, 0, 0, 0, -3, 0, 0))
        .as("a negative warm-up count is rejected")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "counters must be >= 0: steps 0, skippedSteps 0, consecutiveSkipped 0, warmupCount -3");
  }

  @Test
  void rejectsInconsistentCounters() {
    assertThatThrownBy(() -> new AlrcState(25, 900, 2, 3, 0, 0, 0, 0))
        .as("more skipped steps than steps is rejected")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("inconsistent counters: steps 2, skippedSteps 3, consecutiveSkipped 0");
    assertThatThrownBy(() -> new AlrcState(25, 900, 5, 1, 2, 0, 0, 0))
        .as("a longer run of skips than skips in total is rejected")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("inconsistent counters: steps 5, skippedSteps 1, consecutiveSkipped 2");
  }
}
