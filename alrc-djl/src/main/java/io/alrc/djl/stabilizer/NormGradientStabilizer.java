package io.alrc.djl.stabilizer;

import io.alrc.stabilizer.NormStabilizer;
import io.alrc.stabilizer.NormStep;
import io.alrc.telemetry.StepTelemetry;
import java.util.Optional;

/**
 * A stabilizer of the global gradient norm ({@link io.alrc.stabilizer.GlobalNormClipper}, {@link
 * io.alrc.stabilizer.AutoClip}, {@link io.alrc.stabilizer.ZClip}) applied to DJL gradients:
 *
 * <pre>
 * norm  = sqrt(sum_p ||g_p||^2)             # Gradients#globalNorm
 * scale, state = core.update(norm, state)   # the core's rule and statistics
 * g_p  &lt;- scale * g_p  for every parameter p # in place, only when scale &lt; 1
 * </pre>
 *
 * A non-finite norm changes nothing (the core skips it). <b>Stateful</b>: holds the core's current
 * state; <b>not thread-safe</b>.
 *
 * @param <S> the core stabilizer's state type
 */
public final class NormGradientStabilizer<S> implements GradientStabilizer {
  private final NormStabilizer<S> core;
  private S state;
  private StepTelemetry last;

  /** Applies {@code core}, starting from its fresh state. */
  public NormGradientStabilizer(NormStabilizer<S> core) {
    if (core == null) {
      throw new IllegalArgumentException("core stabilizer must not be null");
    }
    this.core = core;
    this.state = core.init();
  }

  /** The core stabilizer (configuration and rule). */
  public NormStabilizer<S> core() {
    return core;
  }

  /** The current state. */
  public S state() {
    return state;
  }

  @Override
  public String kind() {
    return core.kind();
  }

  @Override
  public StepTelemetry apply(Gradients gradients) {
    NormStep<S> step = core.update(gradients.globalNorm(), state);
    if (!step.skipped()) {
      gradients.scaleAll(step.scale());
      state = step.state();
    }
    last = step.telemetry();
    return last;
  }

  @Override
  public Optional<StepTelemetry> lastTelemetry() {
    return Optional.ofNullable(last);
  }

  @Override
  public byte[] snapshot() {
    return core.snapshot(state);
  }

  @Override
  public void restore(byte[] bytes) {
    state = core.restore(bytes);
  }

  @Override
  public void reset() {
    state = core.init();
    last = null;
  }

  @Override
  public String toString() {
    return "NormGradientStabilizer[" + core.kind() + ", " + state + "]";
  }
}
