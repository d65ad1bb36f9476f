package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alrc replay} end to end, as a real process: {@code java -cp <test class path>
 * io.alrc.cli.AlrcCommand ...} on real files, checking what {@code main} delivers (exit code,
 * flushed stdout and stderr).
 */
class ReplayProcessTest {
  private static final long TIMEOUT_SECONDS = 60;

  @TempDir Path dir;

  record Outcome(int exitCode, String out, String err) {}

  private List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // a short-lived JVM: skip the optimising compiler to start faster
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(AlrcCommand.class.getName());
    command.addAll(List.of(args));
    return command;
  }

  /** Runs {@code alrc args...} with {@code stdin} (null: none) and waits for it. */
  private Outcome run(String stdin, String... args) throws IOException, InterruptedException {
    Path out = dir.resolve("stdout.txt");
    Path err = dir.resolve("stderr.txt");
    ProcessBuilder builder =
        new ProcessBuilder(command(args))
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    Process process = builder.start();
    try (OutputStream in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    assertThat(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .as("alrc %s finishes", String.join(" ", args))
        .isTrue();
    return new Outcome(
        process.exitValue(),
        Cli.normalise(Files.readString(out)),
        Cli.normalise(Files.readString(err)));
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  @Test
  void replaysAFileAndExits0() throws Exception {
    Path log = write("losses.txt", "# a log\n10\n\n100\n5, 80 20\t200\n");
    Outcome o = run(null, "replay", log.toString());
    assertThat(o.err()).as("nothing on stderr").isEmpty();
    assertThat(o.exitCode()).isZero();
    assertThat(o.out())
        .as("the same CSV as in-process, all of it flushed")
        .isEqualTo(Cli.run("replay", log.toString()).out());
    assertThat(o.out().split("\n")).hasSize(7);
  }

  @Test
  void readsStandardInputWithoutAFileOrWithDash() throws Exception {
    String expected = Cli.run("replay", write("l.txt", "10\n100\n").toString()).out();
    Outcome none = run("10\n100\n", "replay");
    Outcome dash = run("10\n100\n", "replay", "-");
    assertThat(none.exitCode()).isZero();
    assertThat(none.out()).isEqualTo(expected);
    assertThat(dash.exitCode()).isZero();
    assertThat(dash.out()).isEqualTo(expected);
  }

  @Test
  void aMalformedTokenExits2WithOneLineAndNoStackTrace() throws Exception {
    Path log = write("bad.txt", "# header\n1 2\n3 4x\n");
    Outcome o = run(null, "replay", log.toString());
    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(o.err())
        .isEqualTo(
            "alrc replay: "
                + log
                + " line 3: '4x' is not a loss: expected a number >= 0, nan, inf or -inf\n");
  }

  @Test
  void aNegativeLossExits2() throws Exception {
    Path log = write("neg.txt", "1\n-0.25\n");
    Outcome o = run(null, "replay", log.toString());
    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(o.err())
        .isEqualTo(
            "alrc replay: " + log + " line 2: loss '-0.25' is negative: ALRC needs losses >= 0\n");
  }

  @Test
  void aMissingFileExits2NamingIt() throws Exception {
    Outcome o = run(null, "replay", "missing.txt");
    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(o.out()).isEmpty();
    assertThat(o.err()).isEqualTo("alrc replay: cannot read 'missing.txt': no such file\n");
  }

  @Test
  void aBadSettingExits2WithAHint() throws Exception {
    Outcome o = run("1\n", "replay", "--n", "-2");
    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(o.err())
        .isEqualTo(
            "alrc replay: invalid ALRC setting: n (-2.0) must be finite and > 0\n"
                + "Try 'alrc replay --help' for more information.\n");
  }

  @Test
  void tooManyNonFiniteStepsExit2() throws Exception {
    Outcome o = run("1\nnan\nnan\n", "replay", "--non-finite-limit", "2");
    assertThat(o.exitCode()).isEqualTo(2);
    assertThat(o.err())
        .startsWith("alrc replay: stdin line 3: step 3: ")
        .doesNotContain("\tat ");
    assertThat(o.err().split("\n")).hasSize(1);
  }

  @Test
  void helpAndNoCommand() throws Exception {
    Outcome help = run(null, "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("Usage: alrc");
    Outcome none = run(null);
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.out()).isEmpty();
    assertThat(none.err()).contains("Usage: alrc");
  }

  /** As in {@code alrc replay big.txt | head -3}: a closed pipe ends the replay early, exit 0. */
  @Test
  void stopsQuietlyWhenTheReaderClosesThePipe() throws Exception {
    StringBuilder log = new StringBuilder();
    for (int i = 0; i < 200_000; i++) {
      log.append(i % 50 + 1).append(' ').append(3.25).append('\n');
    }
    Path file = write("big.txt", log.toString());
    Path err = dir.resolve("stderr.txt");
    Process process =
        new ProcessBuilder(command("replay", file.toString())).redirectError(err.toFile()).start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).startsWith("step,example,");
    }
    assertThat(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("a closed pipe is not an error").isZero();
    assertThat(Files.readString(err)).isEmpty();
  }

  /** The shipped example is exactly what its generator writes. */
  @Test
  void theExampleLogMatchesItsGenerator() throws Exception {
    Path example = ProjectFiles.find("examples/losses.txt");
    Path generator = example.resolveSibling("GenerateLosses.java");
    Path out = dir.resolve("generated.txt");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                generator.toString())
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    assertThat(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(Files.readString(out)).isEqualTo(Files.readString(example));
  }
}
