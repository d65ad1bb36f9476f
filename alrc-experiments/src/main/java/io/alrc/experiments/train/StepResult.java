package io.alrc.experiments.train;

/**
 * What one training step measured, as written to a row of {@code metrics.csv}.
 *
 * @param loss the objective that was backpropagated: the batch mean after the stabilizer (for
 *     gradient stabilizers and no stabilizer: the unadjusted loss)
 * @param unadjustedLoss the batch mean of the per-example losses after the safeguard and before
 *     the stabilizer, as the paper's authors logged it
 * @param maxExampleLoss the largest per-example loss of the batch
 * @param threshold the stabilizer's threshold this step (ALRC: {@code lmax}); NaN for none
 * @param clipped examples (ALRC) or gradients (others) scaled down this step
 * @param minScale the smallest scale applied
 * @param gradNorm the global gradient norm before any gradient stabilizer; NaN if not measured
 * @param skipped whether the step was skipped because the loss or gradients were not finite
 * @param injected the index of the example corrupted by spike injection this step, or -1
 */
public record StepResult(
    double loss,
    double unadjustedLoss,
    double maxExampleLoss,
    double threshold,
    int clipped,
    double minScale,
    double gradNorm,
    boolean skipped,
    int injected) {}
