package io.alrc.djl.training;

import io.alrc.telemetry.StepTelemetry;
import java.util.List;

/**
 * What {@link StepGuard} decided and measured in one training step.
 *
 * <h2>Step numbers</h2>
 *
 * {@code step} is the guard's count of training steps, skipped steps included, and every telemetry
 * record in the report ({@code alrc}, {@code stabilizers}) carries that same number, so a report
 * reads as one step. The components' own counters differ on purpose: a skipped step is erased from
 * their state (the run continues exactly as if the batch had not been there), so {@code
 * loss.state().steps()} and a stabilizer's {@code state().steps()} count only the steps they were
 * applied to, {@code step - skippedSteps} for components that started with the guard, and {@code
 * loss.lastTelemetry()} is numbered by ALRC's own count.
 *
 * @param step the 1-based training step, skipped steps included
 * @param skipped whether the step was skipped (no parameter, optimizer or stabilizer update)
 * @param reason why it was skipped, e.g. {@code "loss of example 3 is NaN"} or {@code "gradient
 *     norm is Infinity"}; null when applied
 * @param gradientNorm the global gradient norm before any stabilizer; NaN when not measured (the
 *     loss was already non-finite)
 * @param alrc ALRC's telemetry for the step (threshold, {@code mu1} and {@code sigma} before the
 *     step, examples clipped), numbered {@code step}; null without ALRC; {@code skipped} set when
 *     skipped
 * @param stabilizers each gradient stabilizer's telemetry, in order, numbered {@code step}; empty
 *     when skipped
 * @param consecutiveSkipped steps skipped in a row up to and including this one
 * @param skippedSteps steps skipped in total so far, this one included
 * @param objective the backpropagated ALRC objective {@code mean_i(s_i * L_i)} (the clipped batch
 *     mean); NaN without ALRC or when skipped
 * @param unclippedLoss the batch mean of the per-example losses before ALRC, {@code mean_i(L_i)};
 *     NaN without ALRC or when skipped
 * @param examples the number of per-example losses ALRC saw this step; 0 without ALRC
 */
public record StepReport(
    long step,
    boolean skipped,
    String reason,
    double gradientNorm,
    StepTelemetry alrc,
    List<StepTelemetry> stabilizers,
    int consecutiveSkipped,
    long skippedSteps,
    double objective,
    double unclippedLoss,
    int examples) {

  /** Copies the stabilizer list. */
  public StepReport {
    stabilizers = List.copyOf(stabilizers);
  }

  /**
   * The fraction of this step's examples whose loss ALRC scaled down, in [0, 1]; NaN without ALRC
   * or when skipped.
   */
  public double clipFraction() {
    if (alrc == null || skipped || examples == 0) {
      return Double.NaN;
    }
    return (double) alrc.clipped() / examples;
  }
}
