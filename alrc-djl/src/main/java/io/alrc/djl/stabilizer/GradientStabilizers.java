package io.alrc.djl.stabilizer;

import io.alrc.stabilizer.AdaGC;
import io.alrc.stabilizer.AdaptiveGradientClipper;
import io.alrc.stabilizer.AutoClip;
import io.alrc.stabilizer.GlobalNormClipper;
import io.alrc.stabilizer.NormStabilizer;
import io.alrc.stabilizer.StepCount;
import io.alrc.stabilizer.ZClip;

/**
 * Factories for the peer gradient stabilizers as DJL components. Defaults are the core classes'
 * (see {@link AutoClip}, {@link ZClip}, {@link AdaptiveGradientClipper}, {@link AdaGC}); each
 * factory returns a fresh, stateful instance for one training.
 *
 * <pre>{@code
 * GradientStabilizer zclip = GradientStabilizers.zClip();
 * StepGuard guard = StepGuard.builder().addStabilizer(zclip).build();
 * }</pre>
 */
public final class GradientStabilizers {
  private GradientStabilizers() {}

  /** Fixed global-norm clipping at {@code maxNorm}, as PyTorch's {@code clip_grad_norm_}. */
  public static NormGradientStabilizer<StepCount> globalNorm(double maxNorm) {
    return new NormGradientStabilizer<>(new GlobalNormClipper(maxNorm));
  }

  /** AutoClip with the authors' percentile and the default history window. */
  public static NormGradientStabilizer<AutoClip.State> autoClip() {
    return new NormGradientStabilizer<>(new AutoClip());
  }

  /** AutoClip at the {@code percentile}-th percentile of the last {@code window} norms. */
  public static NormGradientStabilizer<AutoClip.State> autoClip(double percentile, int window) {
    return new NormGradientStabilizer<>(new AutoClip(percentile, window));
  }

  /** ZClip with the reference implementation's alpha, threshold and warm-up. */
  public static NormGradientStabilizer<ZClip.State> zClip() {
    return new NormGradientStabilizer<>(new ZClip());
  }

  /** ZClip with the given EMA factor, z-score threshold and warm-up steps. */
  public static NormGradientStabilizer<ZClip.State> zClip(
      double alpha, double zThreshold, int warmup) {
    return new NormGradientStabilizer<>(new ZClip(alpha, zThreshold, warmup));
  }

  /** Unit-wise AGC with the authors' lambda and eps. */
  public static AgcGradientStabilizer agc() {
    return new AgcGradientStabilizer(new AdaptiveGradientClipper());
  }

  /** Unit-wise AGC with the given lambda and weight-norm floor eps. */
  public static AgcGradientStabilizer agc(double lambda, double eps) {
    return new AgcGradientStabilizer(new AdaptiveGradientClipper(lambda, eps));
  }

  /**
   * AdaGC, per-tensor adaptive clipping, with the paper's defaults: {@code lambda_abs} 1, {@code
   * lambda_rel} 1.05, {@code beta} 0.98, 100 warm-up steps. The tensor count comes with the first
   * step ({@link AdaGcGradientStabilizer}).
   */
  public static AdaGcGradientStabilizer adaGc() {
    return new AdaGcGradientStabilizer(
        AdaGC.DEFAULT_LAMBDA_ABS, AdaGC.DEFAULT_LAMBDA_REL, AdaGC.DEFAULT_BETA, AdaGC.DEFAULT_WARMUP);
  }

  /**
   * AdaGC with the given global-norm bound during the warm-up, relative bound, EMA factor and
   * warm-up steps (ranges: {@link AdaGC#AdaGC(int, double, double, double, int)}).
   */
  public static AdaGcGradientStabilizer adaGc(
      double lambdaAbs, double lambdaRel, double beta, int warmup) {
    return new AdaGcGradientStabilizer(lambdaAbs, lambdaRel, beta, warmup);
  }

  /** Any core norm stabilizer applied to DJL gradients. */
  public static <S> NormGradientStabilizer<S> of(NormStabilizer<S> core) {
    return new NormGradientStabilizer<>(core);
  }
}
