package io.alrc;

import static org.assertj.core.api.Assertions.assertThat;

import io.alrc.telemetry.StepTelemetry;
import org.junit.jupiter.api.Test;

/** Tests of {@link AlrcStep}: what a step reports, and that it hands out copies. */
class AlrcStepTest {
  private final AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());

  @Test
  void scalesAndOutputsAreCopies() {
    AlrcStep step = clipper.update(new double[] {5, 200}, clipper.init());
    double lmax = step.lmax();

    step.scales()[1] = 42;
    step.outputs()[1] = 42;

    assertThat(step.scale(1))
        .as("changing a returned copy leaves the step's scale")
        .isEqualTo(lmax / 200);
    assertThat(step.output(1))
        .as("changing a returned copy leaves the step's output")
        .isEqualTo(lmax);
  }

  @Test
  void copiesScalesIntoAFloatArray() {
    AlrcStep step = clipper.update(new double[] {5, 200}, clipper.init());
    float[] dst = {-1, -1, -1};

    step.copyScalesTo(dst);

    assertThat(dst)
        .as("the scales narrowed to float, the rest of the array untouched")
        .containsExactly(1f, (float) (step.lmax() / 200), -1f);
  }

  @Test
  void reportsTheObjectiveMinScaleAndClippedCount() {
    AlrcStep step = clipper.update(new double[] {5, 200, 100}, clipper.init());
    double lmax = step.lmax();

    assertThat(step.objective())
        .as("the mean of the clipped losses")
        .isEqualTo((5 + lmax + lmax) / 3);
    assertThat(step.clippedCount()).as("two examples above lmax").isEqualTo(2);
    assertThat(step.minScale()).as("the spike 200 has the smallest scale").isEqualTo(lmax / 200);
    assertThat(step.sigma())
        .as("sigma before the step")
        .isEqualTo(AlrcConfig.reference().initialSigma());
  }

  @Test
  void minScaleIsOneWhenNothingIsClipped() {
    AlrcStep step = clipper.update(new double[] {5, 20}, clipper.init());

    assertThat(step.minScale()).as("nothing clipped").isEqualTo(1);
    assertThat(step.clippedCount()).as("no clipped example").isZero();
  }

  @Test
  void telemetryUsesTheStatisticsFromBeforeTheStep() {
    AlrcStep step = clipper.update(new double[] {5, 200}, clipper.init());

    assertThat(step.telemetry())
        .as(
            "step, largest loss, lmax, mu1 and sigma before the step, clipped, min scale, not"
                + " skipped")
        .isEqualTo(
            new StepTelemetry(1, 200, step.lmax(), 25, step.sigma(), 1, step.lmax() / 200, false));
  }

  @Test
  void telemetryOfASkippedStep() {
    AlrcStep step = clipper.update(new double[] {5, Double.NaN}, clipper.init());
    StepTelemetry telemetry = step.telemetry();

    assertThat(telemetry.skipped()).as("marked skipped").isTrue();
    assertThat(telemetry.observed()).as("no largest loss").isNaN();
    assertThat(telemetry.minScale()).as("no scale applied").isNaN();
    assertThat(telemetry.clipped()).as("nothing clipped").isZero();
    assertThat(step.size())
        .as("a skipped step still has one (zero) scale per example")
        .isEqualTo(2);
    assertThat(step.outputs()).as("no outputs for a skipped step").containsOnly(Double.NaN);
  }

  @Test
  void toStringNamesTheEssentials() {
    AlrcStep step = clipper.update(new double[] {5}, clipper.init());

    assertThat(step.toString())
        .as("the text form names the step, threshold and scales")
        .startsWith("AlrcStep[step=1, lmax=" + step.lmax() + ", clipped=0, minScale=1.0")
        .contains("scales=[1.0]");
  }
}
