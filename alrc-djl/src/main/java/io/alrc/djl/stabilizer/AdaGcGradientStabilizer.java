package io.alrc.djl.stabilizer;

import io.alrc.snapshot.SnapshotFormat;
import io.alrc.stabilizer.AdaGC;
import io.alrc.telemetry.StepTelemetry;
import java.util.Optional;

/**
 * AdaGC ({@link AdaGC}; Wang et al., arXiv 2502.11034) applied to DJL gradients: per parameter
 * tensor, each gradient clipped against an exponential moving average of its own past clipped
 * norms, after a warm-up of global-norm clipping.
 *
 * <pre>
 * norms[i] = ||g_i||                          # Gradients#norms: one per trainable parameter, in order
 * s, state = core.update(norms, state)        # the core's rule (warm-up: s_i = min(1, lambda_abs / (G + 1e-6)))
 * g_i     &lt;- s_i * g_i  where s_i &lt; 1         # in place
 * </pre>
 *
 * <p><b>Tensor count.</b> The core clipper holds one {@code gamma} per tensor, so it needs the
 * number of tensors; this stabilizer takes it from the first step's gradients (the trainable,
 * initialised parameters of the model, in {@code ParameterList} order), or from a restored
 * snapshot, and from then on every step must bring the same number ({@link IllegalStateException}
 * otherwise). Build it before the trainer: nothing about the model is needed up front.
 *
 * <p>A step with any non-finite norm changes nothing (telemetry {@code skipped}); a tensor whose
 * gradient is exactly 0 keeps its {@code gamma} (the core's rule). Telemetry: {@link AdaGC.Step}'s
 * (warm-up: the global norm against {@code lambda_abs}; then the largest ratio {@code ||g_i|| /
 * gamma_i} against {@code lambda_rel}; {@code clipped} counts tensors). <b>Stateful</b>; <b>not
 * thread-safe</b>.
 */
public final class AdaGcGradientStabilizer implements GradientStabilizer {
  /** The snapshot kind of a stabilizer that has not seen a step yet (no tensor count). */
  static final String UNBOUND_KIND = "adagc-unbound";

  private final double lambdaAbs;
  private final double lambdaRel;
  private final double beta;
  private final int warmup;
  private AdaGC core;
  private AdaGC.State state;
  private StepTelemetry last;

  /**
   * AdaGC with the given parameters (see {@link AdaGC#AdaGC(int, double, double, double, int)});
   * the tensor count comes with the first step.
   *
   * @throws IllegalArgumentException naming the first parameter out of range
   */
  public AdaGcGradientStabilizer(double lambdaAbs, double lambdaRel, double beta, int warmup) {
    new AdaGC(1, lambdaAbs, lambdaRel, beta, warmup); // the core's checks
    this.lambdaAbs = lambdaAbs;
    this.lambdaRel = lambdaRel;
    this.beta = beta;
    this.warmup = warmup;
  }

  /** The core clipper, once the tensor count is known (after the first step or a restore). */
  public Optional<AdaGC> core() {
    return Optional.ofNullable(core);
  }

  /** The current state, once the tensor count is known. */
  public Optional<AdaGC.State> state() {
    return Optional.ofNullable(state);
  }

  @Override
  public String kind() {
    return AdaGC.KIND;
  }

  @Override
  public StepTelemetry apply(Gradients gradients) {
    double[] norms = gradients.norms();
    bind(norms.length);
    AdaGC.Step step = core.update(norms, state);
    if (!step.skipped()) {
      for (int i = 0; i < norms.length; i++) {
        double s = step.scale(i);
        if (s < 1) {
          gradients.scale(i, s);
        }
      }
      state = step.state();
    }
    last = step.telemetry();
    return last;
  }

  private void bind(int tensors) {
    if (core == null) {
      core = new AdaGC(tensors, lambdaAbs, lambdaRel, beta, warmup);
      state = core.init();
    } else if (core.tensors() != tensors) {
      throw new IllegalStateException(
          "AdaGC was bound to " + core.tensors() + " parameter tensors (at its first step or"
              + " restore), this step has " + tensors + ": one AdaGC stabilizer belongs to one"
              + " model, whose trainable parameters must not change during training");
    }
  }

  @Override
  public Optional<StepTelemetry> lastTelemetry() {
    return Optional.ofNullable(last);
  }

  /**
   * The core's snapshot ({@link AdaGC#snapshot}: configuration, tensor count, {@code gamma}s); before
   * the first step, a snapshot of kind {@value #UNBOUND_KIND} that holds the configuration only.
   */
  @Override
  public byte[] snapshot() {
    if (core != null) {
      return core.snapshot(state);
    }
    return SnapshotFormat.encode(
        UNBOUND_KIND,
        out -> {
          out.writeDouble(lambdaAbs);
          out.writeDouble(lambdaRel);
          out.writeDouble(beta);
          out.writeInt(warmup);
        });
  }

  /**
   * Continues from a snapshot of an AdaGC stabilizer with the same configuration; an unbound one
   * takes the snapshot's tensor count.
   *
   * @throws IllegalArgumentException if the bytes are not an AdaGC snapshot of this configuration,
   *     or hold another tensor count than this stabilizer is bound to
   */
  @Override
  public void restore(byte[] bytes) {
    String kind = SnapshotFormat.kindOf(bytes);
    if (kind.equals(UNBOUND_KIND)) {
      SnapshotFormat.decode(
          bytes,
          UNBOUND_KIND,
          in -> {
            expectSame("lambdaAbs", in.readDouble(), lambdaAbs);
            expectSame("lambdaRel", in.readDouble(), lambdaRel);
            expectSame("beta", in.readDouble(), beta);
            expectSame("warmup", in.readInt(), warmup);
            return null;
          });
      core = null;
      state = null;
      return;
    }
    int tensors =
        SnapshotFormat.decode(
            bytes,
            AdaGC.KIND,
            in -> {
              int n = in.readInt();
              in.readAllBytes();
              return n;
            });
    AdaGC c = core != null ? core : new AdaGC(Math.max(1, tensors), lambdaAbs, lambdaRel, beta, warmup);
    AdaGC.State restored = c.restore(bytes); // checks configuration and tensor count
    core = c;
    state = restored;
  }

  private static void expectSame(String name, double found, double expected) {
    if (Double.doubleToLongBits(found) != Double.doubleToLongBits(expected)) {
      throw new IllegalArgumentException(
          "snapshot was taken with " + name + " " + found + ", this stabilizer has " + expected);
    }
  }

  /** Back to the fresh state; the tensor count stays as it was bound. */
  @Override
  public void reset() {
    if (core != null) {
      state = core.init();
    }
    last = null;
  }

  @Override
  public String toString() {
    return "AdaGcGradientStabilizer[lambdaAbs=" + lambdaAbs + ", lambdaRel=" + lambdaRel + ", beta="
        + beta + ", warmup=" + warmup + ", " + (state == null ? "unbound" : state) + "]";
  }
}
