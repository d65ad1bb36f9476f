package io.alrc.djl.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.alrc.djl.DjlTestSupport;
import io.alrc.stabilizer.AdaGC;
import io.alrc.stabilizer.AutoClip;
import io.alrc.stabilizer.StepCount;
import io.alrc.stabilizer.ZClip;
import io.alrc.telemetry.StepTelemetry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each stabilizer on crafted gradients of a {@code Linear} layer with weight {@code (2, 3)} and
 * bias {@code (2)}: the gradients are set exactly, and the results are derived by hand.
 */
class GradientStabilizersTest {
  static {
    DjlTestSupport.init();
  }

  private Model model;
  private Trainer trainer;

  @BeforeEach
  void setUp() {
    model = DjlTestSupport.linearModel("stabilizers", 2);
    trainer = DjlTestSupport.trainer(model, Loss.l2Loss(), DjlTestSupport.adam(0.01f), 3);
  }

  @AfterEach
  void tearDown() {
    trainer.close();
    model.close();
  }

  /** Sets the gradients to {@code k} times a vector of norm 5: weight [3, 0, 0, 0, 0, 0], bias [0, 4]. */
  private void setNormFiveTimes(float k) {
    DjlTestSupport.setGradients(
        trainer, model, new float[] {3 * k, 0, 0, 0, 0, 0}, new float[] {0, 4 * k});
  }

  private void assertGradientsAre(float[] weight, float[] bias, String why) {
    assertThat(DjlTestSupport.gradient(model, "weight")).as(why).containsExactly(weight, within(1e-6f));
    assertThat(DjlTestSupport.gradient(model, "bias")).as(why).containsExactly(bias, within(1e-6f));
  }

  @Test
  void globalNormScalesEverythingToTheBound() {
    NormGradientStabilizer<StepCount> clip = GradientStabilizers.globalNorm(1.0);
    setNormFiveTimes(1);
    StepTelemetry t = clip.apply(trainer);
    double s = 1.0 / (5 + 1e-6);
    assertThat(t.observed()).as("global norm before clipping").isCloseTo(5, within(1e-6));
    assertThat(t.minScale()).isCloseTo(s, within(1e-12));
    assertThat(t.clipped()).isEqualTo(1);
    assertGradientsAre(
        new float[] {(float) (3 * s), 0, 0, 0, 0, 0}, new float[] {0, (float) (4 * s)},
        "scaled by min(1, c / (norm + 1e-6))");
    assertThat(clip.state()).isEqualTo(new StepCount(1));

    setNormFiveTimes(0.1f); // norm 0.5 < 1: untouched
    t = clip.apply(trainer);
    assertThat(t.clipped()).isZero();
    assertGradientsAre(new float[] {0.3f, 0, 0, 0, 0, 0}, new float[] {0, 0.4f}, "below the bound");
  }

  @Test
  void autoClipUsesThePercentileOfTheHistory() {
    NormGradientStabilizer<AutoClip.State> clip = GradientStabilizers.autoClip(50, 10);
    setNormFiveTimes(1); // history [5]: c = 5
    clip.apply(trainer);
    setNormFiveTimes(2); // history [5, 10]: median c = 7.5
    StepTelemetry t = clip.apply(trainer);
    double s = 7.5 / (10 + 1e-6);
    assertThat(t.threshold()).isCloseTo(7.5, within(1e-6));
    assertGradientsAre(
        new float[] {(float) (6 * s), 0, 0, 0, 0, 0}, new float[] {0, (float) (8 * s)},
        "clipped to the 50th percentile 7.5");
    assertThat(clip.state().history()).containsExactly(new double[] {5, 10}, within(1e-5));
  }

