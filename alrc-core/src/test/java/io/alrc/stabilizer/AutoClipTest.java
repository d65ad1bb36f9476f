package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AutoClipTest {
  @Test
  void clipsAtThePercentileOfTheHistoryIncludingTheCurrentNorm() {
    AutoClip clip = new AutoClip(50, 100);
    AutoClip.State s = clip.init();
    // first norm: history [4], median 4 -> scale 4 / (4 + 1e-6)
    NormStep<AutoClip.State> step = clip.update(4, s);
    assertThat(step.telemetry().threshold()).isEqualTo(4.0);
    assertThat(step.scale()).isEqualTo(4 / (4 + 1e-6));
    // history [4, 2]: median (linear) 3 -> the norm 2 is below it
    step = clip.update(2, step.state());
    assertThat(step.telemetry().threshold()).isEqualTo(3.0);
    assertThat(step.scale()).isEqualTo(1.0);
    // history [4, 2, 10]: sorted [2, 4, 10], median 4 -> 10 clipped to 4
    step = clip.update(10, step.state());
    assertThat(step.telemetry().threshold()).isEqualTo(4.0);
    assertThat(step.scale()).isEqualTo(4 / (10 + 1e-6));
    assertThat(step.state().history()).containsExactly(4, 2, 10);
  }

  @Test
  void percentileInterpolatesLikeNumpy() {
    AutoClip clip = new AutoClip(10, 100);
    AutoClip.State s = clip.init();
    for (double v : new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
      s = clip.update(v, s).state();
    }
    // numpy.percentile(range(1, 12), 10) == 2.0; rank 0.1 * 10 = 1
    assertThat(s.threshold(10)).isEqualTo(2.0);
    // numpy.percentile([1..11], 25) == 3.5
    assertThat(s.threshold(25)).isEqualTo(3.5);
  }

  @Test
  void windowKeepsTheMostRecentNorms() {
    AutoClip clip = new AutoClip(100, 3);
    AutoClip.State s = clip.init();
    for (double v : new double[] {9, 1, 2, 3, 5}) {
      s = clip.update(v, s).state();
    }
    assertThat(s.history()).as("oldest first, 9 and 1 evicted").containsExactly(2, 3, 5);
    assertThat(s.threshold(100)).isEqualTo(5.0);
    assertThat(s.threshold(0)).isEqualTo(2.0);
  }

  @Test
  void nonFiniteNormNeverEntersTheHistory() {
    AutoClip clip = new AutoClip();
    AutoClip.State s = clip.update(1, clip.init()).state();
    NormStep<AutoClip.State> step = clip.update(Double.NaN, s);
    assertThat(step.skipped()).isTrue();
    assertThat(step.state()).isSameAs(s);
  }

  @Test
  void rejectsBadConfiguration() {
    assertThatThrownBy(() -> new AutoClip(101, 10)).hasMessage("percentile (101.0) must be in [0, 100]");
    assertThatThrownBy(() -> new AutoClip(10, 0)).hasMessage("window (0) must be >= 1");
  }
}
