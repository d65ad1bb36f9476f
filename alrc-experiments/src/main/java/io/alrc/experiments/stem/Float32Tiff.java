package io.alrc.experiments.stem;

import io.alrc.snapshot.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads and writes single-channel float32 TIFFs: the format of the authors' STEM crops.
 *
 * <p>Accepted: classic TIFF (not BigTIFF), little- or big-endian, first image (IFD) only, with
 *
 * <ul>
 *   <li>{@code ImageWidth} (256) and {@code ImageLength} (257), SHORT or LONG;
 *   <li>{@code BitsPerSample} (258) = 32 and {@code SampleFormat} (339) = 3 (IEEE float);
 *   <li>{@code SamplesPerPixel} (277) = 1 (its default);
 *   <li>{@code Compression} (259) = 1, uncompressed (its default);
 *   <li>{@code PhotometricInterpretation} (262) = 1, BlackIsZero;
 *   <li>strips: {@code StripOffsets} (273), {@code StripByteCounts} (279), {@code RowsPerStrip}
 *       (278, default: all rows in one strip).
 * </ul>
 *
 * Anything else (tiles, integer samples, compression, colour, several channels) is rejected with a
 * {@link StemImageException} naming the file, the field, its value and what is expected. A file too
 * short for what its directory declares is reported as truncated, with the byte range it lacks.
 * Further images in the file (a next-IFD offset other than 0) are ignored. Images larger than
 * {@link StemImages#MAX_SIDE} a side or {@link StemImages#MAX_PIXELS} pixels are rejected from the
 * directory, before the pixels are allocated.
 *
 * <p>Stateless and thread-safe.
 */
public final class Float32Tiff {
  private static final int IMAGE_WIDTH = 256;
  private static final int IMAGE_LENGTH = 257;
  private static final int BITS_PER_SAMPLE = 258;
  private static final int COMPRESSION = 259;
  private static final int PHOTOMETRIC = 262;
  private static final int STRIP_OFFSETS = 273;
  private static final int SAMPLES_PER_PIXEL = 277;
  private static final int ROWS_PER_STRIP = 278;
  private static final int STRIP_BYTE_COUNTS = 279;
  private static final int PLANAR_CONFIGURATION = 284;
  private static final int TILE_WIDTH = 322;
  private static final int TILE_OFFSETS = 324;
  private static final int SAMPLE_FORMAT = 339;

  /** The tags whose values this reader uses; the values of other tags are not read. */
  private static final java.util.Set<Integer> READ_TAGS =
      java.util.Set.of(IMAGE_WIDTH, IMAGE_LENGTH, BITS_PER_SAMPLE, COMPRESSION, PHOTOMETRIC,
          STRIP_OFFSETS, SAMPLES_PER_PIXEL, ROWS_PER_STRIP, STRIP_BYTE_COUNTS, PLANAR_CONFIGURATION,
          SAMPLE_FORMAT);

  private static final int TYPE_BYTE = 1;
  private static final int TYPE_SHORT = 3;
  private static final int TYPE_LONG = 4;

  private Float32Tiff() {}

  /**
   * Reads the first image of a float32 TIFF.
   *
   * @param file the TIFF
   * @return its pixels, unchanged (non-finite values included)
   * @throws StemImageException if the file is not a TIFF, not a single-channel uncompressed float32
   *     strip TIFF, or truncated
   * @throws IOException if the file cannot be read at all
   */
  public static StemImage read(Path file) throws IOException {
    return decode(file, StemImages.readBounded(file));
  }

  static StemImage decode(Path file, byte[] bytes) throws StemImageException {
    if (bytes.length < 8) {
      throw new StemImageException(
          file, "not a TIFF file (" + bytes.length + " bytes, too short for a TIFF header)");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    if (bytes[0] == 'I' && bytes[1] == 'I') {
      buf.order(ByteOrder.LITTLE_ENDIAN);
    } else if (bytes[0] == 'M' && bytes[1] == 'M') {
      buf.order(ByteOrder.BIG_ENDIAN);
    } else {
      throw new StemImageException(
          file, "not a TIFF file (it starts with " + StemImages.hexPrefix(bytes) + ", not II or MM)");
    }
    int magic = Short.toUnsignedInt(buf.getShort(2));
    if (magic == 43) {
      throw new StemImageException(file, "BigTIFF is not supported (classic TIFF only)");
    }
    if (magic != 42) {
      throw new StemImageException(file, "not a TIFF file (magic number " + magic + ", expected 42)");
    }
    long ifd = Integer.toUnsignedLong(buf.getInt(4));
    if (ifd + 2 > bytes.length) {
      throw new StemImageException(
          file,
          "truncated: the image directory at offset " + ifd + " lies beyond the end of the file ("
              + bytes.length + " bytes)");
    }
    int entries = Short.toUnsignedInt(buf.getShort((int) ifd));
    long end = ifd + 2 + 12L * entries;
    if (end > bytes.length) {
      throw new StemImageException(
          file,
          "truncated: the image directory needs bytes [" + ifd + ", " + end + ") but the file has "
              + bytes.length + " bytes");
    }
    Map<Integer, long[]> tags = new HashMap<>();
    for (int e = 0; e < entries; e++) {
      int at = (int) ifd + 2 + 12 * e;
      int tag = Short.toUnsignedInt(buf.getShort(at));
      int type = Short.toUnsignedInt(buf.getShort(at + 2));
      long count = Integer.toUnsignedLong(buf.getInt(at + 4));
      if (READ_TAGS.contains(tag)) {
        tags.put(tag, values(file, buf, at, tag, type, count));
      } else if (tag == TILE_WIDTH || tag == TILE_OFFSETS) {
        tags.put(tag, new long[0]); // only its presence matters
      }
    }

    if (tags.containsKey(TILE_WIDTH) || tags.containsKey(TILE_OFFSETS)) {
      throw new StemImageException(file, "tiled TIFFs are not supported (strips only)");
    }
    long declaredWidth = required(file, tags, IMAGE_WIDTH, "ImageWidth");
    long declaredHeight = required(file, tags, IMAGE_LENGTH, "ImageLength");
    if (declaredWidth < 1 || declaredHeight < 1) {
      throw new StemImageException(
          file,
          "ImageWidth (" + declaredWidth + ") and ImageLength (" + declaredHeight + ") must be >= 1");
    }
    // before the pixels are allocated: a small file may declare a huge image
    StemImages.checkDimensions(file, "the TIFF", declaredWidth, declaredHeight);
    int width = (int) declaredWidth;
    int height = (int) declaredHeight;
    expect(file, "SamplesPerPixel", optional(tags, SAMPLES_PER_PIXEL, 1), 1, "single-channel images only");
    expect(file, "BitsPerSample", optional(tags, BITS_PER_SAMPLE, 1), 32, "float32 TIFFs only");
    long format = optional(tags, SAMPLE_FORMAT, 1);
    if (format != 3) {
      throw new StemImageException(
          file, "SampleFormat is " + format + " (" + sampleFormatName(format) + "), expected 3 (IEEE float)");
    }
    long compression = optional(tags, COMPRESSION, 1);
    if (compression != 1) {
      throw new StemImageException(
          file,
          "Compression is " + compression + " (" + compressionName(compression)
              + "), expected 1 (uncompressed)");
    }
    long photometric = required(file, tags, PHOTOMETRIC, "PhotometricInterpretation");
    if (photometric != 1) {
      throw new StemImageException(
          file,
          "PhotometricInterpretation is " + photometric + " (" + photometricName(photometric)
              + "), expected 1 (BlackIsZero)");
    }
    long planar = optional(tags, PLANAR_CONFIGURATION, 1);
    if (planar != 1 && planar != 2) {
      throw new StemImageException(file, "PlanarConfiguration is " + planar + ", expected 1");
    }
    long[] offsets = tags.get(STRIP_OFFSETS);
    long[] counts = tags.get(STRIP_BYTE_COUNTS);
    if (offsets == null) {
      throw new StemImageException(file, "StripOffsets (273) is missing");
    }
    if (counts == null) {
      throw new StemImageException(file, "StripByteCounts (279) is missing");
    }
    long rowsPerStrip = Math.min(optional(tags, ROWS_PER_STRIP, 0xFFFFFFFFL), height);
    if (rowsPerStrip < 1) {
      throw new StemImageException(file, "RowsPerStrip is " + rowsPerStrip + ", expected >= 1");
    }
    long strips = (height + rowsPerStrip - 1) / rowsPerStrip;
    if (offsets.length != strips || counts.length != strips) {
      throw new StemImageException(
          file,
          "strip count mismatch: StripOffsets has " + offsets.length + ", StripByteCounts has "
              + counts.length + ", expected " + strips + " (ImageLength " + height
              + ", RowsPerStrip " + rowsPerStrip + ")");
    }

    float[] pixels = new float[Math.multiplyExact(width, height)];
    int next = 0;
    for (int s = 0; s < strips; s++) {
      long rows = Math.min(rowsPerStrip, height - s * rowsPerStrip);
      long need = rows * width * 4L;
      if (counts[s] < need) {
        throw new StemImageException(
            file,
            "StripByteCounts[" + s + "] is " + counts[s] + " bytes, expected " + need + " (" + rows
                + " rows of " + width + " float32 pixels)");
      }
      long from = offsets[s];
      if (from + need > bytes.length) {
        throw new StemImageException(
            file,
            "truncated: strip " + s + " needs bytes [" + from + ", " + (from + need)
                + ") but the file has " + bytes.length + " bytes");
      }
      int n = (int) (rows * width);
      buf.position((int) from);
      buf.slice().order(buf.order()).asFloatBuffer().get(pixels, next, n);
      next += n;
    }
    return StemImage.wrap(file.toString(), width, height, pixels);
  }

  /**
   * Writes a single-strip, uncompressed float32 TIFF with the tags listed in the class comment.
   *
   * @param file where to write; replaced atomically if it exists ({@link AtomicFiles})
   * @param image the pixels
   * @param order byte order of the file ({@code II} for little-endian, {@code MM} for big-endian)
   * @throws IOException if the file cannot be written
   */
  public static void write(Path file, StemImage image, ByteOrder order) throws IOException {
    AtomicFiles.write(file, encode(image, order));
  }

  /** Writes {@code image} little-endian, like the authors' files. */
  public static void write(Path file, StemImage image) throws IOException {
    write(file, image, ByteOrder.LITTLE_ENDIAN);
  }

  static byte[] encode(StemImage image, ByteOrder order) {
    int[][] entries = {
      {IMAGE_WIDTH, TYPE_LONG, image.width()},
      {IMAGE_LENGTH, TYPE_LONG, image.height()},
      {BITS_PER_SAMPLE, TYPE_SHORT, 32},
      {COMPRESSION, TYPE_SHORT, 1},
      {PHOTOMETRIC, TYPE_SHORT, 1},
      {STRIP_OFFSETS, TYPE_LONG, 0}, // filled in below
      {SAMPLES_PER_PIXEL, TYPE_SHORT, 1},
      {ROWS_PER_STRIP, TYPE_LONG, image.height()},
      {STRIP_BYTE_COUNTS, TYPE_LONG, image.width() * image.height() * 4},
      {PLANAR_CONFIGURATION, TYPE_SHORT, 1},
      {SAMPLE_FORMAT, TYPE_SHORT, 3},
    };
    int dataOffset = 8 + 2 + 12 * entries.length + 4;
    entries[5][2] = dataOffset;
    float[] data = image.data();
    ByteBuffer buf = ByteBuffer.allocate(dataOffset + 4 * data.length).order(order);
    buf.put((byte) (order == ByteOrder.LITTLE_ENDIAN ? 'I' : 'M'));
    buf.put((byte) (order == ByteOrder.LITTLE_ENDIAN ? 'I' : 'M'));
    buf.putShort((short) 42).putInt(8).putShort((short) entries.length);
    for (int[] e : entries) {
      buf.putShort((short) e[0]).putShort((short) e[1]).putInt(1);
      if (e[1] == TYPE_SHORT) {
        buf.putShort((short) e[2]).putShort((short) 0);
      } else {
        buf.putInt(e[2]);
      }
    }
    buf.putInt(0); // no further image
    for (float v : data) {
      buf.putFloat(v);
    }
    return buf.array();
  }

  private static long[] values(Path file, ByteBuffer buf, int entry, int tag, int type, long count)
      throws StemImageException {
    int size = type == TYPE_BYTE ? 1 : type == TYPE_SHORT ? 2 : type == TYPE_LONG ? 4 : 0;
    if (size == 0 || count == 0) {
      return new long[0]; // a type this reader never needs (RATIONAL, ASCII...); kept for presence
    }
    long bytes = count * size;
    long at = bytes <= 4 ? entry + 8 : Integer.toUnsignedLong(buf.getInt(entry + 8));
    if (at + bytes > buf.capacity()) {
      throw new StemImageException(
          file,
          "truncated: the values of tag " + tag + " need bytes [" + at + ", " + (at + bytes)
              + ") but the file has " + buf.capacity() + " bytes");
    }
    if (count > StemImages.MAX_SIDE) {
      // no tag this reader uses has more values than the image has rows
      throw new StemImageException(
          file, "tag " + tag + " declares " + count + " values, more than the " + StemImages.MAX_SIDE
              + " rows an image may have");
    }
    long[] out = new long[(int) count];
    for (int i = 0; i < count; i++) {
      int p = (int) at + i * size;
      out[i] =
          switch (size) {
            case 1 -> Byte.toUnsignedLong(buf.get(p));
            case 2 -> Short.toUnsignedLong(buf.getShort(p));
            default -> Integer.toUnsignedLong(buf.getInt(p));
          };
    }
    return out;
  }

  private static long required(Path file, Map<Integer, long[]> tags, int tag, String name)
      throws StemImageException {
    long[] v = tags.get(tag);
    if (v == null || v.length == 0) {
      throw new StemImageException(file, name + " (" + tag + ") is missing");
    }
    return v[0];
  }

  private static long optional(Map<Integer, long[]> tags, int tag, long defaultValue) {
    long[] v = tags.get(tag);
    return v == null || v.length == 0 ? defaultValue : v[0];
  }

  private static void expect(Path file, String name, long value, long expected, String why)
      throws StemImageException {
    if (value != expected) {
      throw new StemImageException(
          file, name + " is " + value + ", expected " + expected + " (" + why + ")");
    }
  }

  private static String sampleFormatName(long v) {
    return switch ((int) v) {
      case 1 -> "unsigned integer";
      case 2 -> "signed integer";
      case 3 -> "IEEE float";
      default -> "undefined";
    };
  }

  private static String compressionName(long v) {
    return switch ((int) v) {
      case 2 -> "CCITT";
      case 5 -> "LZW";
      case 6, 7 -> "JPEG";
      case 8, 32946 -> "Deflate";
      case 32773 -> "PackBits";
      default -> "unknown scheme";
    };
  }

  private static String photometricName(long v) {
    return switch ((int) v) {
      case 0 -> "WhiteIsZero";
      case 2 -> "RGB";
      case 3 -> "palette colour";
      case 4 -> "transparency mask";
      case 5 -> "CMYK";
      case 6 -> "YCbCr";
      default -> "unknown";
    };
  }
}
