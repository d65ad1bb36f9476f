package io.alrc.experiments.cifar;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The CIFAR-10 files needed were not found. The message lists where they were looked for, how the
 * data directory is chosen, and the command that downloads them.
 */
public class Cifar10DataNotFoundException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient List<Path> searched;

  /**
   * Creates the exception.
   *
   * @param message the full message
   * @param searched the directories that were looked in, in order
   */
  public Cifar10DataNotFoundException(String message, List<Path> searched) {
    super(message);
    this.searched = List.copyOf(searched);
  }

  /**
   * The directories that were looked in, in order.
   *
   * @return an unmodifiable list
   */
  public List<Path> searched() {
    return searched;
  }
}