  @Test
  void zClipClipsAnOutlierAfterWarmUp() {
    NormGradientStabilizer<ZClip.State> clip = GradientStabilizers.zClip(0.5, 1.0, 2);
    setNormFiveTimes(0.2f); // norm 1
    clip.apply(trainer);
    setNormFiveTimes(0.6f); // norm 3: warm-up over, mean 2, var 1
    clip.apply(trainer);
    assertThat(clip.state().mean()).isCloseTo(2, within(1e-6));
    assertThat(clip.state().variance()).isCloseTo(1, within(1e-6));

    setNormFiveTimes(2); // norm 10: z = 8 / (1 + 1e-6) > 1
    StepTelemetry t = clip.apply(trainer);
    double z = 8 / (1 + 1e-6);
    double clippedNorm = 2 + (1.0 / z) * 1;
    double s = clippedNorm / (10 + 1e-6);
    assertThat(t.minScale()).isCloseTo(s, within(1e-6));
    assertGradientsAre(
        new float[] {(float) (6 * s), 0, 0, 0, 0, 0}, new float[] {0, (float) (8 * s)},
        "norm brought to mean + (z_thr^2 / z) * std");
    double mean = 0.5 * 2 + 0.5 * clippedNorm;
    assertThat(clip.state().mean()).as("EMA of the clipped norm").isCloseTo(mean, within(1e-6));
    assertThat(clip.state().variance())
        .isCloseTo(0.5 * 1 + 0.5 * (clippedNorm - mean) * (clippedNorm - mean), within(1e-6));
  }

  @Test
  void agcClipsEachOutputUnitAgainstItsWeight() {
    AgcGradientStabilizer agc = GradientStabilizers.agc();
    // weight rows: [1, 2, 2] (norm 3) and [0, 0, 0] (norm 0, floored at eps 1e-3); bias one unit [0.5, 0]
    DjlTestSupport.setParameter(model, "weight", new float[] {1, 2, 2, 0, 0, 0});
    DjlTestSupport.setParameter(model, "bias", new float[] {0.5f, 0});
    // gradient rows: [0.3, 0, 0.4] (norm 0.5 > 0.01 * 3): scale 0.03 / 0.5 = 0.06
    //                [1e-4, 0, 0]  (norm 1e-4 > 0.01 * 1e-3): scale 1e-5 / 1e-4 = 0.1
    // bias gradient [0.001, 0]: norm 0.001 <= 0.01 * 0.5: kept
    DjlTestSupport.setGradients(
        trainer, model, new float[] {0.3f, 0, 0.4f, 1e-4f, 0, 0}, new float[] {0.001f, 0});
    StepTelemetry t = agc.apply(trainer);
    assertThat(t.clipped()).as("two weight rows clipped, the bias kept").isEqualTo(2);
    assertThat(t.observed()).as("largest ratio ||g|| / max(||w||, eps): 0.5 / 3 (vs 1e-4 / 1e-3)")
        .isCloseTo(0.5 / 3, within(1e-6));
    assertThat(DjlTestSupport.gradient(model, "weight"))
        .containsExactly(new float[] {0.018f, 0, 0.024f, 1e-5f, 0, 0}, within(1e-8f));
    assertThat(DjlTestSupport.gradient(model, "bias"))
        .containsExactly(new float[] {0.001f, 0}, within(1e-9f));
    assertThat(agc.state()).isEqualTo(new StepCount(1));
  }

  @Test
  void adaGcClipsGloballyInItsWarmUpThenEachTensorAgainstItsOwnEma() {
    AdaGcGradientStabilizer adagc = GradientStabilizers.adaGc(1.0, 1.05, 0.5, 1);
    assertThat(adagc.state()).as("no tensor count before the first step").isEmpty();
    // step 1 (warm-up): weight norm 3, bias norm 4, G = 5: every tensor scaled by h = 1 / (5 + 1e-6)
    setNormFiveTimes(1);
    StepTelemetry t = adagc.apply(trainer);
    double h = 1.0 / (5 + 1e-6);
    assertThat(t.observed()).as("the global norm").isCloseTo(5, within(1e-6));
    assertThat(t.threshold()).isEqualTo(1.0);
    assertThat(t.clipped()).as("both tensors").isEqualTo(2);
    assertThat(t.minScale()).isCloseTo(h, within(1e-12));
    assertGradientsAre(
        new float[] {(float) (3 * h), 0, 0, 0, 0, 0}, new float[] {0, (float) (4 * h)},
        "global clipping to lambda_abs");
    assertThat(adagc.core().orElseThrow().tensors()).isEqualTo(2);
    assertThat(adagc.state().orElseThrow().gamma())
        .as("gamma_i: the clipped warm-up norms").containsExactly(new double[] {3 * h, 4 * h}, within(1e-6));

    // step 2: weight norm 30 > 1.05 * gamma_w, clipped to it; bias norm 0.4 < 1.05 * gamma_b, kept
    DjlTestSupport.setGradients(trainer, model, new float[] {30, 0, 0, 0, 0, 0}, new float[] {0, 0.4f});
    t = adagc.apply(trainer);
    double boundW = 1.05 * 3 * h;
    double sW = boundW / (30 + 1e-6);
    assertThat(t.threshold()).isEqualTo(1.05);
    assertThat(t.clipped()).as("the weight only").isEqualTo(1);
    assertThat(t.minScale()).isCloseTo(sW, within(1e-9));
    assertThat(t.observed()).as("largest ||g_i|| / gamma_i").isCloseTo(30 / (3 * h), within(1e-3));
    assertGradientsAre(new float[] {(float) (30 * sW), 0, 0, 0, 0, 0}, new float[] {0, 0.4f},
        "the weight brought to 1.05 gamma_w, the bias untouched");
    assertThat(adagc.state().orElseThrow().gamma())
        .as("EMA of the clipped norms, beta 0.5")
        .containsExactly(new double[] {0.5 * 3 * h + 0.5 * boundW, 0.5 * 4 * h + 0.5 * 0.4}, within(1e-6));
  }

