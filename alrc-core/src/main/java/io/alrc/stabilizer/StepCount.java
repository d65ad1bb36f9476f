package io.alrc.stabilizer;

/**
 * The state of a stabilizer that keeps no statistics: just the number of steps seen, so its
 * telemetry can be numbered. Like optax's empty state, it lets callers treat every stabilizer alike.
 *
 * @param steps steps processed so far; &gt;= 0
 */
public record StepCount(long steps) {
  /** Checks the count. */
  public StepCount {
    if (steps < 0) {
      throw new IllegalArgumentException("steps (" + steps + ") must be >= 0");
    }
  }

  /** The count after one more step. */
  public StepCount next() {
    return new StepCount(steps + 1);
  }
}
