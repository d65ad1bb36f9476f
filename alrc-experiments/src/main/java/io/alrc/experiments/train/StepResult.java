package io.alrc.experiments.train;

/**
 * What one training step measured, as written to a row of {@code metrics.csv}.
 *
 * @param loss the objective that was backpropagated: the batch mean after the stabilizer (for
 *     gradient stabilizers and no stabilizer: the unadjusted loss)
 * @param unadjustedLoss the batch mean of the per-example losses after the safeguard and before
 *     the stabilizer, as the paper's authors logged it
 * @param maxExampleLoss the largest per-example loss of the batch
 * <p>Skip-step ({@link Stabilizer.SkipStep}) skips the optimizer update of a step whose loss or
 * gradient norm spikes. Such a step is deliberate, not a failure: it has {@code skipped} false
 * (that flag, the {@code skipped} column of {@code metrics.csv} and a summary's skipped steps mean
 * non-finite steps only), {@code clipped} 1 and {@code minScale} 0, so a run's clip rate is its rate
 * of spike skips; {@code loss} is then the batch mean that was not applied.
 *
 * @param threshold the stabilizer's threshold this step (ALRC: {@code lmax}; loss truncation: the
 *     cutoff; skip-step: the loss monitor's {@code mean + factor * std}, or the gradient-norm
 *     monitor's when only the gradient norm is watched); NaN for none
 * @param clipped examples (ALRC, loss truncation: dropped examples), tensors (AdaGC), units (AGC),
 *     a skipped update (skip-step: 1) or gradients (others) scaled down this step
 * @param minScale the smallest scale applied (0 for a dropped example or a skip-step skip)
 * @param gradNorm the global gradient norm before any gradient stabilizer; NaN if not measured (a
 *     non-finite loss, or a loss spike that made the backward unnecessary)
 * @param skipped whether the step was skipped because the loss or gradients were not finite (not
 *     for a skip-step spike, see above)
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
