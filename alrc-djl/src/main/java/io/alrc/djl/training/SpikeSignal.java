package io.alrc.djl.training;

/**
 * What {@link StepGuard}'s skip-step watches for spikes ({@link
 * StepGuard.Builder#optSkipOnSpikes(int, double, SpikeSignal)}): the step's batch-mean loss, its
 * global gradient norm before any stabilizer, or both with one monitor each ({@link
 * io.alrc.stabilizer.SpikeSkipper}), the update being skipped when either spikes, as OLMo-core and
 * MaxText do.
 */
public enum SpikeSignal {
  /** The batch-mean loss (before ALRC or truncation). */
  LOSS,
  /** The global gradient norm, before any gradient stabilizer. */
  GRADIENT_NORM,
  /** Both, one monitor each: the references' behaviour. */
  BOTH;

  /** Whether the loss is watched. */
  public boolean watchesLoss() {
    return this != GRADIENT_NORM;
  }

  /** Whether the gradient norm is watched. */
  public boolean watchesGradientNorm() {
    return this != LOSS;
  }
}
