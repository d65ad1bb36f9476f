package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdaGCTest {
  private static final double EPS = 1e-6;

  @Test
  void warmUpClipsGloballyAndTracksTheMinimumOfTheClippedNorms() {
    AdaGC ada = new AdaGC(2, 1.0, 1.5, 0.5, 2);
    // step 1 (warm-up): norms (3, 4), global norm 5 > lambda_abs 1 -> h = 1 / (5 + 1e-6) for both;
    // gamma starts at the CLIPPED norms (3h, 4h)
    AdaGC.Step s = ada.update(new double[] {3, 4}, ada.init());
    double h = 1 / (5 + EPS);
    assertThat(s.scales()).containsExactly(h, h);
    assertThat(s.state().gamma()).containsExactly(3 * h, 4 * h);
    assertThat(s.telemetry().observed()).as("global norm").isEqualTo(5.0);
    assertThat(s.telemetry().threshold()).as("lambda_abs").isEqualTo(1.0);
    assertThat(s.telemetry().clipped()).isEqualTo(2);
    assertThat(s.telemetry().minScale()).isEqualTo(h);
    // step 2 (warm-up, the last): norms (0.3, 0.4), global 0.5 < 1 -> not clipped;
    // gamma = min(3h, 0.3) = 0.3 and min(4h, 0.4) = 0.4 (3h ~ 0.6, 4h ~ 0.8)
    s = ada.update(new double[] {0.3, 0.4}, s.state());
    assertThat(s.scales()).containsExactly(1.0, 1.0);
    assertThat(s.state().gamma()).containsExactly(0.3, 0.4);
    assertThat(s.telemetry().clipped()).isZero();
    assertThat(s.telemetry().minScale()).isEqualTo(1.0);
    // step 3 (per tensor): tensor 0: 0.3 <= 1.5 * 0.3 -> scale 1, gamma 0.5 * 0.3 + 0.5 * 0.3;
    // tensor 1: 1.0 > 1.5 * 0.4 = 0.6 -> scale 0.6 / (1 + 1e-6), and the EMA takes the CLIPPED
    // norm 0.6: gamma 0.5 * 0.4 + 0.5 * 0.6 = 0.5
    s = ada.update(new double[] {0.3, 1.0}, s.state());
    double bound = 1.5 * 0.4;
    assertThat(s.scales()).containsExactly(1.0, bound / (1.0 + EPS));
    assertThat(s.state().gamma()).containsExactly(0.5 * 0.3 + 0.5 * 0.3, 0.5 * 0.4 + 0.5 * bound);
    assertThat(s.telemetry().observed()).as("largest ||g|| / gamma: 1 / 0.4").isEqualTo(1.0 / 0.4);
    assertThat(s.telemetry().threshold()).as("lambda_rel").isEqualTo(1.5);
    assertThat(s.telemetry().clipped()).isEqualTo(1);
    assertThat(s.telemetry().minScale()).isEqualTo(bound / (1.0 + EPS));
    assertThat(s.telemetry().mean()).isNaN();
    // step 4: both under their bounds (0.45 and 0.75): EMAs of the raw norms
    AdaGC.State before = s.state();
    s = ada.update(new double[] {0.2, 0.5}, before);
    assertThat(s.scales()).containsExactly(1.0, 1.0);
    assertThat(s.state().gamma())
        .containsExactly(
            0.5 * before.gamma(0) + 0.5 * 0.2, 0.5 * before.gamma(1) + 0.5 * 0.5);
    assertThat(s.state().steps()).isEqualTo(4);
  }

  @Test
  void warmUpEndsAfterExactlyTStartSteps() {
    AdaGC ada = new AdaGC(1, 10.0, 1.05, 0.9, 2);
    // steps 1 and 2 are warm-up: norm 5 is five times gamma = 1 but under lambda_abs = 10
    AdaGC.State s = ada.update(new double[] {1}, ada.init()).state();
    AdaGC.Step two = ada.update(new double[] {5}, s);
    assertThat(two.scale(0)).as("step 2 = T_start is still warm-up").isEqualTo(1.0);
    assertThat(two.state().gamma(0)).as("running minimum").isEqualTo(1.0);
    // step 3 is the first per-tensor step: 5 > 1.05 * 1
    AdaGC.Step three = ada.update(new double[] {5}, two.state());
    assertThat(three.scale(0)).isEqualTo(1.05 / (5 + EPS));
    assertThat(three.state().gamma(0)).isEqualTo(0.9 * 1.0 + (1 - 0.9) * 1.05);
  }

  @Test
  void withoutWarmUpEachTensorStartsFromItsFirstNorm() {
    AdaGC ada = new AdaGC(2, 1.0, 1.05, 0.98, 0);
    // as the reference: gamma_i = ||g_i|| on first sight, so the first step clips nothing, even
    // though the global norm 50 is far above lambda_abs
    AdaGC.Step s = ada.update(new double[] {30, 40}, ada.init());
    assertThat(s.scales()).containsExactly(1.0, 1.0);
    assertThat(s.state().gamma()).containsExactly(0.98 * 30 + (1 - 0.98) * 30.0,
        0.98 * 40 + (1 - 0.98) * 40.0);
    assertThat(s.telemetry().observed()).isEqualTo(1.0);
  }

  @Test
  void aZeroNormNeitherClipsNorMovesGamma() {
    AdaGC ada = new AdaGC(2, 1.0, 1.05, 0.5, 1);
    // warm-up: tensor 0 has no gradient (norm 0): its gamma stays unset instead of becoming 0
    AdaGC.Step s = ada.update(new double[] {0, 2}, ada.init());
    double h = 1 / (2 + EPS);
    assertThat(s.scales()).containsExactly(h, h);
    assertThat(s.state().gamma(0)).isNaN();
    assertThat(s.state().gamma(1)).isEqualTo(2 * h);
    // after the warm-up, tensor 0's first non-zero norm initialises its gamma (scale 1);
    // tensor 1's zero norm leaves its gamma as it was
    s = ada.update(new double[] {0.7, 0}, s.state());
    assertThat(s.scales()).containsExactly(1.0, 1.0);
    assertThat(s.state().gamma()).containsExactly(0.5 * 0.7 + 0.5 * 0.7, 2 * h);
    // ... so a later ordinary norm of tensor 0 is compared with 1.05 * 0.7, not frozen at 0
    s = ada.update(new double[] {0.7, 0.5}, s.state());
    assertThat(s.scales()).containsExactly(1.0, 1.0);
    assertThat(s.telemetry().clipped()).isZero();
  }

  @Test
  void nonFiniteNormSkipsTheStepWithoutAdvancingTheWarmUp() {
    AdaGC ada = new AdaGC(2, 1.0, 1.05, 0.9, 1);
    AdaGC.State fresh = ada.init();
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
      AdaGC.Step s = ada.update(new double[] {1, bad}, fresh);
      assertThat(s.skipped()).isTrue();
      assertThat(s.scales()).containsExactly(0.0, 0.0);
      assertThat(s.state()).isSameAs(fresh);
      assertThat(s.telemetry().step()).isEqualTo(1);
      assertThat(Double.valueOf(s.telemetry().observed())).isEqualTo(Double.valueOf(bad));
      assertThat(s.telemetry().threshold()).as("warm-up bound").isEqualTo(1.0);
    }
    // the next finite step is still step 1, inside the warm-up
    AdaGC.Step s = ada.update(new double[] {3, 4}, fresh);
    assertThat(s.scale(0)).isEqualTo(1 / (5 + EPS));
  }

  @Test
  void clipInPlaceScalesEachTensor() {
    AdaGC ada = new AdaGC(2, 1.0, 1.05, 0.5, 0);
    float[][] grads = {{3, 4}, {1}};
    AdaGC.State s = ada.clipInPlace(grads, ada.init()).state(); // first sight: gamma 5 and 1
    assertThat(grads[0]).containsExactly(3f, 4f);
    float[][] spike = {{30, 40}, {1}};
    AdaGC.Step step = ada.clipInPlace(spike, s);
    double scale = 1.05 * 5 / (50 + EPS);
    assertThat(step.scale(0)).isEqualTo(scale);
    assertThat(spike[0]).containsExactly((float) (30 * scale), (float) (40 * scale));
    assertThat(spike[1]).containsExactly(1f);
    float[][] bad = {{Float.NaN}, {1}};
    assertThat(ada.clipInPlace(bad, s).skipped()).isTrue();
    assertThat(bad[1]).as("left as it is").containsExactly(1f);
  }

  @Test
  void defaultsAreThePapers() {
    AdaGC ada = new AdaGC(7);
    assertThat(ada.tensors()).isEqualTo(7);
    assertThat(ada.lambdaAbs()).isEqualTo(1.0);
    assertThat(ada.lambdaRel()).isEqualTo(1.05);
    assertThat(ada.beta()).isEqualTo(0.98);
    assertThat(ada.warmup()).isEqualTo(100);
    assertThat(ada.kind()).isEqualTo("adagc");
    assertThat(ada.init().gamma()).hasSize(7).containsOnly(Double.NaN);
  }

  @Test
  void rejectsBadConfiguration() {
    assertThatThrownBy(() -> new AdaGC(0)).hasMessage("tensors (0) must be >= 1");
    assertThatThrownBy(() -> new AdaGC(2, 0, 1.05, 0.98, 100))
        .hasMessage("lambdaAbs (0.0) must be finite and > 0");
    assertThatThrownBy(() -> new AdaGC(2, 1, 0.9, 0.98, 100))
        .hasMessage("lambdaRel (0.9) must be finite and >= 1");
    assertThatThrownBy(() -> new AdaGC(2, 1, 1.05, 1, 100))
        .hasMessage("beta (1.0) must be in [0, 1)");
    assertThatThrownBy(() -> new AdaGC(2, 1, 1.05, Double.NaN, 100))
        .hasMessage("beta (NaN) must be in [0, 1)");
    assertThatThrownBy(() -> new AdaGC(2, 1, 1.05, 0.98, -1))
        .hasMessage("warmup (-1) must be >= 0");
  }

  @Test
  void rejectsBadInput() {
    AdaGC ada = new AdaGC(3);
    assertThatThrownBy(() -> ada.update(new double[2], ada.init()))
        .hasMessage("expected 3 tensor norms (this AdaGC was built for 3 tensors), got 2");
    assertThatThrownBy(() -> ada.update(new double[] {1, -1, 1}, ada.init()))
        .hasMessage("norm of tensor 1 (-1.0) at step 1 must be >= 0");
    assertThatThrownBy(() -> ada.update(new double[3], new AdaGC(2).init()))
        .hasMessage("state holds 2 tensors, this AdaGC has 3");
  }

  @Test
  void snapshotRecordsTheTensorCountAndTheConfiguration() {
    AdaGC ada = new AdaGC(2, 1.0, 1.05, 0.98, 1);
    AdaGC.State s = ada.update(new double[] {0, 2}, ada.init()).state();
    s = ada.update(new double[] {1, 2}, s).state();
    assertThat(ada.restore(ada.snapshot(s))).isEqualTo(s);
    byte[] bytes = ada.snapshot(s);
    assertThatThrownBy(() -> new AdaGC(3, 1.0, 1.05, 0.98, 1).restore(bytes))
        .hasMessage("snapshot was taken with tensors 2, this stabilizer has 3");
    assertThatThrownBy(() -> new AdaGC(2, 1.0, 1.05, 0.98, 100).restore(bytes))
        .hasMessage("snapshot was taken with warmup 1, this stabilizer has 100");
    assertThatThrownBy(() -> new AdaGC(2, 1.0, 1.05, 0.99, 1).restore(bytes))
        .hasMessage("snapshot was taken with beta 0.98, this stabilizer has 0.99");
    assertThatThrownBy(() -> ada.restore(java.util.Arrays.copyOf(bytes, bytes.length - 1)))
        .hasMessage("snapshot of 'adagc' is truncated (" + (bytes.length - 1) + " bytes)");
  }
}
