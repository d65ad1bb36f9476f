package io.alrc.experiments.sweep;

import io.alrc.AlrcConfig;
import io.alrc.experiments.train.TrainConfig;
import io.alrc.stabilizer.AdaptiveGradientClipper;
import io.alrc.stabilizer.AutoClip;
import io.alrc.stabilizer.GlobalNormClipper;
import io.alrc.stabilizer.ZClip;

/**
 * Checks a configuration's stabilizer parameters up front by building the core stabilizer the
 * training engine would build, with the same defaults, so that a sweep rejects e.g. {@code
 * z_alpha: 1.5} before any run starts instead of when that run starts.
 */
final class StabilizerChecks {
  private StabilizerChecks() {}

  /**
   * @throws IllegalArgumentException starting with {@code stabilizer NAME:} and the core's message
   */
  static void check(TrainConfig c) {
    try {
      switch (c.stabilizer()) {
        case "alrc" -> AlrcConfig.Profile.parse(c.profile()).builder().n(c.n()).build();
        case "global-norm" -> new GlobalNormClipper(c.maxNorm());
        case "autoclip" -> new AutoClip(
            c.percentile() != null ? c.percentile() : AutoClip.DEFAULT_PERCENTILE,
            c.window() != null ? c.window() : AutoClip.DEFAULT_WINDOW);
        case "zclip" -> new ZClip(
            c.zAlpha() != null ? c.zAlpha() : ZClip.DEFAULT_ALPHA,
            c.zThreshold() != null ? c.zThreshold() : ZClip.DEFAULT_Z_THRESHOLD,
            c.zWarmup() != null ? c.zWarmup() : ZClip.DEFAULT_WARMUP);
        case "agc" -> new AdaptiveGradientClipper(
            c.agcLambda() != null ? c.agcLambda() : AdaptiveGradientClipper.DEFAULT_LAMBDA,
            AdaptiveGradientClipper.DEFAULT_EPS);
        default -> {
          // none: nothing to check
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("stabilizer " + c.stabilizer() + ": " + e.getMessage(), e);
    }
  }
}
