package io.alrc.djl.training;

import io.alrc.telemetry.StepTelemetry;
import java.util.List;

/**
 * What {@link StepGuard} decided and measured in one training step.
 *
 * @param step the 1-based training step, skipped steps included
 * @param skipped whether the step was skipped (no parameter, optimizer or stabilizer update)
 * @param reason why it was skipped, e.g. {@code "loss of example 3 is NaN"} or {@code "gradient
 *     norm is Infinity"}; null when applied
 * @param gradientNorm the global gradient norm before any stabilizer; NaN when not measured (the
 *     loss was already non-finite)
 * @param alrc ALRC's telemetry for the step, null without ALRC; {@code skipped} set when skipped
 * @param stabilizers each gradient stabilizer's telemetry, in order; empty when skipped
 * @param consecutiveSkipped steps skipped in a row up to and including this one
 * @param skippedSteps steps skipped in total so far
 */
public record StepReport(
    long step,
    boolean skipped,
    String reason,
    double gradientNorm,
    StepTelemetry alrc,
    List<StepTelemetry> stabilizers,
    int consecutiveSkipped,
    long skippedSteps) {

  /** Copies the stabilizer list. */
  public StepReport {
    stabilizers = List.copyOf(stabilizers);
  }
}
