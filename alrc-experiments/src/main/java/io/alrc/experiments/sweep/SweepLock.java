package io.alrc.experiments.sweep;

import io.alrc.experiments.data.ProcessLock;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The lock of a sweep's output folder: one sweep at a time writes into {@code OUT}. Two sweeps on
 * one folder would start the same runs twice and fail each other's.
 *
 * <p>{@link #acquire(Path)} takes a {@link ProcessLock} on {@code OUT/.lock}, which names the
 * holder ({@code pid 1234, started 2026-01-01T12:00:00Z}); a second sweep fails at once with
 * {@link HeldException}, naming the holder. The operating system releases the lock when the holder
 * exits, however it ends ({@code kill -9} included), so a leftover lock file never blocks a later
 * sweep. Nothing in the holding process may open the lock file (see {@link ProcessLock}).
 *
 * <p>Not thread-safe; close it once.
 */
public final class SweepLock implements AutoCloseable {
  /** The lock file's name in the output folder ({@value}). */
  public static final String FILE = ".lock";

  private final ProcessLock lock;

  private SweepLock(ProcessLock lock) {
    this.lock = lock;
  }

  /** Another sweep holds the lock of the folder. */
  public static final class HeldException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String holder;

    HeldException(Path out, String holder, Throwable cause) {
      super("another sweep is writing into " + out + " (" + holder + ", lock file "
          + out.resolve(FILE) + "); wait for it to end, or use another --out", cause);
      this.holder = holder;
    }

    /** The holder as its lock file names it, e.g. {@code pid 1234, started 2026-01-01T12:00:00Z}. */
    public String holder() {
      return holder;
    }
  }

  /**
   * Locks {@code out} (which must exist) for this process.
   *
   * @param out the sweep's output folder
   * @return the lock; {@link #close()} releases it
   * @throws HeldException if another sweep (or another lock in this process) holds it
   * @throws IOException if the lock file cannot be created or written
   */
  public static SweepLock acquire(Path out) throws IOException {
    try {
      return new SweepLock(ProcessLock.acquire(out.resolve(FILE)));
    } catch (ProcessLock.HeldException e) {
      throw new HeldException(out, e.holder(), e);
    }
  }

  /**
   * This process as the lock file names it. (Read it here, not from the file: opening the lock
   * file again in this process would release the lock.)
   */
  public String holder() {
    return lock.holder();
  }

  /** Releases the lock; the file stays. */
  @Override
  public void close() throws IOException {
    lock.close();
  }
}
