package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ZClipTest {
  @Test
  void warmUpThenReciprocalClippingWithTheEmaOfTheClippedNorm() {
    ZClip z = new ZClip(0.5, 2.0, 2);
    ZClip.State s = z.init();
    // warm-up norms 1 and 3: no clipping; then mean 2, var ((1-2)^2 + (3-2)^2) / 2 = 1
    NormStep<ZClip.State> step = z.update(1, s);
    assertThat(step.scale()).isEqualTo(1.0);
    step = z.update(3, step.state());
    assertThat(step.scale()).isEqualTo(1.0);
    assertThat(step.state().mean()).isEqualTo(2.0);
    assertThat(step.state().variance()).isEqualTo(1.0);
    // norm 10: std 1, z = 8 / (1 + 1e-6); clipped to 2 + (4 / z) * 1
    step = z.update(10, step.state());
    double zScore = 8 / (1 + 1e-6);
    double clippedNorm = 2 + 4 / zScore;
    assertThat(step.scale()).isCloseTo(clippedNorm / (10 + 1e-6), within(1e-15));
    assertThat(step.telemetry().threshold()).as("mean + z_thr * std before the step").isEqualTo(4.0);
    // EMA with the clipped norm; the variance uses the updated mean
    double mean = 0.5 * 2 + 0.5 * clippedNorm;
    double var = 0.5 * 1 + 0.5 * (clippedNorm - mean) * (clippedNorm - mean);
    assertThat(step.state().mean()).isCloseTo(mean, within(1e-15));
    assertThat(step.state().variance()).isCloseTo(var, within(1e-15));
  }

  @Test
  void normBelowTheThresholdIsLeftAloneAndStillUpdatesTheEma() {
    ZClip z = new ZClip(0.5, 2.0, 1);
    ZClip.State s = z.update(2, z.init()).state(); // mean 2, var 0
    NormStep<ZClip.State> step = z.update(2, s);
    assertThat(step.scale()).isEqualTo(1.0);
    assertThat(step.state().mean()).isEqualTo(2.0);
  }

  @Test
  void defaultsAreTheAuthors() {
    ZClip z = new ZClip();
    assertThat(z.alpha()).isEqualTo(0.97);
    assertThat(z.zThreshold()).isEqualTo(2.5);
    assertThat(z.warmup()).isEqualTo(25);
  }

  @Test
  void rejectsBadConfiguration() {
    assertThatThrownBy(() -> new ZClip(1, 2.5, 25)).hasMessage("alpha (1.0) must be in (0, 1)");
    assertThatThrownBy(() -> new ZClip(0.97, 0, 25))
        .hasMessage("zThreshold (0.0) must be finite and > 0");
    assertThatThrownBy(() -> new ZClip(0.97, 2.5, 0)).hasMessage("warmup (0) must be >= 1");
  }
}
