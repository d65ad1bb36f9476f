package io.alrc.snapshot;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The versioned binary envelope shared by every stabilizer's snapshot, and atomic file writes.
 *
 * <p>Layout (big-endian, {@link DataOutputStream} conventions): the magic {@code 0x414C5243}
 * ("ALRC"), a format version ({@code short}), the stabilizer kind (modified UTF-8 string), then the
 * kind's payload. Doubles are stored as their exact bits, so a restored state continues
 * bit-identically. Decoding checks the magic, the version and the kind and names what did not
 * match; a truncated payload is reported as such.
 *
 * <p>The version is the payload's: {@link #VERSION} for every kind whose payload never changed; a
 * kind whose payload grew writes the oldest version that holds its state and reads all of its
 * versions ({@link #encode(String, short, PayloadWriter)}, {@link #decode(byte[], String, short,
 * VersionedPayloadReader)}), so snapshots written before the change still restore.
 */
public final class SnapshotFormat {
  /** The magic number at the start of every snapshot: "ALRC" in ASCII. */
  public static final int MAGIC = 0x414C5243;

  /** The current format version. */
  public static final short VERSION = 1;

  private SnapshotFormat() {}

  /** Writes a payload behind the envelope; the callback writes the kind's fields. */
  public static byte[] encode(String kind, PayloadWriter payload) {
    return encode(kind, VERSION, payload);
  }

  /**
   * Writes a payload of the given format version behind the envelope.
   *
   * @param version the payload's format version, &gt;= 1
   */
  public static byte[] encode(String kind, short version, PayloadWriter payload) {
    if (version < 1) {
      throw new IllegalArgumentException("snapshot format version (" + version + ") must be >= 1");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeShort(version);
      out.writeUTF(kind);
      payload.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Checks the envelope and hands the payload to {@code payload}.
   *
   * @throws IllegalArgumentException if the bytes are not a snapshot, have an unknown version, hold
   *     another kind, are truncated, or carry trailing bytes
   */
  public static <T> T decode(byte[] bytes, String kind, PayloadReader<T> payload) {
    return decode(bytes, kind, VERSION, (in, version) -> payload.read(in));
  }

  /**
   * Checks the envelope and hands the payload and its version (1 to {@code maxVersion}) to {@code
   * payload}.
   *
   * @throws IllegalArgumentException if the bytes are not a snapshot, have a version outside 1 to
   *     {@code maxVersion}, hold another kind, are truncated, or carry trailing bytes
   */
  public static <T> T decode(
      byte[] bytes, String kind, short maxVersion, VersionedPayloadReader<T> payload) {
    if (bytes == null) {
      throw new IllegalArgumentException("snapshot bytes must not be null");
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int magic = in.readInt();
      if (magic != MAGIC) {
        throw new IllegalArgumentException(
            String.format("not an ALRC snapshot: magic 0x%08X, expected 0x%08X", magic, MAGIC));
      }
      short version = in.readShort();
      if (version < 1 || version > maxVersion) {
        throw new IllegalArgumentException(
            "unsupported snapshot format version " + version + ", this library reads "
                + (maxVersion == 1 ? "1" : "1 to " + maxVersion));
      }
      String found = in.readUTF();
      if (!found.equals(kind)) {
        throw new IllegalArgumentException(
            "snapshot holds a '" + found + "' state, expected '" + kind + "'");
      }
      T value = payload.read(in, version);
      if (in.available() > 0) {
        throw new IllegalArgumentException(
            "snapshot of '" + kind + "' has " + in.available() + " unexpected trailing bytes");
      }
      return value;
    } catch (EOFException e) {
      throw new IllegalArgumentException(
          "snapshot of '" + kind + "' is truncated (" + bytes.length + " bytes)", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads the kind named in a snapshot's envelope without decoding the payload.
   *
   * @throws IllegalArgumentException if the bytes are not a snapshot or are truncated
   */
  public static String kindOf(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not an ALRC snapshot: wrong magic number");
      }
      in.readShort();
      return in.readUTF();
    } catch (EOFException e) {
      throw new IllegalArgumentException("snapshot is truncated (" + bytes.length + " bytes)", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code bytes} to {@code target} atomically, with ordinary file permissions: {@link
   * AtomicFiles#write(Path, byte[])}.
   */
  public static void writeAtomically(Path target, byte[] bytes) throws IOException {
    AtomicFiles.write(target, bytes);
  }


  /** Writes one kind's fields. */
  @FunctionalInterface
  public interface PayloadWriter {
    /** Writes the fields to {@code out}. */
    void write(DataOutputStream out) throws IOException;
  }

  /** Reads one kind's fields of a given format version. */
  @FunctionalInterface
  public interface VersionedPayloadReader<T> {
    /** Reads the fields of format {@code version} from {@code in}. */
    T read(DataInputStream in, short version) throws IOException;
  }

  /** Reads one kind's fields. */
  @FunctionalInterface
  public interface PayloadReader<T> {
    /** Reads the fields from {@code in}. */
    T read(DataInputStream in) throws IOException;
  }
}
