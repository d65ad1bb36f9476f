package io.alrc.tensorboard;

import io.alrc.tensorboard.proto.EventProtos.Event;
import io.alrc.tensorboard.proto.EventProtos.SessionLog;
import io.alrc.tensorboard.proto.EventProtos.Summary;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads back the scalars of event files such as {@link TensorBoardWriter} writes, e.g. to check a
 * run's telemetry in a test or a script without TensorBoard. Both CRCs of every record are
 * checked. Not a general TensorBoard loader: it returns {@code simple_value} scalars and session
 * starts as they are in the files, and applies none of TensorBoard's purging.
 */
public final class TensorBoardReader {
  private TensorBoardReader() {}

  /**
   * One scalar of an event.
   *
   * @param file the event file it was read from
   * @param wallTime the event's wall time, seconds since the epoch
   * @param step the event's step
   * @param tag the value's tag
   * @param value the value (float32, as stored)
   */
  public record Scalar(Path file, double wallTime, long step, String tag, float value) {}

  /**
   * The scalars of one event file, or of every event file of a directory (names containing {@code
   * tfevents}, read in name order, as TensorBoard does), in the order they were written.
   *
   * @throws IOException if a file cannot be read, a record is cut short or fails its CRC check
   *     (naming the file and the record's offset), or a record is not an Event
   */
  public static List<Scalar> readScalars(Path fileOrDirectory) throws IOException {
    List<Scalar> out = new ArrayList<>();
    for (Path f : eventFiles(fileOrDirectory)) {
      for (Event e : readEvents(f)) {
        if (e.hasSummary()) {
          for (Summary.Value v : e.getSummary().getValueList()) {
            if (v.hasSimpleValue()) {
              out.add(new Scalar(f, e.getWallTime(), e.getStep(), v.getTag(), v.getSimpleValue()));
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * The steps of the SessionLog START events of a file or directory, in order: 0 for a fresh run's
   * file, the first step of a resumed run's file.
   *
   * @throws IOException as {@link #readScalars(Path)}
   */
  public static List<Long> sessionStarts(Path fileOrDirectory) throws IOException {
    List<Long> out = new ArrayList<>();
    for (Path f : eventFiles(fileOrDirectory)) {
      for (Event e : readEvents(f)) {
        if (e.hasSessionLog() && e.getSessionLog().getStatus() == SessionLog.SessionStatus.START) {
          out.add(e.getStep());
        }
      }
    }
    return out;
  }

  /**
   * The event files of a directory in name order, or the file itself.
   *
   * @throws IOException if the directory cannot be listed
   */
  public static List<Path> eventFiles(Path fileOrDirectory) throws IOException {
    if (!Files.isDirectory(fileOrDirectory)) {
      return List.of(fileOrDirectory);
    }
    try (Stream<Path> files = Files.list(fileOrDirectory)) {
      return files
          .filter(p -> p.getFileName().toString().contains("tfevents") && Files.isRegularFile(p))
          .sorted()
          .toList();
    }
  }

  private static List<Event> readEvents(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    List<Event> events = new ArrayList<>();
    while (b.hasRemaining()) {
      int at = b.position();
      if (b.remaining() < 12) {
        throw corrupt(file, at, "header cut short (" + b.remaining() + " bytes)");
      }
      long length = b.getLong();
      int lengthCrc = b.getInt();
      if (lengthCrc != TfRecord.maskedCrc32c(bytes, at, 8)) {
        throw corrupt(file, at, "length CRC mismatch");
      }
      if (length < 0 || length > b.remaining() - 4) {
        throw corrupt(file, at, "data cut short (length " + length + ")");
      }
      int n = (int) length;
      int dataAt = b.position();
      b.position(dataAt + n);
      int dataCrc = b.getInt();
      if (dataCrc != TfRecord.maskedCrc32c(bytes, dataAt, n)) {
        throw corrupt(file, at, "data CRC mismatch");
      }
      events.add(Event.parseFrom(ByteBuffer.wrap(bytes, dataAt, n)));
    }
    return events;
  }

  private static IOException corrupt(Path file, int offset, String what) {
    return new IOException(
        String.format(Locale.ROOT, "%s: record at byte %d: %s", file, offset, what));
  }
}
