package io.alrc.stabilizer;

/**
 * A gradient stabilizer that acts on the global gradient norm: given the L2 norm of all gradients
 * taken as one concatenated vector, it returns the factor to multiply every gradient by, and its
 * next state. Like ALRC's clipper, implementations are stateless and immutable: the state goes in
 * and a new one comes out, so it can be logged, compared and checkpointed at any step.
 *
 * <p>Call {@link #update} once per training step, after backward and before the optimizer step.
 * A non-finite norm returns a {@link NormStep#skipped() skipped} step with scale 0 and the state
 * unchanged: the caller must then not apply the step at all (no optimizer update).
 *
 * @param <S> the immutable state type
 */
public interface NormStabilizer<S> {
  /** The stabilizer's kind as CLI flags and snapshots spell it, e.g. {@code zclip}. */
  String kind();

  /** The fresh state. */
  S init();

  /**
   * One training step.
   *
   * @param globalNorm the L2 norm of all gradients as one vector, before this stabilizer
   * @param state the state after the previous step ({@link #init()} for the first)
   * @return the scale to apply to every gradient (in (0, 1]), the next state and the telemetry
   * @throws IllegalArgumentException for a negative norm
   */
  NormStep<S> update(double globalNorm, S state);

  /** Encodes the configuration and {@code state} in the versioned snapshot envelope. */
  byte[] snapshot(S state);

  /**
   * Decodes a snapshot of this stabilizer.
   *
   * @throws IllegalArgumentException if the bytes are not a snapshot of this kind, or were taken
   *     with another configuration (the message names both)
   */
  S restore(byte[] bytes);
}
