package io.alrc;

/**
 * The state of an ALRC clipper between two steps: immutable, so it can be kept, compared, logged or
 * saved at any point (see {@link io.alrc.snapshot.AlrcSnapshot}).
 *
 * @param mu1 running mean of the (clipped) loss
 * @param mu2 running mean of the squared (clipped) loss
 * @param steps steps processed so far, skipped ones included
 * @param skippedSteps steps skipped because a loss was not finite, in total
 * @param consecutiveSkipped steps skipped in a row up to now (0 after any finite step)
 * @param warmupCount extension {@link AlrcConfig#warmupLosses()}: example losses seen while
 *     estimating the initial moments; equals the configured count once warm-up is over (0 when the
 *     extension is off)
 * @param warmupSum sum of the warm-up losses
 * @param warmupSumSq sum of the squares of the warm-up losses
 */
public record AlrcState(
    double mu1,
    double mu2,
    long steps,
    long skippedSteps,
    int consecutiveSkipped,
    long warmupCount,
    double warmupSum,
    double warmupSumSq) {

  /** Checks that the fields are mutually consistent (finite moments, non-negative counters). */
  public AlrcState {
    if (!Double.isFinite(mu1) || !Double.isFinite(mu2)) {
      throw new IllegalArgumentException(
          "mu1 (" + mu1 + ") and mu2 (" + mu2 + ") must be finite");
    }
    if (steps < 0 || skippedSteps < 0 || consecutiveSkipped < 0 || warmupCount < 0) {
      throw new IllegalArgumentException(
          "counters must be >= 0: steps " + steps + ", skippedSteps " + skippedSteps
              + ", consecutiveSkipped " + consecutiveSkipped + ", warmupCount " + warmupCount);
    }
    if (skippedSteps > steps || consecutiveSkipped > skippedSteps) {
      throw new IllegalArgumentException(
          "inconsistent counters: steps " + steps + ", skippedSteps " + skippedSteps
              + ", consecutiveSkipped " + consecutiveSkipped);
    }
  }

  /** The fresh state of a configuration: {@code mu1(0)}, {@code mu2(0)}, all counters 0. */
  public static AlrcState initial(AlrcConfig config) {
    return new AlrcState(config.initialMu1(), config.initialMu2(), 0, 0, 0, 0, 0, 0);
  }

  /** Running standard deviation, {@code sqrt(max(mu2 - mu1^2, 0) + eps)}. */
  public double sigma(double eps) {
    return Math.sqrt(Math.max(mu2 - mu1 * mu1, 0) + eps);
  }
}
