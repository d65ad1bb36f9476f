package io.alrc.spark;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Another JVM for {@link RunDirectoryLockTest}: {@code hold FILE} locks the file, prints {@code
 * locked} and holds the lock until its standard input closes; {@code try FILE} prints {@code
 * locked} if it could lock the file at once, else {@code busy}.
 */
public final class LockProbe {
  private LockProbe() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel channel = FileChannel.open(Path.of(args[1]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      if (args[0].equals("try")) {
        try (FileLock lock = channel.tryLock()) {
          System.out.println(lock != null ? "locked" : "busy");
        }
        return;
      }
      try (FileLock lock = channel.lock()) {
        System.out.println("locked");
        System.out.flush();
        while (System.in.read() >= 0) {
          // hold the lock
        }
      }
    }
  }
}
