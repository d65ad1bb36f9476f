package io.alrc.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AdamKernelTest {
  @Test
  void theFirstUpdateMovesEachWeightByTheLearningRateAgainstItsGradientsSign() {
    // t = 1: m = 0.1 g, v = 0.001 g^2, lr_1 = lr * sqrt(0.001) / 0.1, so the step is
    // lr_1 * m / (sqrt(v) + eps) = lr * g / (|g| + eps / sqrt(0.001)... ) ~ lr * sign(g)
    float[] w = {1f, 1f, 1f};
    float[] g = {2f, -0.5f, 0f};
    float[] m = new float[3];
    float[] v = new float[3];
    float lr = AdamKernel.biasCorrectedRate(0.01, 0.9f, 0.999f, 1);
    assertThat((double) lr).isCloseTo(0.01 * Math.sqrt(0.001) / 0.1, within(1e-7)); // float betas
    AdamKernel.update(w, g, m, v, 0, 3, 0.9f, 0.999f, lr, 1e-8f);
    assertThat(w[0]).isCloseTo(0.99f, within(1e-6f));
    assertThat(w[1]).isCloseTo(1.01f, within(1e-6f));
    assertThat(w[2]).isEqualTo(1f);
    float c1 = 1f - 0.9f; // in float, as the kernel
    assertThat(m).containsExactly(c1 * 2f, c1 * -0.5f, 0f);
    assertThat(v[0]).isEqualTo((1f - 0.999f) * 2f * 2f);
  }

  @Test
  void onlyTheGivenRangeChangesAndANonFiniteRateIsRefused() {
    float[] w = {1f, 1f};
    AdamKernel.update(w, new float[] {1f, 1f}, new float[2], new float[2], 1, 2, 0.9f, 0.999f, 0.1f, 1e-8f);
    assertThat(w[0]).isEqualTo(1f);
    assertThat(w[1]).isLessThan(1f);
    assertThatThrownBy(() -> AdamKernel.biasCorrectedRate(1e308, 0.9f, 0.999f, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not finite");
  }
}