  @Test
  void adaGcSnapshotsCarryTheTensorCount() {
    AdaGcGradientStabilizer fresh = GradientStabilizers.adaGc();
    AdaGcGradientStabilizer other = GradientStabilizers.adaGc();
    other.restore(fresh.snapshot()); // unbound to unbound
    assertThat(other.state()).isEmpty();

    AdaGcGradientStabilizer adagc = GradientStabilizers.adaGc();
    setNormFiveTimes(1);
    adagc.apply(trainer);
    AdaGcGradientStabilizer restored = GradientStabilizers.adaGc();
    restored.restore(adagc.snapshot());
    assertThat(restored.state()).isEqualTo(adagc.state());
    assertThat(restored.core().orElseThrow().tensors()).isEqualTo(2);

    AdaGcGradientStabilizer threeTensors = GradientStabilizers.adaGc();
    threeTensors.restore(new AdaGC(3).snapshot(new AdaGC(3).init()));
    assertThatThrownBy(() -> threeTensors.apply(trainer))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("AdaGC was bound to 3 parameter tensors");
    assertThatThrownBy(() -> restored.restore(new AdaGC(3).snapshot(new AdaGC(3).init())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tensors 3");
    assertThatThrownBy(() -> GradientStabilizers.adaGc(1, 1.05, 0.9, 100).restore(adagc.snapshot()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beta");
    assertThatThrownBy(() -> GradientStabilizers.adaGc(1, 0.5, 0.9, 100))
        .hasMessage("lambdaRel (0.5) must be finite and >= 1");
  }

  @Test
  void nonFiniteGradientsChangeNothing() {
    NormGradientStabilizer<ZClip.State> zclip = GradientStabilizers.zClip(0.5, 1.0, 2);
    AgcGradientStabilizer agc = GradientStabilizers.agc();
    setNormFiveTimes(1);
    zclip.apply(trainer);
    ZClip.State before = zclip.state();
    DjlTestSupport.setGradients(
        trainer, model, new float[] {Float.NaN, 1, 0, 0, 0, 0}, new float[] {0, 4});
    StepTelemetry t = zclip.apply(trainer);
    StepTelemetry a = agc.apply(trainer);
    assertThat(t.skipped()).isTrue();
    assertThat(a.skipped()).isTrue();
    assertThat(zclip.state()).as("state unchanged").isEqualTo(before);
    assertThat(agc.state()).isEqualTo(new StepCount(0));
    float[] w = DjlTestSupport.gradient(model, "weight");
    assertThat(w[0]).isNaN();
    assertThat(w[1]).as("gradients untouched").isEqualTo(1f);
  }

  @Test
  void snapshotsRoundTrip() {
    NormGradientStabilizer<ZClip.State> zclip = GradientStabilizers.zClip(0.5, 1.0, 2);
    for (float k : new float[] {0.2f, 0.6f, 2}) {
      setNormFiveTimes(k);
      zclip.apply(trainer);
    }
    NormGradientStabilizer<ZClip.State> restored = GradientStabilizers.zClip(0.5, 1.0, 2);
    restored.restore(zclip.snapshot());
    assertThat(restored.state()).isEqualTo(zclip.state());

    AgcGradientStabilizer agc = GradientStabilizers.agc();
    agc.apply(trainer);
    AgcGradientStabilizer agc2 = GradientStabilizers.agc();
    agc2.restore(agc.snapshot());
    assertThat(agc2.state()).isEqualTo(agc.state());
    assertThat(agc2.kind()).isEqualTo("agc");
  }
}
