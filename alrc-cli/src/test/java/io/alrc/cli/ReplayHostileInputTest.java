package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.AlrcConfig;
import java.io.IOException;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alrc replay} on input that is not a tidy loss log, and on output that cannot be written:
 * every case ends with exit 0 or a named error on one line, never a stack trace or an out-of-memory
 * error.
 */
class ReplayHostileInputTest {
  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  @Test
  void aLeadingByteOrderMarkIsSkipped() throws IOException {
    Cli.Result plain = Cli.run("replay", write("plain.txt", "10\n100\n").toString());
    Cli.Result bom = Cli.run("replay", write("bom.txt", "\uFEFF10\n100\n").toString());
    assertThat(bom.exitCode()).isZero();
    assertThat(bom.err()).isEmpty();
    assertThat(bom.out()).isEqualTo(plain.out());
  }

  @Test
  void aByteOrderMarkInsideTheLogIsNamedAndEscaped() throws IOException {
    Path log = write("two.txt", "10\n\uFEFF100\n");
    Cli.Result r = Cli.run("replay", log.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines())
        .containsExactly(
            "alrc replay: " + log + " line 2: '\\uFEFF100' is not a loss: expected a number >= 0,"
                + " nan, inf or -inf (it holds a byte order mark, U+FEFF: only one at the start of"
                + " the log is skipped)");
  }

  @Test
  void controlCharactersInATokenAreEscapedNotEchoed() throws IOException {
    Path log = write("ctl.txt", "1\n2\u0000\u001B[31m\n");
    Cli.Result r = Cli.run("replay", log.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).doesNotContain("\u0000", "\u001B");
    assertThat(r.errLines())
        .containsExactly(
            "alrc replay: " + log + " line 2: '2\\u0000\\u001B[31m' is not a loss: expected a"
                + " number >= 0, nan, inf or -inf");
  }

  @Test
  void aControlCharacterInTheFileNameIsEscaped() {
    Cli.Result r = Cli.run("replay", dir.resolve("a\u001Bb.txt").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).doesNotContain("\u001B").contains("a\\u001Bb.txt");
  }

  @Test
  void theDivergenceMessageCountsExamplesFromOneAsTheCsvDoes() throws IOException {
    Cli.Result r = Cli.run(
        "replay", "--non-finite-limit", "1", write("nan.txt", "1 2\n3 nan 4\n").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).singleElement().asString()
        .contains("line 2: step 2: loss of example 2 (counted from 1, as in the CSV) is NaN")
        .contains("(limit 1)")
        .endsWith("(option --non-finite-limit)");
    assertThat(ReplayCommandTest.rows(r))
        .as("the CSV's example column counts the same way")
        .extracting(ReplayCommandTest.Row::example)
        .containsExactly(1, 2);
  }

  @Test
  void inputWithoutLineEndsIsRejectedAtTheStatedMaximum() {
    Assumptions.assumeTrue(Files.isReadable(Path.of("/dev/zero")), "/dev/zero");
    Cli.Result r = Cli.run("replay", "/dev/zero");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines())
        .containsExactly(
            "alrc replay: /dev/zero line 1: longer than 10,000,000 characters, the most a line"
                + " may hold (is it a text file with line ends?)");
    assertThat(String.format(Locale.ROOT, "%,d", LossLogReplay.MAX_LINE_CHARS))
        .isEqualTo("10,000,000");
    assertThat(Cli.run("replay", "--help").out().replaceAll("\\s+", " "))
        .as("the help states the maximum")
        .contains("at most 10,000,000 characters");
  }

  @Test
  void aLineAtTheMaximumIsAcceptedAndOneAboveItIsNot() throws IOException {
    int max = LossLogReplay.MAX_LINE_CHARS;
    String atMax = "1" + " ".repeat(max - 1);
    LossLogReplay replay = new LossLogReplay(AlrcConfig.reference());
    java.io.StringWriter sink = new java.io.StringWriter();
    assertThat(replay.run(new StringReader(atMax + "\n2\r\n3\r4"), "log", new java.io.PrintWriter(sink)))
        .as("\\n, \\r\\n and \\r end lines, as in BufferedReader")
        .isEqualTo(4);
    assertThatThrownBy(
            () -> replay.run(new StringReader("1\n" + atMax + " 2\n"), "log",
                new java.io.PrintWriter(new java.io.StringWriter())))
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith("log line 2: longer than 10,000,000 characters");
  }

  @Test
  void aWriteErrorIsExit1WithTheCauseNotASilentCut() {
    Writer full = new Writer() {
      @Override
      public void write(char[] cbuf, int off, int len) throws IOException {
        throw new IOException("No space left on device");
      }

      @Override
      public void flush() throws IOException {
        throw new IOException("No space left on device");
      }

      @Override
      public void close() {}
    };
    LossLogReplay replay = new LossLogReplay(AlrcConfig.reference());
    assertThatThrownBy(() -> replay.run(new StringReader("1\n2\n"), "log", CheckedOutput.of(full)))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode()).isEqualTo(1))
        .hasMessage("cannot write the CSV to standard output: No space left on device (the output"
            + " is incomplete)");
  }

  @Test
  void aBrokenPipeEndsTheReplayQuietly() throws IOException {
    Writer gone = new Writer() {
      @Override
      public void write(char[] cbuf, int off, int len) throws IOException {
        throw new IOException("Broken pipe");
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    LossLogReplay replay = new LossLogReplay(AlrcConfig.reference());
    assertThat(replay.run(new StringReader("1\n2\n"), "log", CheckedOutput.of(gone))).isEqualTo(2);
  }

  /** {@code alrc replay LOG > /dev/full}, as a real process: exit 1 and the cause, not exit 0. */
  @Test
  void replayToDevFullExits1WithTheCause() throws Exception {
    Path devFull = Path.of("/dev/full");
    Assumptions.assumeTrue(Files.exists(devFull) && Files.isWritable(devFull), "/dev/full");
    StringBuilder log = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      log.append(i % 7 + 1).append('\n');
    }
    Path file = write("log.txt", log.toString());
    Path err = dir.resolve("err.txt");
    Process p = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
            AlrcCommand.class.getName(), "replay", file.toString())
        .redirectOutput(devFull.toFile())
        .redirectError(err.toFile())
        .start();
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(Files.readString(err))
        .isEqualTo("alrc replay: cannot write the CSV to standard output: No space left on device"
            + " (the output is incomplete)\n");
  }
}
