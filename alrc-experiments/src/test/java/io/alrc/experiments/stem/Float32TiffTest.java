package io.alrc.experiments.stem;

import static io.alrc.experiments.stem.TestFiles.float32Entries;
import static io.alrc.experiments.stem.TestFiles.floats;
import static io.alrc.experiments.stem.TestFiles.tiff;
import static io.alrc.experiments.stem.TestFiles.with;
import static io.alrc.experiments.stem.TestFiles.without;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.experiments.stem.TestFiles.Entry;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Float32TiffTest {
  @TempDir Path dir;

  private static float[] ramp(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (i - n / 3f) / 7f;
    }
    return v;
  }

  @ParameterizedTest
  @ValueSource(strings = {"LITTLE_ENDIAN", "BIG_ENDIAN"})
  void roundTripsEveryBitInBothByteOrders(String orderName) throws IOException {
    ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    float[] pixels = ramp(5 * 3);
    pixels[4] = Float.NaN;
    pixels[5] = -0f;
    pixels[6] = Float.MIN_VALUE;
    StemImage image = new StemImage("ramp", 5, 3, pixels);
    Path file = dir.resolve("ramp.tif");
    Float32Tiff.write(file, image, order);

    StemImage back = Float32Tiff.read(file);
    assertThat(back.width()).isEqualTo(5);
    assertThat(back.height()).isEqualTo(3);
    assertThat(back.pixels()).as("bit-identical pixels, NaN and -0 included").isEqualTo(pixels);
    assertThat(back.source()).isEqualTo(file.toString());
    assertThat(Files.readAllBytes(file)[0]).isEqualTo((byte) (order == ByteOrder.BIG_ENDIAN ? 'M' : 'I'));
  }

  @Test
  void readsSeveralStripsWithShortOffsets() throws IOException {
    // 4 x 5 image in strips of 2 rows: 3 strips (2, 2, 1 rows), data written contiguously.
    float[] pixels = ramp(20);
    List<Entry> e = float32Entries(4, 5);
    e = with(e, new Entry(278, 3, 2));
    e = with(e, new Entry(273, 3, 200, 232, 264));
    e = with(e, new Entry(279, 3, 32, 32, 16));
    byte[] head = tiff(ByteOrder.BIG_ENDIAN, e, new byte[0]);
    byte[] file = Arrays.copyOf(head, 200 + 80);
    System.arraycopy(floats(ByteOrder.BIG_ENDIAN, pixels), 0, file, 200, 80);
    Path path = dir.resolve("strips.tif");
    Files.write(path, file);

    assertThat(Float32Tiff.read(path).pixels()).isEqualTo(pixels);
  }

  @Test
  void reportsATruncatedStripWithTheMissingBytes() throws IOException {
    Path file = dir.resolve("cut.tif");
    Float32Tiff.write(file, new StemImage("x", 16, 16, new float[256]));
    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes).hasSize(146 + 1024);
    Files.write(file, Arrays.copyOf(bytes, 600));

    assertThatThrownBy(() -> Float32Tiff.read(file))
        .isInstanceOf(StemImageException.class)
        .hasMessage(file + ": truncated: strip 0 needs bytes [146, 1170) but the file has 600 bytes");
  }

  @Test
  void reportsATruncatedDirectory() throws IOException {
    Path file = dir.resolve("cut.tif");
    Float32Tiff.write(file, new StemImage("x", 4, 4, new float[16]));
    Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 20));

    assertThatThrownBy(() -> Float32Tiff.read(file))
        .hasMessage(file + ": truncated: the image directory needs bytes [8, 142) but the file has 20 bytes");
  }

  @Test
  void rejectsEachUnsupportedFieldByNameAndValue() throws IOException {
    List<Entry> ok = float32Entries(2, 2);
    byte[] data = floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4);
    assertThat(read(ok, data).pixels()).containsExactly(1, 2, 3, 4);

    assertThat(message(with(ok, new Entry(258, 3, 16)), data))
        .isEqualTo("BitsPerSample is 16, expected 32 (float32 TIFFs only)");
    assertThat(message(with(ok, new Entry(339, 3, 1)), data))
        .isEqualTo("SampleFormat is 1 (unsigned integer), expected 3 (IEEE float)");
    assertThat(message(without(ok, 339), data))
        .as("SampleFormat defaults to unsigned integer")
        .isEqualTo("SampleFormat is 1 (unsigned integer), expected 3 (IEEE float)");
    assertThat(message(with(ok, new Entry(259, 3, 5)), data))
        .isEqualTo("Compression is 5 (LZW), expected 1 (uncompressed)");
    assertThat(message(with(ok, new Entry(262, 3, 2)), data))
        .isEqualTo("PhotometricInterpretation is 2 (RGB), expected 1 (BlackIsZero)");
    assertThat(message(without(ok, 262), data))
        .isEqualTo("PhotometricInterpretation (262) is missing");
    assertThat(message(with(ok, new Entry(277, 3, 3)), data))
        .isEqualTo("SamplesPerPixel is 3, expected 1 (single-channel images only)");
    assertThat(message(without(ok, 256), data)).isEqualTo("ImageWidth (256) is missing");
    assertThat(message(without(ok, 273), data)).isEqualTo("StripOffsets (273) is missing");
    assertThat(message(with(ok, new Entry(322, 3, 16)), data))
        .isEqualTo("tiled TIFFs are not supported (strips only)");
    assertThat(message(with(ok, new Entry(279, 4, 12)), data))
        .isEqualTo("StripByteCounts[0] is 12 bytes, expected 16 (2 rows of 2 float32 pixels)");
    assertThat(message(with(ok, new Entry(278, 4, 1)), data))
        .isEqualTo(
            "strip count mismatch: StripOffsets has 1, StripByteCounts has 1, expected 2"
                + " (ImageLength 2, RowsPerStrip 1)");
  }

  @Test
  void rejectsFilesThatAreNotClassicTiff() throws IOException {
    Path png = dir.resolve("a.tif");
    GreyPng.write16(png, new float[4], 2, 2);
    assertThatThrownBy(() -> Float32Tiff.read(png))
        .hasMessage(png + ": not a TIFF file (it starts with 89 50 4E 47, not II or MM)");

    Path big = dir.resolve("big.tif");
    Files.write(big, new byte[] {'I', 'I', 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    assertThatThrownBy(() -> Float32Tiff.read(big))
        .hasMessage(big + ": BigTIFF is not supported (classic TIFF only)");

    Path magic = dir.resolve("magic.tif");
    Files.write(magic, new byte[] {'M', 'M', 0, 7, 0, 0, 0, 8});
    assertThatThrownBy(() -> Float32Tiff.read(magic))
        .hasMessage(magic + ": not a TIFF file (magic number 7, expected 42)");

    Path tiny = dir.resolve("tiny.tif");
    Files.write(tiny, new byte[] {'I', 'I', 42});
    assertThatThrownBy(() -> Float32Tiff.read(tiny))
        .hasMessage(tiny + ": not a TIFF file (3 bytes, too short for a TIFF header)");
  }

  private StemImage read(List<Entry> entries, byte[] data) throws IOException {
    Path file = dir.resolve("t.tif");
    Files.write(file, tiff(ByteOrder.LITTLE_ENDIAN, entries, data));
    return Float32Tiff.read(file);
  }

  private String message(List<Entry> entries, byte[] data) {
    Path file = dir.resolve("t.tif");
    try {
      read(entries, data);
    } catch (StemImageException e) {
      assertThat(e.file()).isEqualTo(file);
      assertThat(e.getMessage()).startsWith(file + ": ");
      return e.getMessage().substring(file.toString().length() + 2);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no error for " + entries);
  }
}
