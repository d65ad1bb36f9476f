package io.alrc.experiments.sweep;

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lock of a sweep's output folder: one sweep at a time writes into {@code OUT}. Two sweeps on
 * one folder would start the same runs twice and fail each other's.
 *
 * <p>{@link #acquire(Path)} takes an exclusive {@link FileChannel#tryLock() file lock} on {@code
 * OUT/.lock} and writes the holder into it ({@code pid 1234, started 2026-01-01T12:00:00Z}); a
 * second sweep fails at once with {@link HeldException}, which names the holder. The operating
 * system releases the lock when the holder exits, however it ends ({@code kill -9} included), so a
 * stale lock file never blocks a later sweep; the file itself stays. The lock is advisory: it keeps
 * out other sweeps (and {@code alrc-spark}'s driver), not other programs. Within one JVM a second
 * {@code acquire} of the same folder fails the same way, without touching the file: on POSIX
 * systems closing any descriptor of a locked file releases the process's lock on it, so nothing in
 * the holding process may open the lock file.
 *
 * <p>Not thread-safe; close it once.
 */
public final class SweepLock implements AutoCloseable {
  /** The lock file's name in the output folder ({@value}). */
  public static final String FILE = ".lock";

  /** The folders this JVM holds locks on (real paths), and what their lock files say. */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private static final Map<Path, String> HELD_TEXT = new ConcurrentHashMap<>();

  private final FileChannel channel;
  private final FileLock lock;
  private final Path key;
  private final String holder;

  private SweepLock(FileChannel channel, FileLock lock, Path key, String holder) {
    this.channel = channel;
    this.lock = lock;
    this.key = key;
    this.holder = holder;
  }

  /** Another sweep holds the lock of the folder. */
  public static final class HeldException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String holder;

    HeldException(Path out, String holder) {
      super("another sweep is writing into " + out + " (" + holder + ", lock file "
          + out.resolve(FILE) + "); wait for it to end, or use another --out");
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
    Path file = out.resolve(FILE);
    Path key = out.toRealPath();
    if (!HELD.add(key)) {
      // held by this JVM: opening the file again and closing it would drop the lock (POSIX
      // releases a process's locks on a file when any of its descriptors of the file is closed)
      throw new HeldException(out, HELD_TEXT.getOrDefault(key, "holder unknown"));
    }
    try {
      SweepLock lock = lock(out, file, key);
      HELD_TEXT.put(key, lock.holder);
      return lock;
    } catch (IOException | RuntimeException e) {
      HELD.remove(key);
      throw e;
    }
  }

  private static SweepLock lock(Path out, Path file, Path key) throws IOException {
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    String holder;
    try {
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by this JVM
      }
      if (lock == null) {
        String other = holder(channel);
        throw new HeldException(out, other.isEmpty() ? "holder unknown" : other);
      }
      holder = "pid " + ProcessHandle.current().pid() + ", started "
          + Instant.now().truncatedTo(ChronoUnit.SECONDS);
      byte[] text = (holder + "\n").getBytes(StandardCharsets.UTF_8);
      channel.truncate(0);
      ByteBuffer buf = ByteBuffer.wrap(text);
      long at = 0;
      while (buf.hasRemaining()) {
        at += channel.write(buf, at);
      }
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return new SweepLock(channel, lock, key, holder);
  }

  /**
   * This process as the lock file names it: {@code pid 1234, started 2026-01-01T12:00:00Z}. (Read
   * it here, not from the file: opening the lock file again in this process would release the
   * lock.)
   */
  public String holder() {
    return holder;
  }

  /** The first line of the lock file, as its holder wrote it. */
  private static String holder(FileChannel channel) throws IOException {
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
    return (nl < 0 ? text : text.substring(0, nl)).strip();
  }

  /** Releases the lock; the file stays. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
      HELD_TEXT.remove(key);
      HELD.remove(key);
    }
  }
}
