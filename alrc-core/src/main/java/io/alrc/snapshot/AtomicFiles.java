package io.alrc.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Writes result files atomically, with the permissions of any other file the user creates: the one
 * place where this project commits a file (config, summary, sweep list, report, checkpoint, images).
 *
 * <p>{@link #write(Path, byte[])} writes the bytes to a new temporary file {@code .NAME.RANDOM.tmp}
 * in the target's folder, forces it to disk, renames it over the target in one atomic step and
 * forces the folder, so a reader (or a run resumed after a crash or {@code kill -9}) sees the old
 * file or the new one, never a partial one. The temporary file is created like any file the user
 * creates ({@link StandardOpenOption#CREATE_NEW}, no explicit permissions), so the result gets
 * {@code 0666 & ~umask} (0644 under the usual umask 022), unlike {@link Files#createTempFile} whose
 * files are private (0600). An existing target is replaced, its permissions with it.
 *
 * <p>A process killed between creating and renaming the temporary file leaves it behind; {@link
 * #removeStale(Path)} deletes such leftovers (only names of this pattern) and is called when a run
 * or a sweep starts on a directory.
 *
 * <p>Stateless and thread-safe; two writers of one target do not corrupt it (the last rename wins).
 */
public final class AtomicFiles {
  /** The names of the temporary files: {@code .NAME.RANDOM.tmp}, RANDOM hexadecimal digits. */
  static final Pattern TEMPORARY = Pattern.compile("\\..+\\.[0-9a-f]{1,20}\\.tmp");

  private static final SecureRandom RANDOM = new SecureRandom();

  private AtomicFiles() {}

  /** Writes the content of a file to a stream, for {@link #write(Path, Content)}. */
  @FunctionalInterface
  public interface Content {
    /**
     * Writes the file's bytes.
     *
     * @param out the temporary file; closed by the caller
     * @throws IOException if writing fails
     */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code bytes} to {@code target} atomically (see the class comment); creates the folder
   * if missing.
   *
   * @param target the file to create or replace
   * @param bytes its new content
   * @throws IOException if the folder or the file cannot be written; the target is then unchanged
   *     and no temporary file is left
   */
  public static void write(Path target, byte[] bytes) throws IOException {
    Objects.requireNonNull(bytes, "bytes");
    write(target, out -> out.write(bytes));
  }

  /**
   * Writes what {@code content} produces to {@code target} atomically (see the class comment);
   * creates the folder if missing.
   *
   * @param target the file to create or replace
   * @param content writes the new content
   * @throws IOException if the folder or the file cannot be written, or {@code content} fails; the
   *     target is then unchanged and no temporary file is left
   */
  public static void write(Path target, Content content) throws IOException {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(content, "content");
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    Files.createDirectories(dir);
    if (Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(target.toString(), null, "is a directory, not a file");
    }
    Path tmp = null;
    try {
      FileChannel channel = null;
      for (int attempt = 0; channel == null; attempt++) {
        tmp = dir.resolve("." + absolute.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
        try {
          channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
          tmp = null;
          if (attempt >= 100) {
            throw e;
          }
        }
      }
      try (FileChannel ch = channel;
          OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
        content.writeTo(out);
        out.flush();
        ch.force(true);
      }
      try {
        Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      forceDirectory(dir);
    } finally {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * Deletes the temporary files {@link #write} left in {@code dir} when its process was killed
   * (names {@code .NAME.RANDOM.tmp}); nothing else is touched, and nothing below {@code dir}. Call
   * it only while no other process writes into {@code dir}.
   *
   * @param dir a folder; nothing happens if it does not exist
   * @return the files deleted
   * @throws IOException if the folder cannot be listed or a file cannot be deleted
   */
  public static List<Path> removeStale(Path dir) throws IOException {
    List<Path> removed = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return removed;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        if (isTemporary(p) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(p);
          removed.add(p);
        }
      }
    }
    return removed;
  }

  /** Whether {@code file}'s name is that of a temporary file of {@link #write}. */
  static boolean isTemporary(Path file) {
    Path name = file.getFileName();
    return name != null && TEMPORARY.matcher(name.toString()).matches();
  }

  /** Forces a folder's entries (the rename) to disk where the platform allows it. */
  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not every platform opens folders (Windows does not): the rename is then as durable as the
      // file system makes it.
    }
  }
}
