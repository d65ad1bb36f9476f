package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.alrc.AlrcConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code alrc replay} in-process, through the real command-line wiring. */
class ReplayCommandTest {
  static final String HEADER = "step,example,loss,threshold,output,scale,mu1,mu2,skipped";

  /** The spec's three steps: [10], [100], [5, 80, 20, 200]. */
  static final String SPEC_STEPS = "10\n100\n5 80 20 200\n";

  private static final Percentage F32 = withinPercentage(1e-4);

  @TempDir Path dir;

  Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  /** One CSV row; empty fields are kept. */
  record Row(String[] f) {
    static Row of(String line) {
      return new Row(line.split(",", -1));
    }

    long step() {
      return Long.parseLong(f[0]);
    }

    int example() {
      return Integer.parseInt(f[1]);
    }

    double loss() {
      return Double.parseDouble(f[2]);
    }

    double threshold() {
      return Double.parseDouble(f[3]);
    }

    double output() {
      return Double.parseDouble(f[4]);
    }

    double scale() {
      return Double.parseDouble(f[5]);
    }

    double mu1() {
      return Double.parseDouble(f[6]);
    }

    double mu2() {
      return Double.parseDouble(f[7]);
    }

    String skipped() {
      return f[8];
    }
  }

  static List<Row> rows(Cli.Result r) {
    List<String> lines = r.outLines();
    assertThat(lines).as("the CSV starts with its header").first().isEqualTo(HEADER);
    List<Row> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      Row row = Row.of(line);
      assertThat(row.f()).as("every row has 9 fields: %s", line).hasSize(9);
      rows.add(row);
    }
    return rows;
  }

  Cli.Result replay(String content, String... options) throws IOException {
    Path file = write("losses.txt", content);
    String[] args = new String[options.length + 2];
    args[0] = "replay";
    System.arraycopy(options, 0, args, 1, options.length);
    args[args.length - 1] = file.toString();
    return Cli.run(args);
  }

  @Test
  void headerIsExact() throws IOException {
    Cli.Result r = replay("1\n");
    assertThat(r.exitCode()).isZero();
    assertThat(r.outLines().get(0)).isEqualTo(HEADER);
    assertThat(r.err()).isEmpty();
  }

  @Test
  void anEmptyLogGivesOnlyTheHeader() throws IOException {
    Cli.Result r = replay("# nothing yet\n\n");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo(HEADER + "\n");
  }

  /** The spec's reference test vector (float32 values, hence the tolerance). */
  @Test
  void referenceProfileMatchesTheSpecTestVector() throws IOException {
    Cli.Result r = replay(SPEC_STEPS, "--profile", "reference");
    assertThat(r.exitCode()).isZero();
    List<Row> rows = rows(r);
    assertThat(rows).hasSize(6);
    assertThat(rows).extracting(Row::step).containsExactly(1L, 2L, 3L, 3L, 3L, 3L);
    assertThat(rows).extracting(Row::example).containsExactly(1, 1, 1, 2, 3, 4);
    assertThat(rows).extracting(Row::skipped).containsOnly("0");

    expectStep(rows.get(0), 10, 74.749374, 10, 1, 24.985001, 899.200012);
    expectStep(rows.get(1), 100, 74.729828, 74.729828, 0.7472983, 25.034746, 903.885376);
    double[] losses = {5, 80, 20, 200};
    double[] outputs = {5, 74.977928, 20, 74.977928};
    double[] scales = {1, 0.937224, 1, 0.374890};
    for (int i = 0; i < 4; i++) {
      expectStep(
          rows.get(2 + i), losses[i], 74.977928, outputs[i], scales[i], 25.053452, 905.898621);
    }
    assertThat(rows.get(2).f()[5]).as("an unclipped example has scale exactly 1").isEqualTo("1.0");
    assertThat(rows.get(2).f()[4]).as("its output is its loss").isEqualTo("5.0");
  }

  @Test
  void cifar2019ProfileMatchesTheSpecTestVector() throws IOException {
    Cli.Result r = replay(SPEC_STEPS, "--profile", "cifar2019", "--n", "2");
    assertThat(r.exitCode()).isZero();
    List<Row> rows = rows(r);
    expectStep(rows.get(0), 10, 44.641075, 10, 1, 9.980000, 398.899994);
    expectStep(rows.get(1), 100, 44.580612, 44.580612, 0.4458061, 9.994639, 399.690704);
    expectStep(rows.get(5), 200, 44.624043, 44.624043, 0.2231202, 9.993217, 399.593536);
  }

  @Test
  void profileNamesAreCaseInsensitive() throws IOException {
    Cli.Result r = replay("10\n", "--profile", "CIFAR2019", "--n", "2");
    assertThat(r.exitCode()).isZero();
    assertThat(rows(r).get(0).threshold()).isCloseTo(44.641075, withinPercentage(1e-4));
  }

  private static void expectStep(
      Row row, double loss, double lmax, double out, double scale, double mu1, double mu2) {
    assertThat(row.loss()).as("loss").isEqualTo(loss);
    // the spec's values are float32: agree to 1e-6 relative
    assertThat(row.threshold()).as("threshold of step %d", row.step()).isCloseTo(lmax, F32);
    assertThat(row.output()).as("output").isCloseTo(out, F32);
    assertThat(row.scale()).as("scale").isCloseTo(scale, F32);
    assertThat(row.mu1()).as("mu1 after step %d", row.step()).isCloseTo(mu1, F32);
    assertThat(row.mu2()).as("mu2 after step %d", row.step()).isCloseTo(mu2, F32);
  }

  @Test
  void commentsAndBlankLinesAreIgnoredAndNotCounted() throws IOException {
    Cli.Result plain = replay(SPEC_STEPS);
    Cli.Result commented =
        replay("# loss log\n\n  # indented comment\n10\n\t\n100\n# between\n5 80 20 200\n\n");
    assertThat(commented.exitCode()).isZero();
    assertThat(commented.out()).as("same rows, same step numbers").isEqualTo(plain.out());
  }

  @Test
  void commasSpacesAndTabsAllSeparate() throws IOException {
    Cli.Result plain = replay(SPEC_STEPS);
    Cli.Result mixed = replay("10\n100\n5,80, 20\t200\n");
    Cli.Result crlf = replay("10\r\n100\r\n5\t80 ,20,200\r\n");
    assertThat(mixed.out()).isEqualTo(plain.out());
    assertThat(crlf.out()).as("CRLF line ends").isEqualTo(plain.out());
  }

  @Test
  void aNonFiniteStepIsSkippedWithEmptyOutputAndScale() throws IOException {
    Cli.Result r = replay("10\nnan\n7 inf\n-inf\n100\n", "--profile", "reference");
    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    List<Row> rows = rows(r);
    assertThat(rows).hasSize(6);
    Row first = rows.get(0);
    String unchangedMoments = first.f()[6] + "," + first.f()[7];
    double threshold = first.mu1() + 3 * Math.sqrt(first.mu2() - first.mu1() * first.mu1() + 1e-8);
    assertThat(r.outLines().subList(2, 6))
        .as("skipped steps: loss as read, output and scale empty, moments unchanged, skipped 1")
        .containsExactly(
            "2,1,NaN," + rows.get(1).f()[3] + ",,," + unchangedMoments + ",1",
            "3,1,7.0," + rows.get(2).f()[3] + ",,," + unchangedMoments + ",1",
            "3,2,Infinity," + rows.get(3).f()[3] + ",,," + unchangedMoments + ",1",
            "4,1,-Infinity," + rows.get(4).f()[3] + ",,," + unchangedMoments + ",1");
    assertThat(rows.get(1).threshold())
        .as("the threshold a skipped step would have used")
        .isCloseTo(threshold, withinPercentage(1e-9));
    assertThat(rows.get(5).step()).isEqualTo(5);
    assertThat(rows.get(5).skipped()).isEqualTo("0");
  }

  @Test
  void theNonFiniteLimitStopsTheReplayWithExit2NamingTheLine() throws IOException {
    Cli.Result r = replay("10\n\nnan\ninf\n1\n", "--non-finite-limit", "2");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines())
        .singleElement()
        .asString()
        .startsWith("alrc replay: ")
        .contains("losses.txt line 4: step 3: ", "Infinity")
        .contains("the 2nd non-finite step in a row (limit 2)")
        .endsWith("(option --non-finite-limit)");
    assertThat(rows(r)).as("the rows before the failing line are written").hasSize(2);
  }

  @Test
  void lossesWhoseSquaresOverflowExit2NamingTheLine() throws IOException {
    Cli.Result r = replay("1e300 1e300\n1e300\n", "--n", "1e100");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).singleElement().asString()
        .startsWith("alrc replay: ")
        .contains("losses.txt line 1: step 1: ", "too large for ALRC's running moments");
  }

  @Test
  void optionsOverrideTheProfile() throws IOException {
    // reference: --beta sets gamma = 1 - beta: mu1 = 0.5 * 25 + 0.5 * 10
    assertThat(rows(replay("10\n", "--profile", "reference", "--beta", "0.5")).get(0).mu1())
        .isEqualTo(17.5);
    // cifar2019: the observation weight stays 0.001: mu1 = 0.5 * 10 + 0.001 * 10
    assertThat(rows(replay("10\n", "--profile", "cifar2019", "--beta", "0.5")).get(0).mu1())
        .isCloseTo(5.01, withinPercentage(1e-9));
    Row custom =
        rows(replay("10\n", "--n", "2", "--mu1", "4", "--mu2", "25", "--eps", "0")).get(0);
    assertThat(custom.threshold()).as("lmax = 4 + 2 * sqrt(25 - 16)").isEqualTo(10.0);
    assertThat(custom.output()).as("a loss at the threshold is clipped to it").isEqualTo(10.0);
    assertThat(custom.f()[5]).isEqualTo("1.0");
  }

  @Test
  void theShippedExampleReplays() {
    Path example = ProjectFiles.find("examples/losses.txt");
    Cli.Result r = Cli.run("replay", example.toString());
    assertThat(r.exitCode()).isZero();
    List<Row> rows = rows(r);
    assertThat(rows).hasSize(300 * 4);
    assertThat(rows).filteredOn(row -> row.scale() < 1).as("the spikes are clipped").isNotEmpty();
  }

  // ---- invalid input: exit 2, one message naming the input

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1 2\\n3 abc 4|2|'abc' is not a loss: expected a number >= 0, nan, inf or -inf",
        "# c\\n\\n1\\n2,x|4|'x' is not a loss: expected a number >= 0, nan, inf or -inf",
        "1\\n1e5e5|2|'1e5e5' is not a loss: expected a number >= 0, nan, inf or -inf",
        "1\\n\\n5 -3|3|loss '-3' is negative: ALRC needs losses >= 0",
        "1,,2|1|two commas with no loss between them"
      })
  void badDataExits2WithOneLineNamingLineAndToken(String content, int line, String what)
      throws IOException {
    Path file = write("bad.txt", content.replace("\\n", "\n") + "\n");
    Cli.Result r = Cli.run("replay", file.toString());
    assertThat(r.exitCode()).as("bad data is invalid input").isEqualTo(2);
    assertThat(r.errLines())
        .as("one line naming the file, the physical line and the token")
        .containsExactly("alrc replay: " + file + " line " + line + ": " + what);
  }

  @Test
  void aMissingFileExits2NamingIt() {
    String missing = dir.resolve("no-such.txt").toString();
    Cli.Result r = Cli.run("replay", missing);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines())
        .containsExactly("alrc replay: cannot read '" + missing + "': no such file");
  }

  @Test
  void aDirectoryExits2NamingIt() {
    Cli.Result r = Cli.run("replay", dir.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines())
        .containsExactly("alrc replay: cannot read '" + dir + "': it is a directory");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--n|abc|Invalid value for option '--n': 'abc' is not a double",
        "--n|-1|invalid ALRC setting: n (-1.0) must be finite and > 0",
        "--n|0|invalid ALRC setting: n (0.0) must be finite and > 0",
        "--beta|1.5|invalid ALRC setting: beta1 (1.5) must be in (0, 1)",
        "--beta|x|Invalid value for option '--beta': 'x' is not a double",
        "--mu2|100|invalid ALRC setting: initialMu2 (100.0) was set without initialMu1: the initial"
            + " moments are a pair (mu1(0) the mean, mu2(0) the mean square of the loss); set both"
            + " with initialMoments(mu1, mu2), or neither for the auto start",
        "--eps|-1|invalid ALRC setting: eps (-1.0) must be finite and >= 0",
        "--non-finite-limit|0|invalid ALRC setting: nonFiniteLimit (0) must be >= 1",
        "--profile|foo|invalid ALRC setting: unknown ALRC profile 'foo': expected 'auto',"
            + " 'reference' or 'cifar2019'"
      })
  void badSettingsExit2WithTheMessageAndAHint(String option, String value, String message)
      throws IOException {
    Path file = write("ok.txt", "1\n");
    Cli.Result r = Cli.run("replay", option, value, file.toString());
    assertThat(r.exitCode()).as("%s %s is invalid input", option, value).isEqualTo(2);
    assertThat(r.out()).as("no CSV for an invalid setting").isEmpty();
    assertThat(r.errLines())
        .containsExactly(
            "alrc replay: " + message, "Try 'alrc replay --help' for more information.");
  }

  @Test
  void betaAboveWhatCifar2019AllowsIsRejected() throws IOException {
    Path file = write("ok.txt", "1\n");
    assertThat(Cli.run("replay", "--beta", "0.9995", file.toString()).exitCode()).isZero();
    Cli.Result r =
        Cli.run("replay", "--profile", "cifar2019", "--beta", "0.9995", file.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines().get(0))
        .isEqualTo(
            "alrc replay: invalid ALRC setting: beta1 + gamma1 (0.9995 + 0.001) must be <= 1, or"
                + " the running moments grow without bound");
  }

  @Test
  void twoFilesAreAUsageError() {
    Cli.Result r = Cli.run("replay", "a.txt", "b.txt");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines())
        .containsExactly(
            "alrc replay: Unmatched argument at index 2: 'b.txt'",
            "Try 'alrc replay --help' for more information.");
  }

  // ---- help

  @Test
  void helpExits0AndDocumentsFormatOptionsAndProfileDefaultsFromTheCode() {
    Cli.Result r = Cli.run("replay", "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .contains("Usage: alrc replay")
        .contains(HEADER)
        .contains("--profile=PROFILE", "--n=N", "--beta=B", "--mu1=X", "--mu2=Y", "--eps=E")
        .contains("[FILE]")
        .contains("ALRC: auto (the default")
        .contains("  auto       " + ReplayCommand.ProfileDefaults.describe(AlrcConfig.auto()))
        .contains("in cifar2019")
        .contains(
            "  reference  "
                + ReplayCommand.ProfileDefaults.describe(AlrcConfig.reference()))
        .contains(
            "  cifar2019  "
                + ReplayCommand.ProfileDefaults.describe(AlrcConfig.cifar2019(3)))
        .contains("n 3.0, beta 0.999, gamma 1 - beta, mu1 25.0, mu2 900.0, eps 1.0E-8")
        .contains("n 3.0, beta 0.997, gamma 0.001, mu1 10.0, mu2 400.0, eps 0.001");
  }
}
