package io.alrc.experiments.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock held by one process on a lock file, naming its holder: what keeps two sweeps
 * out of one output folder and two downloads out of one data folder.
 *
 * <p>{@link #acquire(Path)} takes an operating-system {@link FileChannel#tryLock() file lock} on the
 * file (created if missing) and writes {@code pid 1234, started 2026-01-01T12:00:00Z} into it; a
 * second process fails at once with {@link HeldException}, which names the holder. The operating
 * system releases the lock when the holder exits, however it ends ({@code kill -9} included), so a
 * leftover lock file never blocks anyone; the file itself stays. The lock is advisory: it keeps out
 * the programs that take it, nothing else.
 *
 * <p>Within one JVM a second {@code acquire} of the same file fails the same way without opening
 * the file: on POSIX systems, closing any descriptor of a locked file releases the process's lock on
 * it, so nothing in the holding process may open the lock file (use {@link #holder()} instead).
 *
 * <p>Close it once; {@link #acquire} is thread-safe.
 */
public final class ProcessLock implements AutoCloseable {
  /** The lock files this JVM holds (real paths of their folders and names), and their holders. */
  private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

  private final FileChannel channel;
  private final FileLock lock;
  private final Path key;
  private final String holder;

  private ProcessLock(FileChannel channel, FileLock lock, Path key, String holder) {
    this.channel = channel;
    this.lock = lock;
    this.key = key;
    this.holder = holder;
  }

  /** Another process (or another lock of this JVM) holds the lock. */
  public static final class HeldException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String holder;

    HeldException(Path file, String holder) {
      super(file + " is locked by " + holder);
      this.file = file;
      this.holder = holder;
    }

    /** The lock file. */
    public Path file() {
      return file;
    }

    /** The holder as the lock file names it, e.g. {@code pid 1234, started 2026-01-01T12:00:00Z}. */
    public String holder() {
      return holder;
    }
  }

  /**
   * Locks {@code file} for this process; its folder must exist.
   *
   * @param file the lock file, created if missing
   * @return the lock; {@link #close()} releases it
   * @throws HeldException if another process, or another lock in this JVM, holds it
   * @throws IOException if the file cannot be created or written
   */
  public static ProcessLock acquire(Path file) throws IOException {
    Path key = file.toAbsolutePath().getParent().toRealPath().resolve(file.getFileName());
    String text = "pid " + ProcessHandle.current().pid() + ", started "
        + Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String before = HELD.putIfAbsent(key, text);
    if (before != null) {
      throw new HeldException(file, before);
    }
    try {
      return lock(file, key, text);
    } catch (IOException | RuntimeException e) {
      HELD.remove(key);
      throw e;
    }
  }

  private static ProcessLock lock(Path file, Path key, String text) throws IOException {
    FileChannel channel = FileChannel.open(
        file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        String other = firstLine(channel);
        throw new HeldException(file, other.isEmpty() ? "another process (holder unknown)" : other);
      }
      channel.truncate(0);
      ByteBuffer buf = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
      long at = 0;
      while (buf.hasRemaining()) {
        at += channel.write(buf, at);
      }
      channel.force(true);
      return new ProcessLock(channel, lock, key, text);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static String firstLine(FileChannel channel) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(256);
    long at = 0;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, at);
      if (n <= 0) {
        break;
      }
      at += n;
    }
    String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    int nl = text.indexOf('\n');
    return Printable.escape((nl < 0 ? text : text.substring(0, nl)).strip());
  }

  /** This process as the lock file names it: {@code pid 1234, started 2026-01-01T12:00:00Z}. */
  public String holder() {
    return holder;
  }

  /** Releases the lock; the file stays. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
      HELD.remove(key);
    }
  }
}
