package io.alrc.experiments.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * An append-only CSV log with a fixed header, made for resumable runs: {@link #sync()} forces the
 * rows written so far to disk and returns the file's length, which a checkpoint records; on resume,
 * {@link #openForResume(Path, List, long)} cuts the file back to that length, so rows of steps
 * after the checkpoint are dropped and written again, and a resumed run ends with the same file as
 * an uninterrupted one.
 *
 * <p>Each row is written to the file as it comes (the operating system buffers it; {@link #sync()}
 * forces it to disk), so a write error (e.g. a full disk) stops the run at the step it happens,
 * with an {@link IOException} that names the file. Not thread-safe; call {@link #close()} at the
 * end.
 */
public final class MetricsLog implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final int columns;
  private final StringBuilder pending = new StringBuilder(256);

  private MetricsLog(Path file, FileChannel channel, int columns) {
    this.file = file;
    this.channel = channel;
    this.columns = columns;
  }

  /** Creates (or truncates) {@code file} and writes the header. */
  public static MetricsLog create(Path file, List<String> header) throws IOException {
    FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    MetricsLog log = new MetricsLog(file, ch, header.size());
    log.pending.append(String.join(",", header)).append('\n');
    log.flush();
    return log;
  }

  /**
   * Opens {@code file} to continue after a checkpoint: checks its header and cuts it back to
   * {@code length} bytes (the value {@link #sync()} returned when the checkpoint was written).
   *
   * @throws IOException naming the file if it is shorter than {@code length} or has another header
   */
  public static MetricsLog openForResume(Path file, List<String> header, long length)
      throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (ch.size() < length) {
        throw new IOException(
            file + " holds " + ch.size() + " bytes but the checkpoint recorded " + length
                + ": the log was cut short; the run cannot be resumed");
      }
      byte[] expected = (String.join(",", header) + "\n").getBytes(StandardCharsets.UTF_8);
      ByteBuffer first = ByteBuffer.allocate(expected.length);
      ch.read(first, 0);
      if (!java.util.Arrays.equals(first.array(), expected)) {
        throw new IOException(file + " does not start with the header " + String.join(",", header));
      }
      ch.truncate(length);
      ch.position(length);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return new MetricsLog(file, ch, header.size());
  }

  /**
   * Appends one row; values are written with {@link String#valueOf}, doubles so that they parse
   * back exactly.
   *
   * @throws IllegalArgumentException if the number of values differs from the header's
   */
  public void row(Object... values) throws IOException {
    if (values.length != columns) {
      throw new IllegalArgumentException(
          "row has " + values.length + " values, the header has " + columns + " columns");
    }
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        pending.append(',');
      }
      Object v = values[i];
      if (v instanceof Boolean b) {
        pending.append(b ? '1' : '0');
      } else if (v != null) {
        pending.append(v);
      }
    }
    pending.append('\n');
    flush();
  }

  /** Writes buffered rows, forces them to disk, and returns the file's length. */
  public long sync() throws IOException {
    flush();
    try {
      channel.force(false);
    } catch (IOException e) {
      throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return channel.position();
  }

  private void flush() throws IOException {
    if (pending.length() == 0) {
      return;
    }
    ByteBuffer buf = ByteBuffer.wrap(pending.toString().getBytes(StandardCharsets.UTF_8));
    pending.setLength(0);
    try {
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
    } catch (IOException e) {
      throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      flush();
    } finally {
      channel.close();
    }
  }
}
