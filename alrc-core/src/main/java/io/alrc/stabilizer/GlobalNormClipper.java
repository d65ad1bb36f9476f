package io.alrc.stabilizer;

import io.alrc.snapshot.SnapshotFormat;
import io.alrc.telemetry.StepTelemetry;

/**
 * Fixed global-norm clipping, as PyTorch's {@code clip_grad_norm_}: all gradients, taken as one
 * concatenated vector, are multiplied by
 *
 * <pre>
 * scale = min(1, c / (norm + 1e-6))
 * </pre>
 *
 * so the global norm after clipping is at most {@code c}. Stateless apart from a step count.
 * Use it when a sensible norm bound is known; when it is not, prefer {@link AutoClip} or {@link
 * ZClip}. A non-finite norm gives a skipped step (scale 0; do not apply the step).
 * Thread-safe and immutable.
 */
public final class GlobalNormClipper implements NormStabilizer<StepCount> {
  /** The kind written in snapshots and telemetry. */
  public static final String KIND = "global-norm";

  private final double maxNorm;

  /**
   * @param maxNorm the largest allowed global norm {@code c}; finite, &gt; 0
   */
  public GlobalNormClipper(double maxNorm) {
    if (!(Double.isFinite(maxNorm) && maxNorm > 0)) {
      throw new IllegalArgumentException("maxNorm (" + maxNorm + ") must be finite and > 0");
    }
    this.maxNorm = maxNorm;
  }

  /** The bound {@code c}. */
  public double maxNorm() {
    return maxNorm;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public StepCount init() {
    return new StepCount(0);
  }

  @Override
  public NormStep<StepCount> update(double globalNorm, StepCount state) {
    Norms.checkNorm(globalNorm);
    StepCount next = state.next();
    if (!Double.isFinite(globalNorm)) {
      return new NormStep<>(0, state, skippedTelemetry(next.steps(), globalNorm, maxNorm));
    }
    double scale = Norms.clipScale(globalNorm, maxNorm);
    boolean clipped = scale < 1;
    return new NormStep<>(
        scale,
        next,
        new StepTelemetry(
            next.steps(), globalNorm, maxNorm, Double.NaN, Double.NaN, clipped ? 1 : 0, scale,
            false));
  }

  @Override
  public byte[] snapshot(StepCount state) {
    return SnapshotFormat.encode(
        KIND,
        out -> {
          out.writeDouble(maxNorm);
          out.writeLong(state.steps());
        });
  }

  @Override
  public StepCount restore(byte[] bytes) {
    return SnapshotFormat.decode(
        bytes,
        KIND,
        in -> {
          Snapshots.expectSame("maxNorm", in.readDouble(), maxNorm);
          return new StepCount(in.readLong());
        });
  }

  static StepTelemetry skippedTelemetry(long step, double norm, double threshold) {
    return new StepTelemetry(step, norm, threshold, Double.NaN, Double.NaN, 0, Double.NaN, true);
  }
}
