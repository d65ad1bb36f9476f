package io.alrc.tensorboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.tensorboard.IndependentEventDecoder.DecodedEvent;
import io.alrc.tensorboard.proto.EventProtos.Event;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardWriterTest {
  private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000L, 250_000_000);
  private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

  @TempDir Path dir;

  private TensorBoardWriter.Builder writer() {
    return TensorBoardWriter.builder(dir).optClock(CLOCK).optHostname("testhost");
  }

  // --- CRC: known answers ---

  @Test
  void crc32cMatchesPublishedVectors() {
    // "123456789": the CRC-32C check value; the rest: RFC 3720 (iSCSI) section B.4, also in
    // TensorFlow's tensorflow/core/lib/hash/crc32c_test.cc
    assertThat(crc32c("123456789".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xe3069283L);
    assertThat(crc32c(new byte[32])).isEqualTo(0x8a9136aaL);
    byte[] ones = new byte[32];
    java.util.Arrays.fill(ones, (byte) 0xff);
    assertThat(crc32c(ones)).isEqualTo(0x62a8ab43L);
    byte[] up = new byte[32];
    byte[] down = new byte[32];
    for (int i = 0; i < 32; i++) {
      up[i] = (byte) i;
      down[i] = (byte) (31 - i);
    }
    assertThat(crc32c(up)).isEqualTo(0x46dd794eL);
    assertThat(crc32c(down)).isEqualTo(0x113fdb5cL);
  }

  @Test
  void maskedCrcMatchesARealTensorFlowRecord() {
    // TensorBoard's tensorboard/data/server/masked_crc.rs: the data CRC of a record of a real
    // TensorFlow event file holding Event(file_version="CRC test, one two")
    byte[] data = "\u001a\u0011CRC test, one two".getBytes(StandardCharsets.ISO_8859_1);
    assertThat(TfRecord.maskedCrc32c(data, 0, data.length)).isEqualTo(0x5794d08a);
    assertThat(IndependentEventDecoder.maskedCrc(data, 0, data.length)).isEqualTo(0x5794d08a);
    // and the generated Event class writes exactly those bytes: same field number and wire type
    assertThat(Event.newBuilder().setFileVersion("CRC test, one two").build().toByteArray())
        .isEqualTo(data);
    // the mask of RFC 3720's all-zero vector, from its definition
    assertThat(TfRecord.mask(0x8a9136aa))
        .isEqualTo(Integer.rotateRight(0x8a9136aa, 15) + 0xa282ead8);
  }

  // --- what is written ---

  @Test
  void writesTheFileVersionASessionStartAndScalarsTensorBoardCanRead() throws IOException {
    Path file;
    try (TensorBoardWriter tb = writer().build()) {
      file = tb.file();
      tb.scalar("train/loss", 1, 0.5);
      Map<String, Double> batch = new LinkedHashMap<>();
      batch.put("train/loss", 0.25);
      batch.put("alrc/threshold", 80.125);
      batch.put("alrc/clip_fraction", 0.0);
      tb.scalars(2, batch);
      tb.scalar("train/lr", 3_000_000_000L, 1e-3);
    }
    assertThat(file.getFileName().toString())
        .isEqualTo("events.out.tfevents.1700000000.testhost");

    List<DecodedEvent> events = IndependentEventDecoder.decode(file);
    assertThat(events).hasSize(5);
    DecodedEvent first = events.get(0);
    assertThat(first.fileVersion()).isEqualTo("brain.Event:2");
    assertThat(first.sourceWriter()).isEqualTo("alrc-tensorboard");
    assertThat(first.wallTime()).isEqualTo(1_700_000_000.25);
    assertThat(events.get(1).sessionStatus()).as("SessionLog START").isEqualTo(1);
    assertThat(events.get(1).step()).isZero();

    assertThat(events.get(2).step()).isEqualTo(1);
    assertThat(events.get(2).wallTime()).isEqualTo(1_700_000_000.25);
    assertThat(events.get(2).values()).containsExactly(Map.entry("train/loss", 0.5f));
    assertThat(events.get(3).step()).isEqualTo(2);
    assertThat(events.get(3).values())
        .as("one event, values in order; 0.0 is written (oneof presence)")
        .containsExactly(
            Map.entry("train/loss", 0.25f),
            Map.entry("alrc/threshold", 80.125f),
            Map.entry("alrc/clip_fraction", 0f));
    assertThat(events.get(4).step()).as("int64 steps").isEqualTo(3_000_000_000L);
    assertThat(events.get(4).values()).containsExactly(Map.entry("train/lr", 1e-3f));
  }

  @Test
  void nonFiniteAndOutOfRangeValuesAreWrittenAsFloat32() throws IOException {
    Path file;
    try (TensorBoardWriter tb = writer().build()) {
      file = tb.file();
      tb.scalar("a", 1, Double.NaN);
      tb.scalar("a", 2, Double.POSITIVE_INFINITY);
      tb.scalar("a", 3, 1e300);
      tb.scalar("a", 4, 0.1);
    }
    List<DecodedEvent> e = IndependentEventDecoder.decode(file);
    assertThat(e.get(2).values().get("a")).isNaN();
    assertThat(e.get(3).values().get("a")).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(e.get(4).values().get("a")).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(e.get(5).values().get("a")).isEqualTo(0.1f);
  }

  @Test
  void everyCorruptedByteIsCaughtByTheCrcChecks() throws IOException {
    Path file;
    try (TensorBoardWriter tb = writer().build()) {
      file = tb.file();
      tb.scalars(7, Map.of("train/loss", 1.5, "alrc/mu1", 2.5));
    }
    byte[] good = Files.readAllBytes(file);
    assertThat(IndependentEventDecoder.decode(good)).hasSize(3);
    for (int i = 0; i < good.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = good.clone();
        bad[i] ^= (byte) (1 << bit);
        int at = i;
        assertThatThrownBy(() -> IndependentEventDecoder.decode(bad))
            .as("bit %d of byte %d flipped", bit, at)
            .isInstanceOf(IOException.class);
        Path corrupt = dir.resolve("corrupt.tfevents");
        Files.write(corrupt, bad);
        assertThatThrownBy(() -> TensorBoardReader.readScalars(corrupt))
            .as("the public reader, bit %d of byte %d flipped", bit, at)
            .isInstanceOf(IOException.class);
      }
    }
  }

  @Test
  void theReaderAgreesWithTheIndependentDecoder() throws IOException {
    Path file;
    try (TensorBoardWriter tb = writer().build()) {
      file = tb.file();
      for (int step = 1; step <= 20; step++) {
        tb.scalars(step, Map.of("x", step * 0.5, "y", -step));
      }
    }
    List<TensorBoardReader.Scalar> scalars = TensorBoardReader.readScalars(dir);
    List<DecodedEvent> decoded = IndependentEventDecoder.decode(file);
    int k = 0;
    for (DecodedEvent e : decoded) {
      if (e.values() == null) {
        continue;
      }
      for (Map.Entry<String, Float> v : e.values().entrySet()) {
        TensorBoardReader.Scalar s = scalars.get(k++);
        assertThat(s.step()).isEqualTo(e.step());
        assertThat(s.tag()).isEqualTo(v.getKey());
        assertThat(s.value()).isEqualTo(v.getValue());
        assertThat(s.wallTime()).isEqualTo(e.wallTime());
        assertThat(s.file()).isEqualTo(file);
      }
    }
    assertThat(k).isEqualTo(scalars.size()).isEqualTo(40);
  }

  // --- resumed runs ---

  @Test
  void aResumedRunOpensANewFileThatSortsLastAndStartsAtItsFirstStep() throws IOException {
    try (TensorBoardWriter tb = writer().build()) {
      for (int step = 1; step <= 5; step++) {
        tb.scalar("train/loss", step, step);
      }
    }
    // same clock second and host: the new name must still sort after the first
    Path second;
    try (TensorBoardWriter tb = writer().optResumeAt(4).build()) {
      second = tb.file();
      tb.scalar("train/loss", 4, 40);
      tb.scalar("train/loss", 5, 50);
    }
    // another host, same second: still sorts last
    Path third;
    try (TensorBoardWriter tb = writer().optHostname("aaa").optResumeAt(6).build()) {
      third = tb.file();
      tb.scalar("train/loss", 6, 60);
    }
    List<Path> files = TensorBoardReader.eventFiles(dir);
    assertThat(files).hasSize(3);
    assertThat(files.get(1)).isEqualTo(second);
    assertThat(files.get(2)).isEqualTo(third);
    assertThat(second.getFileName().toString())
        .isEqualTo("events.out.tfevents.1700000001.testhost");
    assertThat(third.getFileName().toString()).isEqualTo("events.out.tfevents.1700000002.aaa");
    assertThat(TensorBoardReader.sessionStarts(dir)).containsExactly(0L, 4L, 6L);
    assertThat(IndependentEventDecoder.decode(second).get(1).step()).isEqualTo(4);
    assertThat(TensorBoardReader.readScalars(dir).stream().map(TensorBoardReader.Scalar::value))
        .containsExactly(1f, 2f, 3f, 4f, 5f, 40f, 50f, 60f);
  }

  // --- buffering and flushing ---

  @Test
  void eventsAreBufferedUntilFlushOrClose() throws IOException {
    try (TensorBoardWriter tb = writer().optFlushInterval(Duration.ofHours(1)).build()) {
      long header = Files.size(tb.file());
      assertThat(IndependentEventDecoder.decode(tb.file())).as("version and start").hasSize(2);
      tb.scalar("a", 1, 1);
      assertThat(Files.size(tb.file())).as("buffered").isEqualTo(header);
      tb.flush();
      assertThat(IndependentEventDecoder.decode(tb.file())).hasSize(3);
    }
  }

  @Test
  void theBackgroundFlushWritesWithinTheInterval() throws Exception {
    try (TensorBoardWriter tb = writer().optFlushInterval(Duration.ofMillis(20)).build()) {
      tb.scalar("a", 1, 1);
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (IndependentEventDecoder.decode(tb.file()).size() < 3
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(IndependentEventDecoder.decode(tb.file())).hasSize(3);
    }
  }

  @Test
  void aZeroIntervalFlushesEveryEvent() throws IOException {
    try (TensorBoardWriter tb = writer().optFlushInterval(Duration.ZERO).build()) {
      tb.scalar("a", 1, 1);
      assertThat(IndependentEventDecoder.decode(tb.file())).hasSize(3);
    }
  }

  // --- errors are reported ---

  /** A stream whose writes and flushes fail once {@code broken} is set. */
  private static final class Breakable extends FilterOutputStream {
    final AtomicBoolean broken = new AtomicBoolean();

    Breakable(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      check();
      out.write(b, off, len);
    }

    @Override
    public void write(int b) throws IOException {
      check();
      out.write(b);
    }

    @Override
    public void flush() throws IOException {
      check();
      out.flush();
    }

    private void check() throws IOException {
      if (broken.get()) {
        throw new IOException("No space left on device");
      }
    }
  }

  @Test
  void aFailedWriteIsThrownAndEveryLaterCallThrowsItToo() throws IOException {
    Breakable[] stream = new Breakable[1];
    TensorBoardWriter tb =
        writer()
            .optFlushInterval(Duration.ZERO)
            .optStreamWrapper(s -> stream[0] = new Breakable(s))
            .build();
    tb.scalar("a", 1, 1);
    stream[0].broken.set(true);
    assertThatThrownBy(() -> tb.scalar("a", 2, 2))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("writing TensorBoard events to " + tb.file() + " failed")
        .hasMessageContaining("No space left on device");
    stream[0].broken.set(false);
    assertThatThrownBy(() -> tb.scalar("a", 3, 3))
        .as("the writer stays failed: events after a lost one would mislead")
        .isInstanceOf(IOException.class)
        .hasMessageContaining("No space left on device");
    assertThatThrownBy(tb::flush).isInstanceOf(IOException.class);
    assertThatThrownBy(tb::close).isInstanceOf(IOException.class);
    tb.close(); // a second close does nothing
  }

  @Test
  void aFailedBackgroundFlushIsThrownByTheNextCall() throws Exception {
    Breakable[] stream = new Breakable[1];
    try (TensorBoardWriter tb =
        writer()
            .optFlushInterval(Duration.ofMillis(10))
            .optStreamWrapper(s -> stream[0] = new Breakable(s))
            .build()) {
      stream[0].broken.set(true);
      tb.scalar("a", 1, 1); // buffered: succeeds
      Thread.sleep(200); // several flush intervals
      assertThatThrownBy(() -> tb.scalar("a", 2, 2))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("No space left on device");
      stream[0].broken.set(false);
    } catch (IOException expected) {
      // close reports the same failure
      assertThat(expected).hasMessageContaining("No space left on device");
    }
  }

  @Test
  void badArgumentsAndUseAfterCloseFailClearly() throws IOException {
    TensorBoardWriter tb = writer().build();
    assertThatThrownBy(() -> tb.scalar("a", -1, 1)).hasMessage("step (-1) must be >= 0");
    assertThatThrownBy(() -> tb.scalar(" ", 1, 1)).hasMessage("tag ( ) must not be blank");
    Map<String, Double> withNull = new LinkedHashMap<>();
    withNull.put("loss", null);
    assertThatThrownBy(() -> tb.scalars(1, withNull)).hasMessage("value of tag loss is null");
    tb.scalars(1, Map.of()); // nothing to write
    tb.close();
    assertThatThrownBy(() -> tb.scalar("a", 1, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageEndingWith(", closed] is closed");
    assertThatThrownBy(() -> TensorBoardWriter.builder(dir).optFlushInterval(Duration.ofSeconds(-1)))
        .hasMessage("flush interval (PT-1S) must be >= 0 (0: after every event)");
    assertThatThrownBy(() -> TensorBoardWriter.builder(dir).optResumeAt(-2))
        .hasMessage("step (-2) must be >= 0");
    assertThatThrownBy(() -> TensorBoardWriter.builder(dir).optHostname("a/b"))
        .hasMessage("hostname (a/b) must be letters, digits, '.', '_' or '-'");
    assertThat(IndependentEventDecoder.decode(tb.file())).hasSize(2);
  }

  @Test
  void theDefaultFileNameFollowsTensorFlowsPattern() throws IOException {
    long before = Instant.now().getEpochSecond();
    try (TensorBoardWriter tb = TensorBoardWriter.create(dir.resolve("new/sub"))) {
      String name = tb.file().getFileName().toString();
      assertThat(name).matches("events\\.out\\.tfevents\\.\\d{10}\\.[A-Za-z0-9._-]+");
      long seconds = Long.parseLong(name.substring(20, 30));
      assertThat(seconds).isBetween(before, Instant.now().getEpochSecond());
    }
    assertThat(TrainingTags.stabilizer("zclip", "threshold")).isEqualTo("zclip/threshold");
    assertThatThrownBy(() -> TrainingTags.stabilizer("a/b", "threshold"))
        .hasMessage("kind (a/b) must be a non-blank name without '/'");
  }

  private static long crc32c(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b, 0, b.length);
    return c.getValue();
  }
}
