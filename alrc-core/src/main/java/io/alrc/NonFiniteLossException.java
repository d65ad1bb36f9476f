package io.alrc;

/**
 * Raised when a training step brings a non-finite loss (NaN or infinity) for the configured number
 * of steps in a row ({@link AlrcConfig#nonFiniteLimit()}): training has diverged and skipping more
 * steps will not help. The clipper's state is the one before the failing step.
 */
public class NonFiniteLossException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final long step;
  private final int consecutive;

  /**
   * @param step the 1-based step that reached the limit
   * @param consecutive how many steps in a row had a non-finite loss, this one included
   * @param message what happened, naming the step and the offending value
   */
  public NonFiniteLossException(long step, int consecutive, String message) {
    super(message);
    this.step = step;
    this.consecutive = consecutive;
  }

  /** The 1-based step that reached the limit. */
  public long step() {
    return step;
  }

  /** Steps in a row with a non-finite loss, this one included. */
  public int consecutive() {
    return consecutive;
  }
}
