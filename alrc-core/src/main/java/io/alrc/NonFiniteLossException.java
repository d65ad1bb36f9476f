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

  /** "1st", "2nd", "3rd", "4th", ..., "11th", "21st": how messages count steps in a row. */
  public static String ordinal(int k) {
    int mod100 = k % 100;
    String suffix;
    if (mod100 >= 11 && mod100 <= 13) {
      suffix = "th";
    } else {
      suffix = switch (k % 10) {
        case 1 -> "st";
        case 2 -> "nd";
        case 3 -> "rd";
        default -> "th";
      };
    }
    return k + suffix;
  }

  /** Steps in a row with a non-finite loss, this one included. */
  public int consecutive() {
    return consecutive;
  }
}
