package io.alrc;

import java.util.Arrays;

/**
 * The state of an ALRC clipper between two steps: immutable, so it can be kept, compared, logged or
 * saved at any point (see {@link io.alrc.snapshot.AlrcSnapshot}).
 *
 * @param mu1 running mean of the (clipped) loss; with the auto start's warm-up, the provisional
 *     mean of the warm-up losses clipped at the latest warm-up bound
 * @param mu2 running mean of the squared (clipped) loss; provisional likewise during the warm-up
 * @param steps steps processed so far, skipped ones included
 * @param skippedSteps steps skipped because a loss was not finite, in total
 * @param consecutiveSkipped steps skipped in a row up to now (0 after any finite step)
 * @param warmupCount example losses seen while estimating the initial moments: for the legacy
 *     {@link AlrcConfig#warmupLosses()} it equals the configured count once that warm-up is over;
 *     for the auto start ({@link AlrcConfig#warmup()}) it is every warm-up loss (zeros included),
 *     at least K once the warm-up is over; 0 when neither is on
 * @param warmupSum legacy warm-up: sum of the warm-up losses (0 otherwise)
 * @param warmupSumSq legacy warm-up: sum of the squares of the warm-up losses (0 otherwise)
 * @param warmupBuffer the auto start's positive warm-up losses so far, ascending, finite; empty
 *     once the warm-up is over and whenever the auto start is off. The accessor returns a copy
 */
public record AlrcState(
    double mu1,
    double mu2,
    long steps,
    long skippedSteps,
    int consecutiveSkipped,
    long warmupCount,
    double warmupSum,
    double warmupSumSq,
    double[] warmupBuffer) {

  private static final double[] NONE = new double[0];

  /**
   * A state without an auto-start warm-up buffer: the canonical constructor with an empty {@code
   * warmupBuffer}, as this record was before the auto start.
   */
  public AlrcState(
      double mu1,
      double mu2,
      long steps,
      long skippedSteps,
      int consecutiveSkipped,
      long warmupCount,
      double warmupSum,
      double warmupSumSq) {
    this(
        mu1, mu2, steps, skippedSteps, consecutiveSkipped, warmupCount, warmupSum, warmupSumSq,
        NONE);
  }

  /**
   * Checks that the fields are mutually consistent (finite moments, non-negative counters, a
   * sorted buffer of positive finite losses no longer than the warm-up count) and copies the
   * buffer.
   */
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
    if (warmupBuffer == null) {
      throw new IllegalArgumentException("warmupBuffer must not be null: use an empty array");
    }
    warmupBuffer = warmupBuffer.length == 0 ? NONE : warmupBuffer.clone();
    if (warmupBuffer.length > warmupCount) {
      throw new IllegalArgumentException(
          "warmupBuffer holds " + warmupBuffer.length + " losses, more than warmupCount "
              + warmupCount);
    }
    for (int i = 0; i < warmupBuffer.length; i++) {
      double v = warmupBuffer[i];
      if (!(Double.isFinite(v) && v > 0) || (i > 0 && v < warmupBuffer[i - 1])) {
        throw new IllegalArgumentException(
            "warmupBuffer must hold positive finite losses in ascending order, found " + v
                + " at index " + i);
      }
    }
  }

  /**
   * The fresh state of a configuration: {@code mu1(0)}, {@code mu2(0)} (0 and 0 with the auto
   * start, which has no initial moments), all counters 0.
   */
  public static AlrcState initial(AlrcConfig config) {
    if (config.autoStart()) {
      return new AlrcState(0, 0, 0, 0, 0, 0, 0, 0);
    }
    return new AlrcState(config.initialMu1(), config.initialMu2(), 0, 0, 0, 0, 0, 0);
  }

  /** Running standard deviation, {@code sqrt(max(mu2 - mu1^2, 0) + eps)}. */
  public double sigma(double eps) {
    return Math.sqrt(Math.max(mu2 - mu1 * mu1, 0) + eps);
  }

  /**
   * Whether the next step still belongs to a warm-up of {@code config}: the auto start's ({@link
   * AlrcConfig#warmup()}) or the legacy one ({@link AlrcConfig#warmupLosses()}). Always false when
   * neither is on.
   */
  public boolean inWarmup(AlrcConfig config) {
    if (config.autoStart()) {
      return warmupCount < config.warmup();
    }
    return config.warmupLosses() > 0 && warmupCount < config.warmupLosses();
  }

  /** A copy of the auto start's warm-up losses (ascending). */
  @Override
  public double[] warmupBuffer() {
    return warmupBuffer.clone();
  }

  /** The number of losses in {@link #warmupBuffer()}, without copying. */
  public int warmupBufferSize() {
    return warmupBuffer.length;
  }

  /** The {@code i}-th smallest buffered warm-up loss, without copying. */
  public double warmupBuffer(int i) {
    return warmupBuffer[i];
  }

  /** Equal fields, the buffer compared by content (doubles as by {@link Double#compare}). */
  @Override
  public boolean equals(Object o) {
    return o instanceof AlrcState s
        && Double.compare(mu1, s.mu1) == 0
        && Double.compare(mu2, s.mu2) == 0
        && steps == s.steps
        && skippedSteps == s.skippedSteps
        && consecutiveSkipped == s.consecutiveSkipped
        && warmupCount == s.warmupCount
        && Double.compare(warmupSum, s.warmupSum) == 0
        && Double.compare(warmupSumSq, s.warmupSumSq) == 0
        && Arrays.equals(warmupBuffer, s.warmupBuffer);
  }

  @Override
  public int hashCode() {
    int h = Double.hashCode(mu1);
    h = 31 * h + Double.hashCode(mu2);
    h = 31 * h + Long.hashCode(steps);
    h = 31 * h + Long.hashCode(skippedSteps);
    h = 31 * h + consecutiveSkipped;
    h = 31 * h + Long.hashCode(warmupCount);
    h = 31 * h + Double.hashCode(warmupSum);
    h = 31 * h + Double.hashCode(warmupSumSq);
    return 31 * h + Arrays.hashCode(warmupBuffer);
  }

  @Override
  public String toString() {
    return "AlrcState[mu1=" + mu1 + ", mu2=" + mu2 + ", steps=" + steps + ", skippedSteps="
        + skippedSteps + ", consecutiveSkipped=" + consecutiveSkipped + ", warmupCount="
        + warmupCount + ", warmupSum=" + warmupSum + ", warmupSumSq=" + warmupSumSq
        + (warmupBuffer.length == 0 ? "" : ", warmupBuffer=" + Arrays.toString(warmupBuffer))
        + "]";
  }
}
