package io.alrc.experiments.data;

/**
 * Receives the progress of a long operation measured in units (bytes for a download).
 *
 * <p>The calls come in the order {@link #start}, any number of {@link #advance}, then {@link
 * #finish} exactly once, also when the operation fails. All calls come from the thread that runs
 * the operation. {@link ConsoleProgress} has ready-made implementations for a terminal and for
 * logs.
 */
public interface ProgressListener {

  /**
   * The operation begins.
   *
   * @param task a short description shown to the user, e.g. {@code "cifar-10-binary.tar.gz"}
   * @param total the number of units expected; -1 if unknown
   */
  void start(String task, long total);

  /**
   * More units are done.
   *
   * @param units the units done since the previous call; &gt;= 0
   */
  void advance(long units);

  /** The operation has ended (successfully or not); no further calls follow. */
  void finish();

  /**
   * A listener that ignores every call.
   *
   * @return the silent listener
   */
  static ProgressListener none() {
    return new ProgressListener() {
      @Override
      public void start(String task, long total) {}

      @Override
      public void advance(long units) {}

      @Override
      public void finish() {}
    };
  }
}
