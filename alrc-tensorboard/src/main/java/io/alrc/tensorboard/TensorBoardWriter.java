package io.alrc.tensorboard;

import io.alrc.tensorboard.proto.EventProtos.Event;
import io.alrc.tensorboard.proto.EventProtos.SessionLog;
import io.alrc.tensorboard.proto.EventProtos.SourceMetadata;
import io.alrc.tensorboard.proto.EventProtos.Summary;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes scalars as a TensorBoard event file, {@code events.out.tfevents.<seconds>.<hostname>} in
 * a log directory: the file name pattern of TensorFlow's {@code EventsWriter} (seconds since the
 * epoch, ten digits), and TensorBoard reads every file of a directory whose name contains {@code
 * tfevents}. Point TensorBoard at the directory: {@code tensorboard --logdir DIR}.
 *
 * <pre>{@code
 * try (TensorBoardWriter tb = TensorBoardWriter.create(runDir.resolve("tensorboard"))) {
 *   for (long step = 1; step <= steps; step++) {
 *     ...
 *     tb.scalars(step, Map.of(TrainingTags.LOSS, loss, TrainingTags.ALRC_THRESHOLD, lmax));
 *   }
 * }
 * }</pre>
 *
 * <h2>Format</h2>
 *
 * The file is a sequence of TFRecords (see {@code TfRecord}: a little-endian uint64 length, the
 * masked CRC-32C of the length, the data, the masked CRC-32C of the data), each holding one {@code
 * Event} protocol buffer: first {@code file_version: "brain.Event:2"}, then a {@code SessionLog}
 * START at the run's first step, then one event per {@link #scalar} or {@link #scalars} call with
 * {@code wall_time} (seconds since the epoch), {@code step} and a {@code Summary} of {@code
 * simple_value}s. This is the scalar format of TensorFlow 1.x's {@code tf.summary.scalar} and
 * {@code tf.summary.FileWriter}; TensorBoard 1.x reads it directly and TensorBoard 2.x converts it on
 * load ({@code tensorboard/data_compat.py}, {@code migrate_value}: "TensorBoard continues to
 * support old-style values on disk", a {@code simple_value} becoming a scalar tensor). TensorBoard
 * 2.22's own loaders ({@code event_file_loader} with {@code plugin_event_accumulator}, and the older
 * {@code event_accumulator}'s {@code Scalars}) were run on files of this writer, a resumed one
 * included, and read every value. Values are
 * float32, as {@code simple_value} is: about 7 significant digits; a double beyond float range is
 * written as an infinity, and NaN stays NaN.
 *
 * <h2>Resumed runs</h2>
 *
 * A writer never appends to an existing file: a resumed run opens a new file in the same directory
 * with {@link #resume(Path, long)} (or {@link Builder#optResumeAt(long)}), and TensorBoard merges
 * the files of a directory into one run. The new file's name sorts after every event file already
 * in the directory, as TensorBoard reads a directory's files in name order: its timestamp is at
 * least one second after theirs (ahead of the clock if need be), and a writer that finds its name
 * taken at the same moment adds {@code .1}, {@code .2}, ... Its {@code SessionLog} START event carries the first
 * step the resumed run writes: TensorBoard's event accumulator ({@code
 * plugin_event_accumulator._CheckForRestartAndMaybePurge}, with its default {@code
 * purge_orphaned_data}) then drops the points at that step and later that the interrupted run had
 * written after its last checkpoint, which the resumed run writes again. A fresh run writes its
 * START at step 0; keep one run per directory, since a second fresh run in the same directory would
 * purge the first.
 *
 * <h2>Buffering and errors</h2>
 *
 * Events are buffered (64 KiB) and handed to the operating system by {@link #flush()}, by {@link
 * #close()}, and at least every {@link Builder#optFlushInterval flush interval} (default {@value
 * #DEFAULT_FLUSH_SECONDS} s) by a daemon thread while the writer is open; an interval of 0 flushes
 * after every event. Nothing is synced to disk ({@code fsync}): after a crash of the machine the
 * file may end in a cut record, which TensorBoard ignores. A failed write throws {@link
 * IOException} from the call that made it; a failure of the periodic flush is thrown by the next
 * call ({@link #scalar}, {@link #scalars}, {@link #flush} or {@link #close}), and after any failure
 * every further call throws it again: no event is silently lost. Thread-safe: calls are serialised.
 */
public final class TensorBoardWriter implements Closeable, Flushable {
  /** The file version TensorBoard expects in the first event. */
  public static final String FILE_VERSION = "brain.Event:2";

  /** The name written as the file's source ({@code source_metadata.writer}). */
  public static final String WRITER_NAME = "alrc-tensorboard";

  /** The default flush interval in seconds. */
  public static final long DEFAULT_FLUSH_SECONDS = 10;

  private static final String PREFIX = "events.out.tfevents.";
  private static final Pattern EVENT_FILE =
      Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)\\..*");
  private static final int BUFFER = 64 * 1024;

  private final Path file;
  private final OutputStream out;
  private final Clock clock;
  private final boolean flushEveryEvent;
  private final ScheduledExecutorService flusher;
  private IOException failure;
  private boolean closed;

  private TensorBoardWriter(Builder b) throws IOException {
    this.clock = b.clock;
    Files.createDirectories(b.logDir);
    Instant start = clock.instant();
    Path created = null;
    OutputStream stream = null;
    // later than every event file already there, so that TensorBoard reads this one last
    long seconds = Math.max(start.getEpochSecond(), latestSeconds(b.logDir) + 1);
    String base = String.format(Locale.ROOT, "%s%010d.%s", PREFIX, seconds, b.hostname);
    for (int n = 0; stream == null; n++) {
      Path candidate = b.logDir.resolve(n == 0 ? base : base + "." + n);
      try {
        stream = Files.newOutputStream(candidate, StandardOpenOption.CREATE_NEW);
        created = candidate;
      } catch (FileAlreadyExistsException e) {
        // another writer took this name at the same moment: try the next suffix
      }
    }
    this.file = created;
    this.out = new BufferedOutputStream(b.wrapper.apply(stream), BUFFER);
    this.flushEveryEvent = b.flushInterval.isZero();
    try {
      write(
          Event.newBuilder()
              .setWallTime(seconds(start))
              .setFileVersion(FILE_VERSION)
              .setSourceMetadata(SourceMetadata.newBuilder().setWriter(WRITER_NAME))
              .build());
      write(
          Event.newBuilder()
              .setWallTime(seconds(start))
              .setStep(b.firstStep)
              .setSessionLog(SessionLog.newBuilder().setStatus(SessionLog.SessionStatus.START))
              .build());
      out.flush();
    } catch (IOException e) {
      out.close();
      throw e;
    }
    if (flushEveryEvent) {
      this.flusher = null;
    } else {
      this.flusher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "tensorboard-flush " + file.getFileName());
                t.setDaemon(true);
                return t;
              });
      long millis = b.flushInterval.toMillis();
      flusher.scheduleWithFixedDelay(this::periodicFlush, millis, millis, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * A writer for a new run in {@code logDir} (created if missing), with the default flush
   * interval.
   *
   * @throws IOException if the directory or the file cannot be created or written
   */
  public static TensorBoardWriter create(Path logDir) throws IOException {
    return builder(logDir).build();
  }

  /**
   * A writer for a run resumed in {@code logDir}: a new file whose SessionLog START is at {@code
   * firstStep}, the first step the resumed run will write (see the class documentation).
   *
   * @param firstStep the first step to be written, &gt;= 0
   * @throws IOException if the directory or the file cannot be created or written
   */
  public static TensorBoardWriter resume(Path logDir, long firstStep) throws IOException {
    return builder(logDir).optResumeAt(firstStep).build();
  }

  /** A builder for a writer in {@code logDir}; every option is optional. */
  public static Builder builder(Path logDir) {
    return new Builder(logDir);
  }

  /** The event file this writer appends to. */
  public Path file() {
    return file;
  }

  /**
   * Writes one scalar at {@code step}.
   *
   * @param tag the series name, e.g. {@link TrainingTags#LOSS}; not blank
   * @param step the training step, &gt;= 0
   * @param value the value, written as float32
   * @throws IOException if writing fails now or failed earlier
   * @throws IllegalArgumentException for a blank tag or a negative step
   * @throws IllegalStateException after {@link #close()}
   */
  public synchronized void scalar(String tag, long step, double value) throws IOException {
    checkOpen();
    checkStep(step);
    write(event(step).setSummary(Summary.newBuilder().addValue(value(tag, value))).build());
  }

  /**
   * Writes several scalars of one step as one event, in the map's iteration order (use a {@code
   * LinkedHashMap} for a fixed order). An empty map writes nothing.
   *
   * @param step the training step, &gt;= 0
   * @param values tag to value; values are written as float32
   * @throws IOException if writing fails now or failed earlier
   * @throws IllegalArgumentException for a negative step, a blank tag or a null value (naming the
   *     tag)
   * @throws IllegalStateException after {@link #close()}
   */
  public synchronized void scalars(long step, Map<String, ? extends Number> values)
      throws IOException {
    checkOpen();
    checkStep(step);
    if (values.isEmpty()) {
      return;
    }
    Summary.Builder summary = Summary.newBuilder();
    for (Map.Entry<String, ? extends Number> e : values.entrySet()) {
      if (e.getValue() == null) {
        throw new IllegalArgumentException("value of tag " + e.getKey() + " is null");
      }
      summary.addValue(value(e.getKey(), e.getValue().doubleValue()));
    }
    write(event(step).setSummary(summary).build());
  }

  /**
   * Hands every buffered event to the operating system.
   *
   * @throws IOException if writing fails now or failed earlier
   * @throws IllegalStateException after {@link #close()}
   */
  @Override
  public synchronized void flush() throws IOException {
    checkOpen();
    try {
      out.flush();
    } catch (IOException e) {
      throw fail(e);
    }
  }

  /**
   * Flushes and closes the file and stops the periodic flush. A second call does nothing.
   *
   * @throws IOException if the final flush fails, or an earlier write or flush failed
   */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (flusher != null) {
      flusher.shutdownNow();
    }
    IOException error = failure;
    try {
      out.close();
    } catch (IOException e) {
      if (error == null) {
        error = fail(e);
      }
    }
    if (error != null) {
      throw reported(error);
    }
  }

  @Override
  public String toString() {
    return "TensorBoardWriter[" + file + (closed ? ", closed" : "") + "]";
  }

  private synchronized void periodicFlush() {
    if (closed || failure != null) {
      return;
    }
    try {
      out.flush();
    } catch (IOException e) {
      fail(e);
    }
  }

  private void write(Event event) throws IOException {
    try {
      TfRecord.write(out, event.toByteArray());
      if (flushEveryEvent) {
        out.flush();
      }
    } catch (IOException e) {
      throw fail(e);
    }
  }

  private IOException fail(IOException e) {
    if (failure == null) {
      failure = new IOException("writing TensorBoard events to " + file + " failed: " + e, e);
    }
    return failure;
  }

  private IOException reported(IOException e) {
    return new IOException(e.getMessage(), e);
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
    if (failure != null) {
      throw reported(failure);
    }
  }

  private static void checkStep(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("step (" + step + ") must be >= 0");
    }
  }

  private Event.Builder event(long step) {
    return Event.newBuilder().setWallTime(seconds(clock.instant())).setStep(step);
  }

  private static Summary.Value value(String tag, double value) {
    if (tag == null || tag.isBlank()) {
      throw new IllegalArgumentException("tag (" + tag + ") must not be blank");
    }
    return Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value).build();
  }

  private static double seconds(Instant t) {
    return t.getEpochSecond() + t.getNano() / 1e9;
  }

  /** The largest timestamp in the names of the directory's event files, 0 if none. */
  private static long latestSeconds(Path dir) throws IOException {
    long latest = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
      for (Path f : files) {
        Matcher m = EVENT_FILE.matcher(f.getFileName().toString());
        if (m.matches()) {
          try {
            latest = Math.max(latest, Long.parseLong(m.group(1)));
          } catch (NumberFormatException e) {
            // not a timestamp this writer could have written: it does not order our files
          }
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return latest;
  }

  /** This machine's name as TensorFlow puts it in event file names, made safe for a file name. */
  static String hostname() {
    String name;
    try {
      name = InetAddress.getLocalHost().getHostName();
    } catch (IOException | SecurityException e) {
      name = System.getenv("HOSTNAME");
    }
    if (name == null || name.isBlank()) {
      name = "localhost";
    }
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /** Builds a {@link TensorBoardWriter}; {@link #build()} creates the file. */
  public static final class Builder {
    private final Path logDir;
    private long firstStep;
    private Duration flushInterval = Duration.ofSeconds(DEFAULT_FLUSH_SECONDS);
    private String hostname;
    private Clock clock = Clock.systemUTC();
    private UnaryOperator<OutputStream> wrapper = UnaryOperator.identity();

    private Builder(Path logDir) {
      if (logDir == null) {
        throw new IllegalArgumentException("logDir must not be null");
      }
      this.logDir = logDir;
    }

    /**
     * Marks the file as the continuation of a resumed run whose first written step is {@code
     * firstStep} (see the class documentation); default 0, a fresh run.
     */
    public Builder optResumeAt(long firstStep) {
      checkStep(firstStep);
      this.firstStep = firstStep;
      return this;
    }

    /**
     * The longest time buffered events wait before they are handed to the operating system;
     * default {@value #DEFAULT_FLUSH_SECONDS} s, {@link Duration#ZERO} flushes after every event.
     *
     * @throws IllegalArgumentException for a negative interval
     */
    public Builder optFlushInterval(Duration interval) {
      if (interval == null || interval.isNegative()) {
        throw new IllegalArgumentException(
            "flush interval (" + interval + ") must be >= 0 (0: after every event)");
      }
      this.flushInterval = interval;
      return this;
    }

    /**
     * The host name in the file name; default this machine's name (characters other than letters,
     * digits, {@code .}, {@code _} and {@code -} become {@code _}).
     *
     * @throws IllegalArgumentException for a blank name or one with other characters
     */
    public Builder optHostname(String hostname) {
      if (hostname == null || !hostname.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException(
            "hostname (" + hostname + ") must be letters, digits, '.', '_' or '-'");
      }
      this.hostname = hostname;
      return this;
    }

    /** Tests: the clock of the wall times and the file name; default the system clock. */
    Builder optClock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Tests: wraps the file's stream (e.g. to make writes fail). */
    Builder optStreamWrapper(UnaryOperator<OutputStream> wrapper) {
      this.wrapper = wrapper;
      return this;
    }

    /**
     * Creates the directory if missing, then a new event file in it, and writes the file version
     * and the session start.
     *
     * @throws IOException if the directory or the file cannot be created or written
     */
    public TensorBoardWriter build() throws IOException {
      if (hostname == null) {
        hostname = hostname();
      }
      return new TensorBoardWriter(this);
    }
  }
}
