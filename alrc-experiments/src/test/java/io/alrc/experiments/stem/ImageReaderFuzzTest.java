package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Damaged PNG and TIFF files: whatever the bytes, the readers return an image or throw {@link
 * StemImageException} whose message starts with the file, never another exception or an
 * out-of-memory error.
 */
class ImageReaderFuzzTest {
  private static final Path FILE = Path.of("fuzz.img");

  /** Up to 8 bytes replaced at random offsets, then perhaps a cut. */
  record Damage(List<Integer> offsets, List<Integer> values, int cut) {
    byte[] apply(byte[] valid) {
      byte[] b = valid.clone();
      for (int i = 0; i < Math.min(offsets.size(), values.size()); i++) {
        b[offsets.get(i) % b.length] = values.get(i).byteValue();
      }
      return cut > 0 && cut < b.length ? Arrays.copyOf(b, cut) : b;
    }
  }

  @Provide
  Arbitrary<Damage> damage() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 1 << 20).list().ofMaxSize(8),
            Arbitraries.integers().between(0, 255).list().ofMaxSize(8),
            Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(1, 400)))
        .as(Damage::new);
  }

  private static byte[] validPng() {
    byte[] rows = new byte[6 * (1 + 2 * 5)];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = (byte) (i % 11 == 0 ? 0 : i * 37);
    }
    return TestFiles.png(5, 6, 16, 0, rows);
  }

  /** Recomputes every chunk's CRC, so that damage reaches the decoder instead of the CRC check. */
  private static byte[] fixCrcs(byte[] png) {
    ByteBuffer buf = ByteBuffer.wrap(png);
    int at = 8;
    while (at + 12 <= png.length) {
      long length = Integer.toUnsignedLong(buf.getInt(at));
      if (at + 12 + length > png.length) {
        break;
      }
      CRC32 crc = new CRC32();
      crc.update(png, at + 4, (int) (4 + length));
      buf.putInt((int) (at + 8 + length), (int) crc.getValue());
      at += (int) (12 + length);
    }
    return png;
  }

  private static void readsOrNamesTheProblem(Reader reader, byte[] bytes) {
    try {
      StemImage image = reader.decode(FILE, bytes);
      assertThat(image.width()).isBetween(1, StemImages.MAX_SIDE);
      assertThat((long) image.width() * image.height()).isLessThanOrEqualTo(StemImages.MAX_PIXELS);
    } catch (StemImageException e) {
      assertThat(e.getMessage()).startsWith(FILE + ": ");
    } catch (IOException e) {
      throw new AssertionError("an IOException other than StemImageException: " + e, e);
    }
  }

  @FunctionalInterface
  private interface Reader {
    StemImage decode(Path file, byte[] bytes) throws IOException;
  }

  @Property(tries = 300)
  void damagedPngs(@ForAll("damage") Damage damage) {
    readsOrNamesTheProblem(GreyPng::decode, damage.apply(validPng()));
  }

  @Property(tries = 300)
  void damagedPngsWithCorrectCrcs(@ForAll("damage") Damage damage) {
    byte[] bytes = damage.apply(validPng());
    readsOrNamesTheProblem(GreyPng::decode, bytes.length > 8 ? fixCrcs(bytes) : bytes);
  }

  @Property(tries = 300)
  void damagedTiffs(@ForAll("damage") Damage damage, @ForAll boolean bigEndian) {
    ByteOrder order = bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    float[] pixels = new float[4 * 3];
    Arrays.fill(pixels, 0.5f);
    List<TestFiles.Entry> entries = TestFiles.with(TestFiles.float32Entries(4, 3),
        new TestFiles.Entry(278, 4, 1)); // a strip per row: more offsets to damage
    entries = TestFiles.with(entries, new TestFiles.Entry(273, 4,
        TestFiles.DATA_OFFSET, TestFiles.DATA_OFFSET, TestFiles.DATA_OFFSET));
    entries = TestFiles.with(entries, new TestFiles.Entry(279, 4, 16, 16, 16));
    byte[] valid = TestFiles.tiff(order, entries, TestFiles.floats(order, pixels));
    readsOrNamesTheProblem(Float32Tiff::decode, damage.apply(valid));
    readsOrNamesTheProblem(StemImages::decode, damage.apply(valid));
  }

  @Property(tries = 200)
  void randomBytes(@ForAll("bytes") byte[] bytes) {
    readsOrNamesTheProblem(StemImages::decode, bytes);
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    Arbitrary<byte[]> pngStart = random.map(b -> {
      byte[] out = Arrays.copyOf(validPng(), 33 + b.length);
      System.arraycopy(b, 0, out, 33, b.length);
      return out;
    });
    Arbitrary<byte[]> tiffStart = random.map(b -> {
      byte[] out = new byte[8 + b.length];
      out[0] = 'I';
      out[1] = 'I';
      out[2] = 42;
      out[4] = 8;
      System.arraycopy(b, 0, out, 8, b.length);
      return out;
    });
    return Arbitraries.oneOf(random, pngStart, tiffStart);
  }
}
