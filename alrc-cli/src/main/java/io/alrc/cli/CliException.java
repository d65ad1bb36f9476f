package io.alrc.cli;

import picocli.CommandLine.ExitCode;

/**
 * An error the user can fix: bad input data, a missing file, an invalid setting. The command line
 * prints its message on one line, without a stack trace, and exits with {@link #exitCode()}.
 *
 * <p>Anything else a command throws is a failure of the program itself and exits with {@link
 * ExitCode#SOFTWARE} (1).
 */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  /**
   * @param exitCode the process exit code, e.g. {@link ExitCode#USAGE} (2) for invalid input
   * @param message one line naming the input and what is wrong with it
   * @param cause the underlying exception, or null
   */
  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** Invalid input (data, file or setting): exit code {@link ExitCode#USAGE} (2). */
  public static CliException invalidInput(String message) {
    return new CliException(ExitCode.USAGE, message, null);
  }

  /** Invalid input caused by {@code cause}: exit code {@link ExitCode#USAGE} (2). */
  public static CliException invalidInput(String message, Throwable cause) {
    return new CliException(ExitCode.USAGE, message, cause);
  }

  /** The process exit code. */
  public int exitCode() {
    return exitCode;
  }
}
