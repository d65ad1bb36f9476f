package io.alrc.experiments.cifar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Builds small CIFAR-10 binary files for tests. */
final class Cifar10TestFiles {
  private Cifar10TestFiles() {}

  /** Records with the given labels and seeded random pixels. */
  static byte[] records(long seed, int... labels) {
    byte[] out = new byte[labels.length * Cifar10.RECORD_BYTES];
    SplittableRandom rng = new SplittableRandom(seed);
    for (int r = 0; r < labels.length; r++) {
      int off = r * Cifar10.RECORD_BYTES;
      out[off] = (byte) labels[r];
      for (int j = 1; j < Cifar10.RECORD_BYTES; j++) {
        out[off + j] = (byte) rng.nextInt(256);
      }
    }
    return out;
  }

  /** Writes {@link #records} to {@code file} and returns it. */
  static Path write(Path file, long seed, int... labels) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    return Files.write(file, records(seed, labels));
  }

  /** The pixel bytes of record {@code r} of {@link #records}. */
  static byte[] pixels(byte[] records, int r) {
    byte[] out = new byte[Cifar10.IMAGE_BYTES];
    System.arraycopy(records, r * Cifar10.RECORD_BYTES + 1, out, 0, Cifar10.IMAGE_BYTES);
    return out;
  }

  /**
   * The shared data folder {@code shared/data/cifar-10-batches-bin}, or null if absent. Looked for
   * under the system property {@code alrc.shared.dir} (set by the build to {@code <repo
   * root>/../shared}), then in a {@code shared} folder beside any ancestor of the project
   * directory, so that a checkout in a nested worktree finds it too.
   */
  static Path sharedFolder() {
    List<Path> candidates = new ArrayList<>();
    String shared = System.getProperty("alrc.shared.dir");
    if (shared != null) {
      candidates.add(Path.of(shared));
    }
    String project = System.getProperty("alrc.project.dir", System.getProperty("user.dir"));
    for (Path p = Path.of(project).toAbsolutePath().normalize(); p != null; p = p.getParent()) {
      candidates.add(p.resolve("shared"));
    }
    for (Path c : candidates) {
      Path folder = c.resolve("data").resolve(Cifar10.FOLDER);
      if (Files.isRegularFile(folder.resolve("data_batch_1.bin"))) {
        return folder.normalize();
      }
    }
    return null;
  }
}
