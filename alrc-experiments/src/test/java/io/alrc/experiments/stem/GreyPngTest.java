package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GreyPngTest {
  @TempDir Path dir;

  @Test
  void sixteenBitRoundTripKeepsEveryCode() throws IOException {
    int w = 37;
    int h = 11;
    SplittableRandom random = new SplittableRandom(3);
    int[] codes = new int[w * h];
    float[] pixels = new float[w * h];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = i < 2 ? i * 65535 : random.nextInt(65536); // both ends included
      pixels[i] = (float) (-1 + 2.0 * codes[i] / 65535);
    }
    Path file = dir.resolve("a.png");
    GreyPng.write16(file, pixels, w, h);

    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes[24]).as("IHDR bit depth").isEqualTo((byte) 16);
    assertThat(bytes[25]).as("IHDR colour type: greyscale").isEqualTo((byte) 0);
    StemImage back = GreyPng.read(file);
    assertThat(back.width()).isEqualTo(w);
    assertThat(back.height()).isEqualTo(h);
    float[] read = back.pixels();
    for (int i = 0; i < codes.length; i++) {
      assertThat(read[i]).as("pixel %d is code / 65535", i).isEqualTo(codes[i] / 65535f);
      assertThat(2 * read[i] - 1).as("pixel %d back in [-1, 1]", i).isCloseTo(pixels[i], org.assertj.core.data.Offset.offset(1e-6f));
    }
  }

  @Test
  void eightBitIsAcceptedAndScaledBy255() throws IOException {
    float[] pixels = {-1, 0, 1, 0.5f};
    Path file = dir.resolve("b.png");
    GreyPng.write8(file, pixels, 2, 2);
    assertThat(Files.readAllBytes(file)[24]).isEqualTo((byte) 8);
    // -1 -> 0, 0 -> round(127.5) = 128, 1 -> 255, 0.5 -> round(191.25) = 191
    assertThat(GreyPng.read(file).pixels()).containsExactly(0f, 128 / 255f, 1f, 191 / 255f);
  }

  @Test
  void clipsOutOfRangeAndWritesNonFiniteAsZero() throws IOException {
    Path file = dir.resolve("c.png");
    GreyPng.write(file, new float[] {-5, 5, Float.NaN, 0.25f}, 4, 1, 0, 1, 16);
    assertThat(GreyPng.read(file).pixels()).containsExactly(0f, 1f, 0f, 16384 / 65535f);
  }

  @Test
  void rejectsColourWithTheColourTypeAndDepth() throws IOException {
    Path rgb = dir.resolve("rgb.png");
    ImageIO.write(new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB), "png", rgb.toFile());
    assertThatThrownBy(() -> GreyPng.read(rgb))
        .isInstanceOf(StemImageException.class)
        .hasMessage(rgb + ": colour (RGB) PNG (8-bit) is not supported: expected 8- or 16-bit greyscale");

    Path palette = dir.resolve("palette.png");
    Files.write(palette, TestFiles.png(2, 1, 8, 3, new byte[] {0, 0, 0}));
    assertThatThrownBy(() -> StemImages.read(palette))
        .hasMessage(palette + ": colour (palette) PNG (8-bit) is not supported: expected 8- or 16-bit greyscale");

    Path greyAlpha = dir.resolve("ga.png");
    Files.write(greyAlpha, TestFiles.png(1, 1, 16, 4, new byte[] {0, 1, 2, 3, 4}));
    assertThatThrownBy(() -> GreyPng.read(greyAlpha))
        .hasMessage(greyAlpha + ": greyscale-with-alpha PNG (16-bit) is not supported: expected 8- or 16-bit greyscale");

    Path fourBit = dir.resolve("4bit.png");
    Files.write(fourBit, TestFiles.png(2, 1, 4, 0, new byte[] {0, 0x1F}));
    assertThatThrownBy(() -> GreyPng.read(fourBit))
        .hasMessage(fourBit + ": 4-bit greyscale PNG is not supported: expected 8- or 16-bit greyscale");
  }

  @Test
  void readsAHandBuiltSixteenBitGreyscalePng() throws IOException {
    Path file = dir.resolve("hand.png");
    // 2 x 1, 16-bit: codes 1 and 65534, big-endian, after filter byte 0.
    Files.write(file, TestFiles.png(2, 1, 16, 0, new byte[] {0, 0, 1, (byte) 0xFF, (byte) 0xFE}));
    assertThat(GreyPng.read(file).pixels()).containsExactly(1 / 65535f, 65534 / 65535f);
  }

  @Test
  void reportsTruncationAndCorruptionBeforeDecoding() throws IOException {
    Path file = dir.resolve("d.png");
    GreyPng.write16(file, new float[64 * 64], 64, 64);
    byte[] bytes = Files.readAllBytes(file);
    int idat = TestFiles.chunkOffset(bytes, "IDAT");
    long idatEnd = idat + 12L + java.nio.ByteBuffer.wrap(bytes).getInt(idat);

    Path cut = dir.resolve("cut.png");
    Files.write(cut, Arrays.copyOf(bytes, idat + 20));
    assertThatThrownBy(() -> GreyPng.read(cut))
        .hasMessage(cut + ": truncated PNG: chunk IDAT at byte " + idat + " needs bytes up to "
            + idatEnd + " but the file has " + (idat + 20));

    Path noEnd = dir.resolve("noend.png");
    Files.write(noEnd, Arrays.copyOf(bytes, (int) idatEnd));
    assertThatThrownBy(() -> GreyPng.read(noEnd))
        .hasMessage(noEnd + ": truncated PNG: the file ends at byte " + idatEnd + " before the IEND chunk");

    Path header = dir.resolve("header.png");
    Files.write(header, Arrays.copyOf(bytes, 20));
    assertThatThrownBy(() -> GreyPng.read(header))
        .hasMessage(header + ": truncated or corrupt PNG: no complete IHDR chunk in its first 33 bytes");

    Path flipped = dir.resolve("crc.png");
    byte[] corrupt = bytes.clone();
    corrupt[idat + 8] ^= 0x55;
    Files.write(flipped, corrupt);
    assertThatThrownBy(() -> GreyPng.read(flipped))
        .hasMessage(flipped + ": corrupt PNG: CRC mismatch in chunk IDAT at byte " + idat);
  }

  @Test
  void rejectsBadWriteArguments() {
    assertThatThrownBy(() -> GreyPng.write(dir.resolve("x.png"), new float[4], 2, 2, 0, 1, 12))
        .hasMessage("bits (12) must be 8 or 16");
    assertThatThrownBy(() -> GreyPng.write16(dir.resolve("x.png"), new float[5], 2, 2))
        .hasMessage("5 pixels do not make a 2 x 2 image");
    assertThatThrownBy(() -> GreyPng.write(dir.resolve("x.png"), new float[4], 2, 2, 1, 1, 8))
        .hasMessage("range [1.0, 1.0] must be finite with hi > lo");
  }
}
