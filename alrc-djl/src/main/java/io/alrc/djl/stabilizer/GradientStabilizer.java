package io.alrc.djl.stabilizer;

import ai.djl.nn.ParameterList;
import ai.djl.training.Trainer;
import io.alrc.telemetry.StepTelemetry;
import java.util.Optional;

/**
 * A gradient stabilizer inside DJL training: applied once per step after backward and before the
 * optimizer step, it measures the gradients, scales them in place, and advances its statistics.
 * Implementations are <b>stateful</b> (they hold the core stabilizer's current state) and <b>not
 * thread-safe</b>; get them from {@link GradientStabilizers}.
 *
 * <p>Contract of {@link #apply(Gradients)}: if the measured norm is not finite, nothing changes
 * (neither gradients nor state) and the telemetry says {@code skipped}; the caller must then skip
 * the optimizer step. {@link io.alrc.djl.training.StepGuard} does that, and also checks the global
 * norm before any stabilizer runs, so inside it a stabilizer only ever sees finite gradients.
 *
 * <p>Use from a hand-written loop: {@code stabilizer.apply(trainer)} between {@code
 * collector.backward(loss)} (after the collector is closed) and {@code trainer.step()}; from
 * {@code EasyTrain.fit}: add it to a {@link io.alrc.djl.training.StepGuard}, which is a {@code
 * TrainingListener} that runs it in {@code onTrainingBatch}.
 */
public interface GradientStabilizer {
  /** The kind as snapshots and telemetry spell it, e.g. {@code zclip}. */
  String kind();

  /**
   * One step: measure, scale the gradients in place, advance the state.
   *
   * @return this step's telemetry (also kept as {@link #lastTelemetry()})
   */
  StepTelemetry apply(Gradients gradients);

  /** {@link #apply(Gradients)} on the trainable parameters of the trainer's model. */
  default StepTelemetry apply(Trainer trainer) {
    try (Gradients g = Gradients.of(trainer)) {
      return apply(g);
    }
  }

  /** {@link #apply(Gradients)} on the trainable parameters in {@code parameters}. */
  default StepTelemetry apply(ParameterList parameters) {
    try (Gradients g = Gradients.of(parameters)) {
      return apply(g);
    }
  }

  /** The telemetry of the last {@link #apply}, if any. */
  Optional<StepTelemetry> lastTelemetry();

  /** The configuration and current state in the versioned snapshot format. */
  byte[] snapshot();

  /**
   * Continues from a snapshot taken by {@link #snapshot()} of a stabilizer with the same
   * configuration.
   *
   * @throws IllegalArgumentException if the bytes are not a snapshot of this kind and
   *     configuration (the message says what differs)
   */
  void restore(byte[] bytes);

  /** Back to the fresh state. */
  void reset();
}
