package io.alrc.experiments.stem;

import io.alrc.snapshot.AtomicFiles;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Greyscale PNG input and output with {@code javax.imageio}: 8-bit and 16-bit, single channel.
 *
 * <h2>Writing</h2>
 *
 * A float pixel {@code v} is mapped linearly from {@code [lo, hi]} (default [-1, 1], the
 * normalised range) to the integer codes {@code [0, 2^bits - 1]}, rounded to nearest and clipped:
 *
 * <pre>
 * code = clamp(round((v - lo) / (hi - lo) * (2^bits - 1)), 0, 2^bits - 1)
 * </pre>
 *
 * Non-finite pixels are written as code 0.
 *
 * <h2>Reading</h2>
 *
 * Only greyscale PNGs with 8 or 16 bits per sample are accepted (PNG colour type 0); the value is
 * {@code code / 255} or {@code code / 65535}, so in [0, 1]. Colour (RGB, palette), grey with alpha
 * and 1/2/4-bit greyscale are rejected with a {@link StemImageException} that names the file and
 * the PNG's colour type and bit depth. Before decoding, the chunk structure is checked (every chunk
 * inside the file, CRCs correct, an {@code IEND} at the end), so a truncated or damaged file gets a
 * precise message instead of a partly black image. Images larger than {@link StemImages#MAX_SIDE}
 * a side or {@link StemImages#MAX_PIXELS} pixels are rejected from the header, before decoding.
 *
 * <p>Stateless and thread-safe.
 */
public final class GreyPng {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private GreyPng() {}

  /** True if {@code bytes} start with the 8-byte PNG signature. */
  static boolean hasSignature(byte[] bytes) {
    if (bytes.length < SIGNATURE.length) {
      return false;
    }
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (bytes[i] != SIGNATURE[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Writes a 16-bit greyscale PNG of pixels in [-1, 1].
   *
   * @param file where to write; replaced if it exists
   * @param pixels row-major, {@code width * height}; not modified
   * @param width columns
   * @param height rows
   * @throws IOException if the file cannot be written
   */
  public static void write16(Path file, float[] pixels, int width, int height) throws IOException {
    write(file, pixels, width, height, -1, 1, 16);
  }

  /** Writes an 8-bit greyscale PNG of pixels in [-1, 1]; see {@link #write16}. */
  public static void write8(Path file, float[] pixels, int width, int height) throws IOException {
    write(file, pixels, width, height, -1, 1, 8);
  }

  /**
   * Writes a greyscale PNG, mapping {@code [lo, hi]} to the full code range.
   *
   * @param file where to write; replaced atomically if it exists ({@link AtomicFiles})
   * @param pixels row-major, {@code width * height}; not modified
   * @param width columns, &gt;= 1
   * @param height rows, &gt;= 1
   * @param lo the value written as code 0
   * @param hi the value written as the largest code; &gt; {@code lo}
   * @param bits 8 or 16
   * @throws IOException if the file cannot be written
   * @throws IllegalArgumentException for a bad size, range or bit depth
   */
  public static void write(
      Path file, float[] pixels, int width, int height, double lo, double hi, int bits)
      throws IOException {
    BufferedImage image = toImage(pixels, width, height, lo, hi, bits);
    // Memory-cached streams: javax.imageio would otherwise buffer through temporary files.
    AtomicFiles.write(file, out -> {
      try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
        if (!ImageIO.write(image, "png", stream)) {
          throw new IOException(file + ": no PNG writer available in javax.imageio");
        }
      }
    });
  }

  static BufferedImage toImage(
      float[] pixels, int width, int height, double lo, double hi, int bits) {
    if (bits != 8 && bits != 16) {
      throw new IllegalArgumentException("bits (" + bits + ") must be 8 or 16");
    }
    if (width < 1 || height < 1 || (long) width * height != pixels.length) {
      throw new IllegalArgumentException(
          pixels.length + " pixels do not make a " + width + " x " + height + " image");
    }
    if (!(hi > lo) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
      throw new IllegalArgumentException("range [" + lo + ", " + hi + "] must be finite with hi > lo");
    }
    int max = (1 << bits) - 1;
    BufferedImage image =
        new BufferedImage(
            width, height, bits == 8 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_USHORT_GRAY);
    WritableRaster raster = image.getRaster();
    int[] codes = new int[pixels.length];
    double scale = max / (hi - lo);
    for (int i = 0; i < pixels.length; i++) {
      float v = pixels[i];
      long code = Float.isFinite(v) ? Math.round((v - lo) * scale) : 0;
      codes[i] = (int) Math.max(0, Math.min(max, code));
    }
    raster.setSamples(0, 0, width, height, 0, codes);
    return image;
  }

  /**
   * Reads an 8-bit or 16-bit greyscale PNG.
   *
   * @param file the PNG
   * @return its pixels divided by 255 or 65535, in [0, 1]
   * @throws StemImageException if the file is not a PNG, not 8/16-bit greyscale, truncated or
   *     corrupt
   * @throws IOException if the file cannot be read at all
   */
  public static StemImage read(Path file) throws IOException {
    return decode(file, StemImages.readBounded(file));
  }

  static StemImage decode(Path file, byte[] bytes) throws StemImageException {
    if (!hasSignature(bytes)) {
      throw new StemImageException(
          file, "not a PNG file (it starts with " + StemImages.hexPrefix(bytes) + ")");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes); // PNG is big-endian, ByteBuffer's default
    if (bytes.length < 33 || !"IHDR".equals(chunkType(bytes, 12)) || buf.getInt(8) != 13) {
      throw new StemImageException(
          file, "truncated or corrupt PNG: no complete IHDR chunk in its first 33 bytes");
    }
    long width = Integer.toUnsignedLong(buf.getInt(16));
    long height = Integer.toUnsignedLong(buf.getInt(20));
    int bitDepth = bytes[24] & 0xFF;
    int colourType = bytes[25] & 0xFF;
    if (colourType != 0) {
      throw new StemImageException(
          file,
          colourTypeName(colourType) + " PNG (" + bitDepth
              + "-bit) is not supported: expected 8- or 16-bit greyscale");
    }
    if (bitDepth != 8 && bitDepth != 16) {
      throw new StemImageException(
          file, bitDepth + "-bit greyscale PNG is not supported: expected 8- or 16-bit greyscale");
    }
    // before javax.imageio allocates the raster: a small file may declare a huge image
    StemImages.checkDimensions(file, "the PNG", width, height);
    checkChunks(file, bytes, buf);

    BufferedImage image;
    try {
      image = ImageIO.read(new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes)));
    } catch (IOException | RuntimeException e) {
      throw new StemImageException(file, "corrupt PNG image data (" + e.getMessage() + ")", e);
    }
    if (image == null) {
      throw new StemImageException(file, "javax.imageio found no PNG reader for it");
    }
    Raster raster = image.getRaster();
    if (raster.getNumBands() != 1 || raster.getWidth() != width || raster.getHeight() != height) {
      throw new StemImageException(
          file,
          "decoded to " + raster.getNumBands() + " bands of " + raster.getWidth() + " x "
              + raster.getHeight() + ", expected 1 band of " + width + " x " + height);
    }
    int[] codes = raster.getSamples(0, 0, (int) width, (int) height, 0, (int[]) null);
    float[] pixels = new float[codes.length];
    float max = bitDepth == 8 ? 255f : 65535f;
    for (int i = 0; i < codes.length; i++) {
      pixels[i] = codes[i] / max;
    }
    return StemImage.wrap(file.toString(), (int) width, (int) height, pixels);
  }

  /** Walks the chunks: each must lie inside the file with a correct CRC, ending with IEND. */
  private static void checkChunks(Path file, byte[] bytes, ByteBuffer buf) throws StemImageException {
    int at = SIGNATURE.length;
    boolean sawData = false;
    CRC32 crc = new CRC32();
    while (true) {
      if (at + 8 > bytes.length) {
        throw new StemImageException(
            file, "truncated PNG: the file ends at byte " + bytes.length + " before the IEND chunk");
      }
      long length = Integer.toUnsignedLong(buf.getInt(at));
      String type = chunkType(bytes, at + 4);
      long end = at + 12 + length;
      if (end > bytes.length) {
        throw new StemImageException(
            file,
            "truncated PNG: chunk " + type + " at byte " + at + " needs bytes up to " + end
                + " but the file has " + bytes.length);
      }
      crc.reset();
      crc.update(bytes, at + 4, (int) (4 + length));
      if ((int) crc.getValue() != buf.getInt((int) (at + 8 + length))) {
        throw new StemImageException(file, "corrupt PNG: CRC mismatch in chunk " + type + " at byte " + at);
      }
      sawData |= type.equals("IDAT");
      if (type.equals("IEND")) {
        if (!sawData) {
          throw new StemImageException(file, "corrupt PNG: no IDAT (image data) chunk");
        }
        return;
      }
      at = (int) end;
    }
  }

  private static String chunkType(byte[] bytes, int at) {
    return new String(bytes, at, 4, StandardCharsets.ISO_8859_1);
  }

  private static String colourTypeName(int colourType) {
    return switch (colourType) {
      case 2 -> "colour (RGB)";
      case 3 -> "colour (palette)";
      case 4 -> "greyscale-with-alpha";
      case 6 -> "colour (RGBA)";
      default -> "colour type " + colourType;
    };
  }
}
