package io.alrc.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Tests of {@link StepTelemetry}. */
class StepTelemetryTest {

  @Test
  void csvRowFollowsTheHeader() {
    StepTelemetry telemetry = new StepTelemetry(7, 200, 74.5, 25, 16.5, 2, 0.25, false);

    assertThat(StepTelemetry.CSV_HEADER)
        .as("the documented column order")
        .isEqualTo("step,observed,threshold,mean,sigma,clipped,min_scale,skipped,warmup");
    assertThat(telemetry.toCsvRow())
        .as("one value per header column, skipped and warmup as 0 or 1")
        .isEqualTo("7,200.0,74.5,25.0,16.5,2,0.25,0,0");
    assertThat(telemetry.toCsvRow().split(",", -1))
        .as("as many values as header columns")
        .hasSize(StepTelemetry.CSV_HEADER.split(",").length);
  }

  @Test
  void csvRowOfASkippedStep() {
    StepTelemetry telemetry =
        new StepTelemetry(3, Double.NaN, Double.POSITIVE_INFINITY, 25, 16.5, 0, Double.NaN, true);

    assertThat(telemetry.toCsvRow())
        .as("NaN and Infinity spelled as Java prints them, skipped as 1")
        .isEqualTo("3,NaN,Infinity,25.0,16.5,0,NaN,1,0");
  }

  @Test
  void theEightFieldConstructorReportsNoWarmup() {
    StepTelemetry old = new StepTelemetry(7, 200, 74.5, 25, 16.5, 2, 0.25, false);

    assertThat(old.warmup()).as("stabilizers without a warm-up flag report false").isFalse();
    assertThat(old)
        .as("the same record as the nine-field constructor with warmup false")
        .isEqualTo(new StepTelemetry(7, 200, 74.5, 25, 16.5, 2, 0.25, false, false));
    assertThat(new StepTelemetry(1, 0.5, 2.0, 0.1, 0.2, 0, 1, false, true).toCsvRow())
        .as("a warm-up step")
        .endsWith(",0,1");
  }
}
