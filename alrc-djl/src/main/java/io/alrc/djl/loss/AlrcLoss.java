package io.alrc.djl.loss;

/**
 * Entry point for ALRC as a DJL {@link ai.djl.training.loss.Loss}, in DJL's factory style:
 *
 * <pre>{@code
 * StatefulAlrcLoss loss = AlrcLoss.builder()
 *     .setBaseLoss(PerExampleLosses.meanPower(4, 25))   // required: the per-example loss to clip
 *     .optN(3)                                           // optional; defaults from AlrcConfig
 *     .build();                                          // the auto start: no loss scale to guess
 * }</pre>
 *
 * The authors' constants are {@code optProfile(AlrcConfig.Profile.REFERENCE)} (or {@code
 * CIFAR2019}); fixed initial moments of your own are {@code optInitialMoments(mu1, mu2)}.
 *
 * The loss is stateful; see {@link StatefulAlrcLoss} for the once-per-step commit that keeps its
 * statistics right, and {@link io.alrc.djl.training.StepGuard} for the component that performs it.
 */
public final class AlrcLoss {
  private AlrcLoss() {}

  /** A builder; {@link StatefulAlrcLoss.Builder#setBaseLoss} is required. */
  public static StatefulAlrcLoss.Builder builder() {
    return new StatefulAlrcLoss.Builder();
  }

  /**
   * ALRC with the default configuration ({@link io.alrc.AlrcConfig#auto()}: n 3, beta 0.999, the
   * auto start) around {@code base}.
   */
  public static StatefulAlrcLoss wrap(PerExampleLoss base) {
    return builder().setBaseLoss(base).build();
  }
}
