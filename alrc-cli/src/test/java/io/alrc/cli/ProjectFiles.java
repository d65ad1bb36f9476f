package io.alrc.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files of the repository from the tests, whichever directory Maven runs them in. */
final class ProjectFiles {
  private ProjectFiles() {}

  /**
   * The file at {@code relative} under the repository root: the directory in the system property
   * {@code alrc.project.dir} (set by the build) or the working directory, or one of their parents.
   */
  static Path find(String relative) {
    for (String start : new String[] {System.getProperty("alrc.project.dir"), "."}) {
      if (start == null) {
        continue;
      }
      for (Path dir = Path.of(start).toAbsolutePath(); dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve(relative);
        if (Files.isRegularFile(candidate)) {
          return candidate;
        }
      }
    }
    throw new IllegalStateException(
        relative + " not found above alrc.project.dir or the working directory");
  }
}
