package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AdaptiveGradientClipperTest {
  private final AdaptiveGradientClipper agc = new AdaptiveGradientClipper(0.1, 1e-3);

  @Test
  void clipsEachUnitToLambdaTimesItsWeightNorm() {
    // unit 0: w (3, 4) norm 5, bound 0.5; g (0.6, 0.8) norm 1 -> scaled by 0.5 / 1
    // unit 1: w (1, 0) norm 1, bound 0.1; g (0.05, 0) norm 0.05 -> unchanged
    // unit 2: w (0, 0) norm 0 -> floor 1e-3, bound 1e-4; g (0, 1) norm 1 -> scaled by 1e-4
    float[] w = {3, 4, 1, 0, 0, 0};
    float[] g = {0.6f, 0.8f, 0.05f, 0, 0, 1};
    int clipped = agc.clipInPlace(g, w, 3);
    assertThat(clipped).isEqualTo(2);
    assertThat(g[0]).isCloseTo(0.3f, within(1e-6f));
    assertThat(g[1]).isCloseTo(0.4f, within(1e-6f));
    assertThat(g[2]).isEqualTo(0.05f);
    assertThat(g[5]).isCloseTo(1e-4f, within(1e-9f));
  }

  @Test
  void updateReportsScalesAndTelemetry() {
    AdaptiveGradientClipper.Step step =
        agc.update(new double[] {1, 0.05}, new double[] {5, 1}, agc.init());
    assertThat(step.scales()).containsExactly(0.5, 1.0);
    assertThat(step.telemetry().clipped()).isEqualTo(1);
    assertThat(step.telemetry().minScale()).isEqualTo(0.5);
    assertThat(step.telemetry().observed()).as("largest ratio").isEqualTo(0.2);
    assertThat(step.state().steps()).isEqualTo(1);
  }

  @Test
  void nonFiniteGradientSkipsTheStep() {
    AdaptiveGradientClipper.Step step =
        agc.update(new double[] {1, Double.NaN}, new double[] {5, 1}, agc.init());
    assertThat(step.telemetry().skipped()).isTrue();
    assertThat(step.scales()).containsOnly(0.0);
    assertThat(step.state().steps()).isZero();
  }

  @Test
  void rejectsBadConfigurationAndShapes() {
    assertThatThrownBy(() -> new AdaptiveGradientClipper(0, 1e-3))
        .hasMessage("lambda (0.0) must be finite and > 0");
    assertThatThrownBy(() -> agc.update(new double[2], new double[3], agc.init()))
        .hasMessage("2 gradient norms but 3 weight norms");
    assertThat(new AdaptiveGradientClipper().lambda()).isEqualTo(0.01);
  }

  @Test
  void snapshotRoundTrips() {
    StepCount s = new StepCount(9);
    assertThat(agc.restore(agc.snapshot(s))).isEqualTo(s);
  }
}
