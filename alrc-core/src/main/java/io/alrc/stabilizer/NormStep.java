package io.alrc.stabilizer;

import io.alrc.telemetry.StepTelemetry;

/**
 * The result of one {@link NormStabilizer#update} call.
 *
 * @param scale the factor to multiply every gradient by: in (0, 1]; 0 when skipped
 * @param state the state after this step
 * @param telemetry what the stabilizer measured and did this step
 * @param <S> the state type
 */
public record NormStep<S>(double scale, S state, StepTelemetry telemetry) {
  /** Whether the step was skipped because the norm was not finite. */
  public boolean skipped() {
    return telemetry.skipped();
  }

  /** Whether the gradients were scaled down this step. */
  public boolean clipped() {
    return telemetry.clipped() > 0;
  }
}
