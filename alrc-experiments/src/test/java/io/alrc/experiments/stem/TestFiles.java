package io.alrc.experiments.stem;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Hand-built TIFF and PNG files for reader tests: any tag or chunk, valid or not. */
final class TestFiles {
  private TestFiles() {}

  /** A TIFF entry: tag, type (3 SHORT, 4 LONG), values. */
  record Entry(int tag, int type, long... values) {}

  /**
   * A classic TIFF: header, one IFD at offset 8 (entries sorted by tag), out-of-line values after
   * it, then {@code data}. A value equal to {@link #DATA_OFFSET} is replaced by the data's offset.
   */
  static byte[] tiff(ByteOrder order, List<Entry> entries, byte[] data) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingInt(Entry::tag));
    int ifdEnd = 8 + 2 + 12 * sorted.size() + 4;
    int extra = 0;
    for (Entry e : sorted) {
      int bytes = e.values().length * (e.type() == 3 ? 2 : 4);
      if (bytes > 4) {
        extra += bytes;
      }
    }
    int dataOffset = ifdEnd + extra;
    ByteBuffer buf = ByteBuffer.allocate(dataOffset + data.length).order(order);
    buf.put((byte) (order == ByteOrder.LITTLE_ENDIAN ? 'I' : 'M'));
    buf.put((byte) (order == ByteOrder.LITTLE_ENDIAN ? 'I' : 'M'));
    buf.putShort((short) 42).putInt(8).putShort((short) sorted.size());
    int outOfLine = ifdEnd;
    for (Entry e : sorted) {
      buf.putShort((short) e.tag()).putShort((short) e.type()).putInt(e.values().length);
      int size = e.type() == 3 ? 2 : 4;
      int bytes = e.values().length * size;
      int at = bytes > 4 ? outOfLine : buf.position();
      if (bytes > 4) {
        buf.putInt(outOfLine);
        outOfLine += bytes;
      } else {
        buf.putInt(0);
      }
      for (int i = 0; i < e.values().length; i++) {
        long v = e.values()[i] == DATA_OFFSET ? dataOffset : e.values()[i];
        if (size == 2) {
          buf.putShort(at + 2 * i, (short) v);
        } else {
          buf.putInt(at + 4 * i, (int) v);
        }
      }
    }
    buf.putInt(0);
    buf.position(dataOffset);
    buf.put(data);
    return buf.array();
  }

  /** Marks a value to be replaced by the offset of the pixel data. */
  static final long DATA_OFFSET = -1;

  /** The entries of a valid float32 TIFF of one strip; callers replace some to break it. */
  static List<Entry> float32Entries(int width, int height) {
    List<Entry> e = new ArrayList<>();
    e.add(new Entry(256, 4, width));
    e.add(new Entry(257, 4, height));
    e.add(new Entry(258, 3, 32));
    e.add(new Entry(259, 3, 1));
    e.add(new Entry(262, 3, 1));
    e.add(new Entry(273, 4, DATA_OFFSET));
    e.add(new Entry(277, 3, 1));
    e.add(new Entry(278, 4, height));
    e.add(new Entry(279, 4, 4L * width * height));
    e.add(new Entry(339, 3, 3));
    return e;
  }

  /** Replaces (or adds) the entry with {@code entry}'s tag. */
  static List<Entry> with(List<Entry> entries, Entry entry) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.tag() != entry.tag()) {
        out.add(e);
      }
    }
    out.add(entry);
    return out;
  }

  /** Removes the entry with {@code tag}. */
  static List<Entry> without(List<Entry> entries, int tag) {
    List<Entry> out = new ArrayList<>(entries);
    out.removeIf(e -> e.tag() == tag);
    return out;
  }

  /** {@code floats} as bytes in the given order. */
  static byte[] floats(ByteOrder order, float... floats) {
    ByteBuffer buf = ByteBuffer.allocate(4 * floats.length).order(order);
    for (float f : floats) {
      buf.putFloat(f);
    }
    return buf.array();
  }

  /**
   * A PNG with the given IHDR fields and raw scanlines (filter byte 0 each), compressed with
   * Deflate, with correct CRCs.
   */
  static byte[] png(int width, int height, int bitDepth, int colourType, byte[] scanlines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    ByteBuffer ihdr = ByteBuffer.allocate(13);
    ihdr.putInt(width).putInt(height).put((byte) bitDepth).put((byte) colourType);
    ihdr.put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    Deflater deflater = new Deflater();
    deflater.setInput(scanlines);
    deflater.finish();
    byte[] buf = new byte[scanlines.length + 1024];
    int n = deflater.deflate(buf);
    deflater.end();
    chunk(out, "IDAT", java.util.Arrays.copyOf(buf, n));
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

  /** The byte offset of the first chunk of {@code type} in a PNG. */
  static int chunkOffset(byte[] png, String type) {
    int at = 8;
    ByteBuffer buf = ByteBuffer.wrap(png);
    while (at + 8 <= png.length) {
      String t = new String(png, at + 4, 4, StandardCharsets.ISO_8859_1);
      if (t.equals(type)) {
        return at;
      }
      at += 12 + buf.getInt(at);
    }
    throw new IllegalArgumentException("no " + type + " chunk");
  }
}
