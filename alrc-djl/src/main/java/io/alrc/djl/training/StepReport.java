package io.alrc.djl.training;

import io.alrc.telemetry.StepTelemetry;
import java.util.List;

/**
 * What {@link StepGuard} decided and measured in one training step.
 *
 * <h2>Three outcomes</h2>
 *
 * <ul>
 *   <li><b>Applied</b> ({@link #applied()}): the optimizer step ran; ALRC or loss truncation
 *       committed, the gradient stabilizers scaled the gradients and advanced.
 *   <li><b>Skipped</b> ({@code skipped}): the loss or the gradients were not finite; nothing
 *       advanced, the step counts towards the non-finite limit.
 *   <li><b>Spike-skipped</b> ({@code spikeSkipped}): skip-step found a spike of the loss or the
 *       gradient norm; no parameter, optimizer, ALRC, truncation or stabilizer update, but the spike
 *       entered the monitors' windows. A deliberate skip: it does not count towards the non-finite
 *       limit, nor does it end a row of non-finite steps (the model did not change).
 * </ul>
 *
 * <h2>Step numbers</h2>
 *
 * {@code step} is the guard's count of training steps, skipped steps included, and every telemetry
 * record in the report ({@code alrc}, {@code stabilizers}, {@code truncation}, the spike monitors)
 * carries that same number, so a report reads as one step. The components' own counters differ on
 * purpose: a skipped step is erased from their state (the run continues exactly as if the batch had
 * not been there), so {@code loss.state().steps()} and a stabilizer's {@code state().steps()} count
 * only the steps they were applied to, and {@code loss.lastTelemetry()} is numbered by the
 * component's own count.
 *
 * @param step the 1-based training step, skipped steps included
 * @param skipped whether the step was skipped because its loss or gradients were not finite (no
 *     parameter, optimizer or stabilizer update); false for a spike skip, see {@code spikeSkipped}
 * @param reason why the update was skipped, e.g. {@code "loss of example 3 is NaN"}, {@code
 *     "gradient norm is Infinity"} or {@code "loss 51.2 is a spike (above 4.1)"}; null when applied
 * @param gradientNorm the global gradient norm before any stabilizer; NaN when not measured (the
 *     loss was already non-finite)
 * @param alrc ALRC's telemetry for the step (threshold, {@code mu1} and {@code sigma} before the
 *     step, examples clipped), numbered {@code step}; null without ALRC; {@code skipped} set when
 *     ALRC discarded the step (a skipped or spike-skipped step)
 * @param stabilizers each gradient stabilizer's telemetry, in order, numbered {@code step}; empty
 *     unless applied
 * @param consecutiveSkipped non-finite steps skipped in a row up to and including this one (what
 *     the limit counts; a spike skip leaves it as it was)
 * @param skippedSteps non-finite steps skipped in total so far, this one included
 * @param objective the backpropagated objective of the per-example loss stabilizer: ALRC's clipped
 *     mean {@code mean_i(s_i * L_i)} or loss truncation's {@code (1/B) sum_i s_i * L_i}; NaN
 *     without either or unless applied
 * @param unclippedLoss the batch mean of the per-example losses before ALRC or truncation, {@code
 *     mean_i(L_i)}; NaN without either or unless applied
 * @param examples the number of per-example losses ALRC or truncation saw this step; 0 without
 *     either or unless applied
 * @param spikeSkipped whether skip-step skipped the update because of a spike (see above)
 * @param spikeSkippedSteps steps spike-skipped in total so far, this one included
 * @param lossSpike the loss monitor's telemetry ({@code observed} the batch-mean loss, {@code
 *     threshold} the window's {@code mean + factor * std}, {@code clipped} 1 for a spike); null
 *     without a loss monitor or when the step was non-finite before it ran
 * @param gradientNormSpike the gradient-norm monitor's telemetry, as {@code lossSpike}; null
 *     without one or when it did not run
 * @param truncation loss truncation's telemetry ({@code observed} the largest loss, {@code
 *     threshold} the cutoff in force, {@code clipped} the examples dropped), numbered {@code step};
 *     null without it; {@code skipped} set when the step was discarded
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
    int examples,
    boolean spikeSkipped,
    long spikeSkippedSteps,
    StepTelemetry lossSpike,
    StepTelemetry gradientNormSpike,
    StepTelemetry truncation) {

  /** Copies the stabilizer list. */
  public StepReport {
    stabilizers = List.copyOf(stabilizers);
  }

  /** A report of a guard without skip-step or loss truncation (the fields they add unset). */
  public StepReport(
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
    this(step, skipped, reason, gradientNorm, alrc, stabilizers, consecutiveSkipped, skippedSteps,
        objective, unclippedLoss, examples, false, 0, null, null, null);
  }

  /** Whether the optimizer step ran: neither skipped nor spike-skipped. */
  public boolean applied() {
    return !skipped && !spikeSkipped;
  }

  /**
   * The fraction of this step's examples whose loss ALRC scaled down, in [0, 1]; NaN without ALRC
   * or unless applied.
   */
  public double clipFraction() {
    if (alrc == null || !applied() || examples == 0) {
      return Double.NaN;
    }
    return (double) alrc.clipped() / examples;
  }

  /**
   * The fraction of this step's examples that loss truncation dropped, in [0, 1]; NaN without loss
   * truncation or unless applied.
   */
  public double dropFraction() {
    if (truncation == null || !applied() || examples == 0) {
      return Double.NaN;
    }
    return (double) truncation.clipped() / examples;
  }
}
