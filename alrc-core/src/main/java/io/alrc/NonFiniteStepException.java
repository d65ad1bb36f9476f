package io.alrc;

import java.util.Locale;

/**
 * Raised by a training loop (the DJL integration's {@code StepGuard}, the training engines) when
 * the configured number of training steps in a row had a non-finite loss or gradient: training has
 * diverged and skipping more steps will not help. It is a {@link
 * NonFiniteLossException}, so one {@code catch} serves both; the message names the step, the count,
 * the limit and the last cause. The step that raised it was skipped like the
 * ones before it: parameters, optimizer and stabilizer state are those before the first of them.
 */
public class NonFiniteStepException extends NonFiniteLossException {
  private static final long serialVersionUID = 1L;

  private final String reason;

  /**
   * @param step the 1-based training step that reached the limit
   * @param consecutive how many steps in a row were non-finite, this one included
   * @param reason what was non-finite in this step, e.g. {@code "gradient norm is NaN"}
   * @param message the full message
   */
  public NonFiniteStepException(long step, int consecutive, String reason, String message) {
    super(step, consecutive, message);
    this.reason = reason;
  }

  /**
   * The exception for a training that reached its limit of non-finite steps in a row, with the
   * message every engine gives (step, cause, count, limit and what to try).
   *
   * @param step the 1-based training step that reached the limit
   * @param consecutive how many steps in a row were non-finite, this one included
   * @param reason what was non-finite in this step
   * @param limit the limit that was reached
   */
  public static NonFiniteStepException diverged(long step, int consecutive, String reason, int limit) {
    return new NonFiniteStepException(
        step,
        consecutive,
        reason,
        String.format(
            Locale.ROOT,
            "step %d: %s, the %s non-finite step in a row (limit %d): training has diverged;"
                + " lower the learning rate, check the data, or raise the non-finite limit",
            step,
            reason,
            NonFiniteLossException.ordinal(consecutive),
            limit));
  }

  /** What was non-finite in the step that reached the limit. */
  public String reason() {
    return reason;
  }
}
