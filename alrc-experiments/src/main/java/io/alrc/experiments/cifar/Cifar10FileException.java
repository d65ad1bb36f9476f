package io.alrc.experiments.cifar;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A CIFAR-10 binary file is missing, truncated or corrupt. The message reads {@code "CIFAR-10 file
 * <path>: <problem>"}.
 */
public class Cifar10FileException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  /**
   * Creates the exception.
   *
   * @param file the offending file
   * @param problem what is wrong with it, e.g. {@code "no such file"}
   */
  public Cifar10FileException(Path file, String problem) {
    super("CIFAR-10 file " + file + ": " + problem);
    this.file = file;
  }

  /**
   * The offending file.
   *
   * @return its path
   */
  public Path file() {
    return file;
  }
}
