package io.alrc.tensorboard;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard event files. Each record is
 *
 * <pre>
 * uint64 length                       little-endian
 * uint32 masked_crc32c(length bytes)  little-endian
 * byte   data[length]
 * uint32 masked_crc32c(data)          little-endian
 *
 * masked_crc32c(x) = ((c &gt;&gt;&gt; 15) | (c &lt;&lt; 17)) + 0xa282ead8,  c = CRC-32C (Castagnoli) of x
 * </pre>
 *
 * as TensorFlow's {@code tensorflow/core/lib/io/record_writer.cc} writes it and TensorBoard's
 * {@code tensorboard/data/server/masked_crc.rs} and {@code tensorboard/compat/tensorflow_stub}
 * read it. The CRC is {@link CRC32C} of the JDK.
 */
final class TfRecord {
  /** Added to the rotated CRC. */
  static final int MASK_DELTA = 0xa282ead8;

  /** Bytes of framing around each record's data: length, its CRC, the data's CRC. */
  static final int OVERHEAD = 8 + 4 + 4;

  private TfRecord() {}

  /** The masked CRC-32C of {@code bytes[offset, offset + length)}. */
  static int maskedCrc32c(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return mask((int) crc.getValue());
  }

  /** TensorFlow's mask: rotate right by 15 bits, add {@link #MASK_DELTA} (mod 2^32). */
  static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
  }

  /** Writes {@code data} as one record. */
  static void write(OutputStream out, byte[] data) throws IOException {
    byte[] header = new byte[12];
    putLongLe(header, 0, data.length);
    putIntLe(header, 8, maskedCrc32c(header, 0, 8));
    byte[] footer = new byte[4];
    putIntLe(footer, 0, maskedCrc32c(data, 0, data.length));
    out.write(header);
    out.write(data);
    out.write(footer);
  }

  private static void putLongLe(byte[] b, int at, long v) {
    for (int i = 0; i < 8; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  private static void putIntLe(byte[] b, int at, int v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }
}
