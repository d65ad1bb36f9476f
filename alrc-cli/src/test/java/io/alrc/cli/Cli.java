package io.alrc.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** Runs {@code alrc} in-process through {@link AlrcCommand#commandLine}, the real wiring. */
final class Cli {
  private Cli() {}

  /** The outcome of one run: exit code, standard output, standard error (line ends {@code \n}). */
  record Result(int exitCode, String out, String err) {
    /** The lines of standard output. */
    List<String> outLines() {
      return lines(out);
    }

    /** The lines of standard error. */
    List<String> errLines() {
      return lines(err);
    }

    private static List<String> lines(String text) {
      if (text.isEmpty()) {
        return List.of();
      }
      String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
      return List.of(body.split("\n", -1));
    }
  }

  /** Runs {@code alrc args...}. */
  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = AlrcCommand.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new Result(code, normalise(out.toString()), normalise(err.toString()));
  }

  static String normalise(String text) {
    return text.replace("\r\n", "\n");
  }
}
