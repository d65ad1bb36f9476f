package io.alrc.experiments.sweep;

/**
 * A sweep spec that cannot be run: a syntax error, an unknown key or option, a bad value, or runs
 * that clash. The message starts with the spec file and names the key, e.g. {@code
 * sweeps/grid.yaml: grid.batch[1]: Invalid value for option '--batch': 'x' is not an int}.
 */
public final class SpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** @param message the spec file, the key and what is wrong */
  public SpecException(String message) {
    super(message);
  }

  /** @param message the spec file, the key and what is wrong; @param cause the parser's error */
  public SpecException(String message, Throwable cause) {
    super(message, cause);
  }
}
