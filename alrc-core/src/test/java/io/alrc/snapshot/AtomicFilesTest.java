package io.alrc.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic writes: all or nothing, ordinary permissions, no temporary file left behind. */
class AtomicFilesTest {
  @TempDir Path dir;

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesAndReplacesLeavingNoTemporaryFile() throws IOException {
    Path f = dir.resolve("summary.json");
    AtomicFiles.write(f, new byte[] {1, 2});
    AtomicFiles.write(f, new byte[] {3});
    assertThat(f).hasBinaryContent(new byte[] {3});
    assertThat(names()).containsExactly("summary.json");
  }

  /**
   * The trial: config.json, summary.json, sweep.json, report.md and checkpoints were 0600 under
   * umask 022 (Files.createTempFile). They must get what any new file of the user gets.
   */
  @Test
  void filesGetOrdinaryPermissionsNotPrivateOnes() throws IOException {
    Assumptions.assumeTrue(posix(), "POSIX permissions");
    Path plain = Files.createFile(dir.resolve("plain.txt")); // 0666 & ~umask
    Set<PosixFilePermission> ordinary = Files.getPosixFilePermissions(plain);
    Path atomic = dir.resolve("config.json");
    AtomicFiles.write(atomic, "{}".getBytes());
    assertThat(Files.getPosixFilePermissions(atomic)).isEqualTo(ordinary);
    SnapshotFormat.writeAtomically(dir.resolve("state.bin"), new byte[] {1, 2});
    assertThat(Files.getPosixFilePermissions(dir.resolve("state.bin"))).isEqualTo(ordinary);
    if (ordinary.equals(PosixFilePermissions.fromString("rw-r--r--"))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(atomic))).isEqualTo("rw-r--r--");
    }
  }

  @Test
  void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
    Path f = dir.resolve("state.bin");
    AtomicFiles.write(f, new byte[] {7});
    assertThatThrownBy(() -> AtomicFiles.write(f, out -> {
      out.write(new byte[] {1, 2, 3});
      throw new IOException("No space left on device");
    })).hasMessage("No space left on device");
    assertThat(f).hasBinaryContent(new byte[] {7});
    assertThat(names()).containsExactly("state.bin");
  }

  @Test
  void aDirectoryIsNotReplaced() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("report.md"));
    assertThatThrownBy(() -> AtomicFiles.write(sub, new byte[1]))
        .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    assertThat(sub).isDirectory();
  }

  @Test
  void staleTemporaryFilesOfThisPatternAreRemovedAndNothingElse() throws IOException {
    Files.writeString(dir.resolve(".state.bin.1234567890123456789.tmp"), "old createTempFile name");
    Files.writeString(dir.resolve(".config.json.3fa9c2e1.tmp"), "this class's name");
    Files.writeString(dir.resolve("notes.tmp"), "a user's file");
    Files.writeString(dir.resolve(".hidden.tmp"), "no random part");
    Files.writeString(dir.resolve(".x.ZZZ.tmp"), "not hexadecimal");
    Files.createDirectory(dir.resolve(".dir.123.tmp"));
    Files.writeString(dir.resolve("config.json"), "{}");
    assertThat(AtomicFiles.removeStale(dir)).hasSize(2);
    assertThat(names()).containsExactly(".dir.123.tmp", ".hidden.tmp", ".x.ZZZ.tmp", "config.json", "notes.tmp");
    assertThat(AtomicFiles.removeStale(dir.resolve("missing"))).isEmpty();
  }

  /** Where a test needs a full disk: a small tmpfs when running as root, else skipped. */
  @Test
  void aFullDiskFailsTheWriteAndKeepsTheOldFile() throws Exception {
    Path mount = Files.createDirectory(dir.resolve("tmpfs"));
    boolean mounted = false;
    try {
      Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.toString())
          .redirectErrorStream(true).start();
      mounted = p.waitFor() == 0;
    } catch (IOException e) {
      mounted = false;
    }
    Assumptions.assumeTrue(mounted, "a 64 KiB tmpfs (needs root)");
    try {
      Path f = mount.resolve("summary.json");
      AtomicFiles.write(f, new byte[] {1});
      assertThatThrownBy(() -> AtomicFiles.write(f, new byte[1 << 20]))
          .isInstanceOf(IOException.class);
      assertThat(f).hasBinaryContent(new byte[] {1});
      try (Stream<Path> s = Files.list(mount)) {
        assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("summary.json");
      }
    } finally {
      new ProcessBuilder("umount", mount.toString()).start().waitFor();
    }
  }
}
