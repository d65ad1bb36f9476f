package io.alrc.tensorboard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A decoder of TensorBoard event files written for the tests, independent of the code under test:
 * its own TFRecord reader (checks the masked CRC-32C of every length and every data block, with
 * its own mask) and its own protocol buffer wire-format parser for the few fields of {@code
 * Event}, {@code Summary}, {@code SessionLog} and {@code SourceMetadata} (field numbers from
 * TensorBoard's {@code event.proto} and {@code summary.proto}). It shares nothing with the main
 * code but the JDK's {@link CRC32C}, whose values the tests check against published vectors.
 */
public final class IndependentEventDecoder {
  private IndependentEventDecoder() {}

  /** A decoded Event; unset fields are null. */
  public record DecodedEvent(
      double wallTime,
      long step,
      String fileVersion,
      String sourceWriter,
      Integer sessionStatus,
      Map<String, Float> values) {}

  /** TensorFlow's masked CRC, computed here from its definition. */
  static int maskedCrc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    long crc = c.getValue();
    long rotated = ((crc >>> 15) | (crc << 17)) & 0xffffffffL;
    return (int) ((rotated + 0xa282ead8L) & 0xffffffffL);
  }

  public static List<DecodedEvent> decode(Path file) throws IOException {
    return decode(Files.readAllBytes(file));
  }

  /**
   * @throws IOException if a record is cut short or a CRC does not match
   */
  public static List<DecodedEvent> decode(byte[] f) throws IOException {
    List<DecodedEvent> out = new ArrayList<>();
    int at = 0;
    while (at < f.length) {
      if (f.length - at < 12) {
        throw new IOException("truncated header at " + at);
      }
      long length = readLe(f, at, 8);
      if ((int) readLe(f, at + 8, 4) != maskedCrc(f, at, 8)) {
        throw new IOException("length CRC mismatch at " + at);
      }
      if (length < 0 || length > f.length - at - 16) {
        throw new IOException("truncated data at " + at + ": length " + length);
      }
      int data = at + 12;
      int n = (int) length;
      if ((int) readLe(f, data + n, 4) != maskedCrc(f, data, n)) {
        throw new IOException("data CRC mismatch at " + at);
      }
      out.add(event(f, data, data + n));
      at = data + n + 4;
    }
    return out;
  }

  private static long readLe(byte[] b, int at, int bytes) {
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v |= (b[at + i] & 0xffL) << (8 * i);
    }
    return v;
  }

  /** A cursor over protobuf wire format. */
  private static final class Wire {
    final byte[] b;
    int at;
    final int end;

    Wire(byte[] b, int at, int end) {
      this.b = b;
      this.at = at;
      this.end = end;
    }

    boolean more() {
      return at < end;
    }

    long varint() throws IOException {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (at >= end) {
          throw new IOException("varint cut short");
        }
        int x = b[at++] & 0xff;
        v |= (long) (x & 0x7f) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new IOException("varint too long");
    }

    int[] lengthDelimited() throws IOException {
      int n = (int) varint();
      int start = at;
      at += n;
      if (n < 0 || at > end) {
        throw new IOException("field cut short");
      }
      return new int[] {start, at};
    }

    void skip(int wireType) throws IOException {
      switch (wireType) {
        case 0 -> varint();
        case 1 -> at += 8;
        case 2 -> lengthDelimited();
        case 5 -> at += 4;
        default -> throw new IOException("unknown wire type " + wireType);
      }
    }
  }

  private static DecodedEvent event(byte[] b, int from, int to) throws IOException {
    Wire w = new Wire(b, from, to);
    double wallTime = 0;
    long step = 0;
    String fileVersion = null;
    String writer = null;
    Integer status = null;
    Map<String, Float> values = null;
    while (w.more()) {
      long key = w.varint();
      int field = (int) (key >>> 3);
      int type = (int) (key & 7);
      if (field == 1 && type == 1) {
        wallTime = Double.longBitsToDouble(readLe(b, w.at, 8));
        w.at += 8;
      } else if (field == 2 && type == 0) {
        step = w.varint();
      } else if (field == 3 && type == 2) {
        fileVersion = string(b, w.lengthDelimited());
      } else if (field == 5 && type == 2) {
        values = summary(b, w.lengthDelimited());
      } else if (field == 7 && type == 2) {
        status = sessionStatus(b, w.lengthDelimited());
      } else if (field == 10 && type == 2) {
        writer = sourceWriter(b, w.lengthDelimited());
      } else {
        w.skip(type);
      }
    }
    return new DecodedEvent(wallTime, step, fileVersion, writer, status, values);
  }

  private static Map<String, Float> summary(byte[] b, int[] range) throws IOException {
    Map<String, Float> values = new LinkedHashMap<>();
    Wire w = new Wire(b, range[0], range[1]);
    while (w.more()) {
      long key = w.varint();
      if (key >>> 3 == 1 && (key & 7) == 2) {
        int[] v = w.lengthDelimited();
        Wire vw = new Wire(b, v[0], v[1]);
        String tag = null;
        Float value = null;
        while (vw.more()) {
          long k = vw.varint();
          if (k >>> 3 == 1 && (k & 7) == 2) {
            tag = string(b, vw.lengthDelimited());
          } else if (k >>> 3 == 2 && (k & 7) == 5) {
            value = Float.intBitsToFloat((int) readLe(b, vw.at, 4));
            vw.at += 4;
          } else {
            vw.skip((int) (k & 7));
          }
        }
        values.put(tag, value);
      } else {
        w.skip((int) (key & 7));
      }
    }
    return values;
  }

  private static Integer sessionStatus(byte[] b, int[] range) throws IOException {
    Wire w = new Wire(b, range[0], range[1]);
    int status = 0;
    while (w.more()) {
      long key = w.varint();
      if (key >>> 3 == 1 && (key & 7) == 0) {
        status = (int) w.varint();
      } else {
        w.skip((int) (key & 7));
      }
    }
    return status;
  }

  private static String sourceWriter(byte[] b, int[] range) throws IOException {
    Wire w = new Wire(b, range[0], range[1]);
    String writer = "";
    while (w.more()) {
      long key = w.varint();
      if (key >>> 3 == 1 && (key & 7) == 2) {
        writer = string(b, w.lengthDelimited());
      } else {
        w.skip((int) (key & 7));
      }
    }
    return writer;
  }

  private static String string(byte[] b, int[] range) {
    return new String(b, range[0], range[1] - range[0], StandardCharsets.UTF_8);
  }
}
