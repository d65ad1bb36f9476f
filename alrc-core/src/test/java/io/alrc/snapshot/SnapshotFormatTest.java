package io.alrc.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link SnapshotFormat}: the envelope checks and atomic writes. */
class SnapshotFormatTest {
  private static final String KIND = "test-kind";

  /** A tiny payload: one long and one double. */
  private static byte[] sample() {
    return SnapshotFormat.encode(
        KIND,
        out -> {
          out.writeLong(42);
          out.writeDouble(-0.0);
        });
  }

  private static double[] decodeSample(byte[] bytes) {
    return SnapshotFormat.decode(bytes, KIND, in -> new double[] {in.readLong(), in.readDouble()});
  }

  @Test
  void encodesMagicVersionKindThenPayload() {
    byte[] bytes = sample();
    ByteBuffer buf = ByteBuffer.wrap(bytes);

    assertThat(buf.getInt()).as("starts with the magic 'ALRC'").isEqualTo(0x414C5243);
    assertThat(buf.getShort()).as("then the format version").isEqualTo(SnapshotFormat.VERSION);
    assertThat(buf.getShort()).as("then the kind's length").isEqualTo((short) KIND.length());
    assertThat(bytes)
        .as("the whole envelope plus 16 payload bytes")
        .hasSize(4 + 2 + 2 + KIND.length() + 16);
  }

  @Test
  void decodesWhatItEncodedBitForBit() {
    double[] decoded = decodeSample(sample());

    assertThat(decoded[0]).as("the long").isEqualTo(42);
    assertThat(Double.doubleToRawLongBits(decoded[1]))
        .as("the double's exact bits, sign of zero included")
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
  }

  @Test
  void rejectsAWrongMagicNumber() {
    byte[] bytes = sample();
    bytes[0] = 'X';

    assertThatThrownBy(() -> decodeSample(bytes))
        .as("bytes without the magic are not a snapshot")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an ALRC snapshot: magic 0x584C5243, expected 0x414C5243");
  }

  @Test
  void rejectsAnUnknownVersion() {
    byte[] bytes = sample();
    bytes[5] = 2;

    assertThatThrownBy(() -> decodeSample(bytes))
        .as("a newer format is refused, naming both versions")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unsupported snapshot format version 2, this library reads 1");
  }

  @Test
  void rejectsAnotherKind() {
    byte[] other = SnapshotFormat.encode("zclip", out -> out.writeLong(42));

    assertThatThrownBy(() -> SnapshotFormat.decode(other, KIND, in -> in.readLong()))
        .as("a snapshot of another stabilizer is refused, naming both kinds")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot holds a 'zclip' state, expected 'test-kind'");
  }

  @Test
  void rejectsEveryTruncation() {
    byte[] bytes = sample();
    for (int length = 0; length < bytes.length; length++) {
      byte[] cut = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> decodeSample(cut))
          .as("a snapshot cut to %d of %d bytes is reported as truncated", length, bytes.length)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("snapshot of 'test-kind' is truncated (" + length + " bytes)");
    }
  }

  @Test
  void rejectsTrailingBytes() {
    byte[] bytes = Arrays.copyOf(sample(), sample().length + 3);

    assertThatThrownBy(() -> decodeSample(bytes))
        .as("bytes after the payload mean a different layout")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot of 'test-kind' has 3 unexpected trailing bytes");
  }

  @Test
  void rejectsNullBytes() {
    assertThatThrownBy(() -> decodeSample(null))
        .as("null is not a snapshot")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot bytes must not be null");
  }

  @Test
  void readsTheKindWithoutThePayload() {
    assertThat(SnapshotFormat.kindOf(sample())).as("the kind in the envelope").isEqualTo(KIND);
    assertThatThrownBy(() -> SnapshotFormat.kindOf(new byte[] {1, 2, 3, 4, 5, 6}))
        .as("no kind in bytes without the magic")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an ALRC snapshot: wrong magic number");
    assertThatThrownBy(() -> SnapshotFormat.kindOf(new byte[] {0x41, 0x4C}))
        .as("no kind in a truncated envelope")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot is truncated (2 bytes)");
  }

  @Test
  void writesAtomicallyAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("nested/folder/state.alrc");

    SnapshotFormat.writeAtomically(target, sample());
    SnapshotFormat.writeAtomically(target, new byte[] {7, 8, 9});

    assertThat(Files.readAllBytes(target))
        .as("the second write replaced the first")
        .containsExactly(7, 8, 9);
    try (Stream<Path> files = Files.list(target.getParent())) {
      assertThat(files).as("only the target is left, no temporary file").containsExactly(target);
    }
  }

  @Test
  void anAtomicallyWrittenFileHoldsExactlyTheBytes(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("a.alrc");
    byte[] bytes = sample();

    SnapshotFormat.writeAtomically(target, bytes);

    assertThat(Files.readAllBytes(target)).as("the bytes as given").containsExactly(bytes);
    assertThat(decodeSample(Files.readAllBytes(target))[0])
        .as("a decodable snapshot")
        .isEqualTo(42);
  }
}
