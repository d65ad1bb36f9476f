package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.experiments.stem.TestFiles.Entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readers' limits: a small file that declares a huge image is rejected from its header, before
 * any pixel is allocated, with a {@link StemImageException} naming the file and the dimensions.
 */
class StemImageLimitsTest {
  @TempDir Path dir;

  @Test
  void theLimitsAreAsDocumented() {
    assertThat(StemImages.MAX_SIDE).isEqualTo(32_768);
    assertThat(StemImages.MAX_PIXELS).isEqualTo(8192L * 8192);
    assertThat(StemImages.MAX_FILE_BYTES).isEqualTo(512L * 1024 * 1024);
  }

  /**
   * The trial's file declared 46000 x 46000 pixels in a valid 4 MB PNG; its header (the chunks
   * intact, the image data short) is rejected as the whole file would be, before decoding.
   */
  @Test
  void aPngOf46000By46000IsRejectedFromItsHeader() throws IOException {
    Path file = dir.resolve("huge.png");
    Files.write(file, TestFiles.png(46_000, 46_000, 16, 0, new byte[1024]));
    assertThatThrownBy(() -> StemImages.read(file))
        .isInstanceOf(StemImageException.class)
        .hasMessage(file + ": the PNG declares 46000 x 46000 pixels: larger than the limit of 32768"
            + " a side and 67108864 pixels (8192 x 8192) in all");
  }

  /** A valid PNG just above the pixel limit (8200 x 8200 zeros, 67 MB raw, deflated small). */
  @Test
  void aValidPngAboveThePixelLimitIsRejected() throws IOException {
    Path file = dir.resolve("big.png");
    Files.write(file, zeroPng(8200, 8200, 8));
    assertThat(Files.size(file)).as("a small file").isLessThan(1L << 20);
    assertThatThrownBy(() -> StemImages.read(file))
        .isInstanceOf(StemImageException.class)
        .hasMessageContaining("the PNG declares 8200 x 8200 pixels: larger than the limit");
  }

  @Test
  void aPngHeaderBeyondTheLimitsIsRejectedWhateverTheData() throws IOException {
    Path wide = dir.resolve("wide.png");
    Files.write(wide, TestFiles.png(40_000, 1, 8, 0, new byte[] {0, 0}));
    assertThatThrownBy(() -> GreyPng.read(wide))
        .hasMessageContaining("the PNG declares 40000 x 1 pixels: larger than the limit");
    Path negative = dir.resolve("negative.png");
    Files.write(negative, TestFiles.png(-1, 1, 8, 0, new byte[] {0, 0}));
    assertThatThrownBy(() -> GreyPng.read(negative))
        .hasMessageContaining("the PNG declares 4294967295 x 1 pixels");
    Path zero = dir.resolve("zero.png");
    Files.write(zero, TestFiles.png(0, 5, 8, 0, new byte[] {0}));
    assertThatThrownBy(() -> GreyPng.read(zero))
        .hasMessage(zero + ": the PNG declares 0 x 5 pixels; both must be >= 1");
  }

  @Test
  void aTiffDeclaringAHugeImageIsRejectedBeforeAllocating() throws IOException {
    Path file = dir.resolve("huge.tif");
    List<Entry> entries = TestFiles.float32Entries(1, 1);
    entries = TestFiles.with(entries, new Entry(256, 4, 65_536));
    entries = TestFiles.with(entries, new Entry(257, 4, 65_536));
    Files.write(file, TestFiles.tiff(ByteOrder.LITTLE_ENDIAN, entries, new byte[4]));
    assertThatThrownBy(() -> Float32Tiff.read(file))
        .isInstanceOf(StemImageException.class)
        .hasMessage(file + ": the TIFF declares 65536 x 65536 pixels: larger than the limit of"
            + " 32768 a side and 67108864 pixels (8192 x 8192) in all");

    Path many = dir.resolve("many.tif");
    List<Entry> tooMany = TestFiles.with(TestFiles.float32Entries(1, 1),
        new Entry(279, 4, new long[40_000]));
    Files.write(many, TestFiles.tiff(ByteOrder.BIG_ENDIAN, tooMany, new byte[4]));
    assertThatThrownBy(() -> Float32Tiff.read(many))
        .hasMessage(many + ": tag 279 declares 40000 values, more than the 32768 rows an image may"
            + " have");
  }

  @Test
  void anImageAtTheSideLimitPassesTheHeaderCheck() throws StemImageException {
    StemImages.checkDimensions(dir, "the PNG", 32_768, 2048);
    StemImages.checkDimensions(dir, "the PNG", 8192, 8192);
    assertThatThrownBy(() -> StemImages.checkDimensions(dir, "the PNG", 8192, 8193))
        .isInstanceOf(StemImageException.class);
  }

  @Test
  void devicesAndFoldersAreNotReadAsImages() {
    assertThatThrownBy(() -> StemImages.read(dir))
        .isInstanceOf(StemImageException.class)
        .hasMessage(dir + ": a folder, not an image file");
    Path zero = Path.of("/dev/zero");
    if (Files.exists(zero)) {
      assertThatThrownBy(() -> StemImages.read(zero))
          .isInstanceOf(StemImageException.class)
          .hasMessage("/dev/zero: not a regular file (a device, pipe or socket?)");
    }
  }

  /** A greyscale PNG of zeros, deflated as it is generated (the raw rows never sit in memory). */
  static byte[] zeroPng(int width, int height, int bits) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    ByteBuffer ihdr = ByteBuffer.allocate(13);
    ihdr.putInt(width).putInt(height).put((byte) bits).put((byte) 0);
    ihdr.put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    byte[] row = new byte[1 + width * (bits / 8)];
    byte[] buf = new byte[1 << 16];
    // rows of zeros with filter byte 0 are all zeros
    long remaining = (long) row.length * height;
    byte[] zeros = new byte[1 << 20];
    while (remaining > 0) {
      int n = (int) Math.min(zeros.length, remaining);
      deflater.setInput(zeros, 0, n);
      remaining -= n;
      while (!deflater.needsInput()) {
        int k = deflater.deflate(buf);
        idat.write(buf, 0, k);
      }
    }
    deflater.finish();
    while (!deflater.finished()) {
      int k = deflater.deflate(buf);
      idat.write(buf, 0, k);
    }
    deflater.end();
    chunk(out, "IDAT", idat.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
