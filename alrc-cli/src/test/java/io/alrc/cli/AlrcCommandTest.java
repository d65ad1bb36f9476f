package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class AlrcCommandTest {

  @Test
  void helpListsTheCommandsOnStdoutAndExits0() {
    Cli.Result r = Cli.run("--help");
    assertThat(r.exitCode()).as("--help succeeds").isZero();
    assertThat(r.out())
        .contains("Usage: alrc [-hV] COMMAND")
        .contains("Commands:")
        .contains("replay        Show what ALRC would have done to a loss log")
        .contains("demo ")
        .contains("train ")
        .contains("Run 'alrc COMMAND --help'");
    assertThat(r.err()).as("nothing on stderr").isEmpty();
  }

  @Test
  void versionIsDevOutsideTheJar() {
    Cli.Result r = Cli.run("--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .as("classes from target/classes have no manifest version")
        .isEqualTo("alrc dev\n");
  }

  @Test
  void withoutACommandPrintsUsageOnStderrAndExits2() {
    Cli.Result r = Cli.run();
    assertThat(r.exitCode()).as("a missing command is invalid input").isEqualTo(2);
    assertThat(r.out()).as("nothing on stdout").isEmpty();
    assertThat(r.err()).startsWith("alrc: a command is required\n").contains("Usage: alrc");
  }

  @Test
  void anUnknownCommandExits2WithASuggestionAndAHint() {
    Cli.Result r = Cli.run("replya");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(3);
    assertThat(r.errLines().get(0)).isEqualTo("alrc: Unmatched argument at index 0: 'replya'");
    assertThat(r.errLines().get(1)).as("a suggestion").startsWith("Did you mean: alrc replay");
    assertThat(r.errLines().get(2)).isEqualTo("Try 'alrc --help' for more information.");
  }

  @Test
  void anUnknownOptionExits2WithAHint() {
    Cli.Result r = Cli.run("--frobnicate");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).last().isEqualTo("Try 'alrc --help' for more information.");
  }

  @Test
  void helpCommandShowsASubcommandsHelp() {
    Cli.Result r = Cli.run("help", "replay");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("Usage: alrc replay");
  }

  @Test
  void anExceptionOtherThanCliExceptionExits1WithItsMessageAndNoStackTrace() {
    StringWriter err = new StringWriter();
    CommandLine wired =
        AlrcCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err));
    CommandLine failing = new CommandLine(new Failing());
    failing.setErr(new PrintWriter(err));
    failing.setExecutionExceptionHandler(wired.getExecutionExceptionHandler());

    assertThat(failing.execute()).as("a failure of the program is exit code 1").isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "failing: internal error: java.lang.IllegalStateException: boom\n"
                + "(set ALRC_DEBUG=1 for the stack trace)\n");
  }

  @Test
  void aCliExceptionExitsWithItsCodeAndOneLine() {
    StringWriter err = new StringWriter();
    CommandLine wired =
        AlrcCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err));
    CommandLine failing = new CommandLine(new Failing(CliException.invalidInput("bad\ninput")));
    failing.setErr(new PrintWriter(err));
    failing.setExecutionExceptionHandler(wired.getExecutionExceptionHandler());

    assertThat(failing.execute()).isEqualTo(2);
    assertThat(err.toString())
        .as("the message is kept on one line")
        .isEqualTo("failing: bad input\n");
  }

  @Test
  void anInternalErrorNamesItsCauses() {
    StringWriter err = new StringWriter();
    CommandLine wired =
        AlrcCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err));
    RuntimeException failure = new IllegalStateException("outer",
        new java.io.UncheckedIOException("middle", new java.io.IOException("No space left on device")));
    CommandLine failing = new CommandLine(new Failing(failure));
    failing.setErr(new PrintWriter(err));
    failing.setExecutionExceptionHandler(wired.getExecutionExceptionHandler());

    assertThat(failing.execute()).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "failing: internal error: java.lang.IllegalStateException: outer; caused by"
                + " java.io.UncheckedIOException: middle; caused by java.io.IOException: No space"
                + " left on device\n(set ALRC_DEBUG=1 for the stack trace)\n");
  }

  @Test
  void aCliExceptionWithExitCode1GetsNoStackTraceHint() {
    StringWriter err = new StringWriter();
    CommandLine wired =
        AlrcCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err));
    CommandLine failing = new CommandLine(new Failing(new CliException(1, "disk full", null)));
    failing.setErr(new PrintWriter(err));
    failing.setExecutionExceptionHandler(wired.getExecutionExceptionHandler());

    assertThat(failing.execute()).isEqualTo(1);
    assertThat(err.toString()).isEqualTo("failing: disk full\n");
  }

  @Test
  void controlCharactersInMessagesAreEscaped() {
    Cli.Result r = Cli.run("replay", "--n\u001B[2J");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).doesNotContain("\u001B").contains("--n\\u001B[2J");
    assertThat(AlrcCommand.oneLine("a\u0000b\tc\nd\uFEFF\u202Ee"))
        .isEqualTo("a\\u0000b\\tc d\\uFEFF\\u202Ee");
    assertThat(AlrcCommand.oneLine("Größe \uD83D\uDE00")).as("letters and emoji stay").isEqualTo("Größe \uD83D\uDE00");
  }

  @Command(name = "failing")
  static final class Failing implements Callable<Integer> {
    private final RuntimeException failure;

    Failing() {
      this(new IllegalStateException("boom"));
    }

    Failing(RuntimeException failure) {
      this.failure = failure;
    }

    @Override
    public Integer call() {
      throw failure;
    }
  }
}
