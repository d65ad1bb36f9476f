package io.alrc.spark;

/**
 * A run's attempt in a Spark task ended without {@code summary.json}; thrown so that Spark retries
 * the task ({@code spark.task.maxFailures}). The message is {@code alrc train exited CODE: LAST LOG
 * LINE}, which the driver copies into {@code failed.txt} after the last attempt.
 */
public final class RunFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RunFailedException(String message) {
    super(message);
  }
}
