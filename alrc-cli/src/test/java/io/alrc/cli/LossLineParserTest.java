package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LossLineParserTest {
  private final LossLineParser parser = new LossLineParser("log.txt");

  private double[] parse(String line) {
    assertThat(parser.parse(line, 7)).as("'%s' carries a step", line).isTrue();
    return Arrays.copyOf(parser.values(), parser.count());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "\t", "#", "# a comment", "  \t# indented, 1 2 3"})
  void blankAndCommentLinesCarryNoStep(String line) {
    assertThat(parser.parse(line, 1)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "5 80 20 200",
        "5,80,20,200",
        "5, 80, 20, 200",
        "5 ,80\t,\t20 200",
        "\t 5\t80  20   200 \t",
        "5.0 8e1 2.0E+1 +200",
        "5. 80.00 .2e2 2000e-1"
      })
  void separatorsAreCommasAndOrBlanks(String line) {
    assertThat(parse(line)).containsExactly(5, 80, 20, 200);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "nan|NaN",
        "NaN|NaN",
        "-nan|NaN",
        "inf|Infinity",
        "+Inf|Infinity",
        "Infinity|Infinity",
        "-inf|-Infinity",
        "-INFINITY|-Infinity",
        "1e999|Infinity",
        "0|0.0",
        "-0|-0.0",
        "1e-320|1.0E-320"
      })
  void nonFiniteWordsAndEdgeValues(String token, String expected) {
    assertThat(parse(token)).containsExactly(Double.parseDouble(expected));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "abc", "1.2.3", "1e", "e5", "--1", "0x10", "1f", "1d", "nana", "in", "1_000", ".", "+",
        "1;2", "1e+", "\uFFFD"
      })
  void malformedTokensNameTheLineAndTheToken(String token) {
    assertThatThrownBy(() -> parser.parse("1 " + token + " 3", 7))
        .isInstanceOf(CliException.class)
        .hasMessage(
            "log.txt line 7: '"
                + token
                + "' is not a loss: expected a number >= 0, nan, inf or -inf");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "-0.5", "-1e-300", "-4E2"})
  void negativeLossesAreRejected(String token) {
    assertThatThrownBy(() -> parser.parse("1, " + token, 12))
        .isInstanceOf(CliException.class)
        .hasMessage("log.txt line 12: loss '" + token + "' is negative: ALRC needs losses >= 0")
        .extracting(e -> ((CliException) e).exitCode())
        .isEqualTo(2);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1,,2|two commas with no loss between them",
        "1, ,2|two commas with no loss between them",
        ",1|the line starts with a comma: a loss is missing",
        " , 1|the line starts with a comma: a loss is missing",
        "1,2,|the line ends with a comma: a loss is missing",
        "1,2 , |the line ends with a comma: a loss is missing"
      },
      ignoreLeadingAndTrailingWhitespace = false)
  void emptyFieldsAreRejected(String line, String what) {
    assertThatThrownBy(() -> parser.parse(line, 3)).hasMessage("log.txt line 3: " + what);
  }

  @org.junit.jupiter.api.Test
  void longTokensAreShortenedInMessages() {
    String token = "x".repeat(100);
    assertThatThrownBy(() -> parser.parse(token, 1))
        .hasMessageStartingWith("log.txt line 1: '" + "x".repeat(40) + "...' is not a loss");
  }

  @org.junit.jupiter.api.Test
  void theBufferGrowsForLargeBatchesAndIsReused() {
    String wide = String.join(" ", java.util.Collections.nCopies(1000, "2.5"));
    assertThat(parse(wide)).hasSize(1000).containsOnly(2.5);
    assertThat(parse("1 2")).containsExactly(1, 2);
  }
}
