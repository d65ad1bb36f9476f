package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GlobalNormClipperTest {
  private final GlobalNormClipper clipper = new GlobalNormClipper(1.0);

  @Test
  void scalesANormAboveTheBoundDownToIt() {
    // grads (3, 4) have norm 5; c = 1 -> scale 1 / (5 + 1e-6)
    double norm = Norms.globalNorm(new float[] {3f}, new float[] {4f});
    NormStep<StepCount> step = clipper.update(norm, clipper.init());
    assertThat(norm).isEqualTo(5.0);
    assertThat(step.scale()).as("PyTorch's clip_grad_norm_ coefficient").isEqualTo(1.0 / (5.0 + 1e-6));
    assertThat(step.clipped()).isTrue();
    assertThat(step.telemetry().minScale()).isEqualTo(step.scale());
    assertThat(step.state().steps()).isEqualTo(1);
  }

  @Test
  void leavesANormBelowTheBoundAlone() {
    NormStep<StepCount> step = clipper.update(0.5, clipper.init());
    assertThat(step.scale()).isEqualTo(1.0);
    assertThat(step.clipped()).isFalse();
    assertThat(clipper.update(0.0, clipper.init()).scale()).as("zero norm").isEqualTo(1.0);
  }

  @Test
  void clippedNormIsAtMostTheBound() {
    for (double norm = 0.1; norm < 1e6; norm *= 3.7) {
      double scale = clipper.update(norm, clipper.init()).scale();
      assertThat(norm * scale).as("norm after clipping of %s", norm).isLessThanOrEqualTo(1.0 + 1e-9);
    }
  }

  @Test
  void nonFiniteNormSkipsTheStep() {
    StepCount state = new StepCount(4);
    NormStep<StepCount> step = clipper.update(Double.NaN, state);
    assertThat(step.skipped()).isTrue();
    assertThat(step.scale()).isZero();
    assertThat(step.state()).as("state unchanged").isEqualTo(state);
    assertThat(clipper.update(Double.POSITIVE_INFINITY, state).skipped()).isTrue();
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new GlobalNormClipper(0))
        .hasMessage("maxNorm (0.0) must be finite and > 0");
    assertThatThrownBy(() -> clipper.update(-1, clipper.init()))
        .hasMessage("gradient norm (-1.0) must be >= 0");
  }

  @Test
  void snapshotRoundTripsAndChecksTheConfiguration() {
    StepCount state = new StepCount(17);
    assertThat(clipper.restore(clipper.snapshot(state))).isEqualTo(state);
    assertThatThrownBy(() -> new GlobalNormClipper(2.0).restore(clipper.snapshot(state)))
        .hasMessage("snapshot was taken with maxNorm 1.0, this stabilizer has 2.0");
    assertThatThrownBy(() -> new ZClip().restore(clipper.snapshot(state)))
        .hasMessage("snapshot holds a 'global-norm' state, expected 'zclip'");
  }

  @Test
  void unitNormsSplitRows() {
    // rows (3, 4), (0, 0), (1, 0) have norms 5, 0, 1
    assertThat(Norms.unitNorms(new float[] {3, 4, 0, 0, 1, 0}, 3)).containsExactly(5.0, 0.0, 1.0);
    assertThat(Norms.unitNorms(new float[] {3, 4}, 1)).containsExactly(5.0);
    assertThatThrownBy(() -> Norms.unitNorms(new float[5], 2))
        .hasMessage("cannot split 5 values into 2 equal units");
  }
}
