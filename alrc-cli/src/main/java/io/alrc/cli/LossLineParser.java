package io.alrc.cli;

import java.util.Arrays;

/**
 * Parses the lines of a loss log: one training step per line, the step's per-example losses
 * separated by commas and/or blanks (spaces, tabs).
 *
 * <ul>
 *   <li>Blank lines and lines whose first non-blank character is {@code #} carry no step.
 *   <li>A loss is a decimal number ({@code 12}, {@code 0.5}, {@code .5}, {@code 1e-3}, {@code
 *       +2.5E+1}), or, case-insensitively, {@code nan}, {@code inf}, {@code infinity}, each with an
 *       optional sign. A number beyond the range of {@code double} counts as infinite.
 *   <li>A finite negative loss is rejected: ALRC needs losses {@code >= 0}. Negative zero is 0.
 *   <li>Two commas in a row, or a comma at the start or end of a line, leave a loss out and are
 *       rejected.
 * </ul>
 *
 * <p>Messages quote the offending token (at most 40 characters of it); the command line escapes
 * control characters in them (a NUL shows as {@code \u0000}).
 *
 * <p>The parser reuses one growing buffer, so a long log costs no memory per line beyond the line
 * itself; the characters are scanned by hand because a regular expression per token is several
 * times slower on million-line logs. Not thread-safe.
 */
final class LossLineParser {
  private static final int MAX_SHOWN_TOKEN = 40;

  private final String source;
  private double[] values = new double[16];
  private int count;

  /**
   * @param source the name of the input for messages, e.g. the file name
   */
  LossLineParser(String source) {
    this.source = source;
  }

  /**
   * Parses one line.
   *
   * @param line the line without its line terminator
   * @param lineNumber the 1-based physical line number, for messages
   * @return false for a blank or comment line (no step), true when {@link #count()} losses were
   *     read into {@link #values()}
   * @throws CliException (exit code 2) for a malformed token, a negative loss or an empty field,
   *     naming the source, the line number and the token
   */
  boolean parse(String line, long lineNumber) {
    final int len = line.length();
    int i = skipBlanks(line, 0);
    if (i == len || line.charAt(i) == '#') {
      return false;
    }
    count = 0;
    if (line.charAt(i) == ',') {
      throw error(lineNumber, "the line starts with a comma: a loss is missing");
    }
    while (true) {
      int start = i;
      while (i < len && !isSeparator(line.charAt(i))) {
        i++;
      }
      add(parseToken(line, start, i, lineNumber));
      i = skipBlanks(line, i);
      if (i == len) {
        return true;
      }
      if (line.charAt(i) == ',') {
        i = skipBlanks(line, i + 1);
        if (i == len) {
          throw error(lineNumber, "the line ends with a comma: a loss is missing");
        }
        if (line.charAt(i) == ',') {
          throw error(lineNumber, "two commas with no loss between them");
        }
      }
    }
  }

  /** The number of losses of the last parsed step. */
  int count() {
    return count;
  }

  /** The buffer holding the last parsed step's losses in {@code [0, count())}; reused. */
  double[] values() {
    return values;
  }

  private void add(double value) {
    if (count == values.length) {
      values = Arrays.copyOf(values, 2 * count);
    }
    values[count++] = value;
  }

  private double parseToken(String line, int start, int end, long lineNumber) {
    int j = start;
    char c = line.charAt(j);
    boolean negative = c == '-';
    if (c == '+' || c == '-') {
      j++;
    }
    if (j < end && Character.isLetter(line.charAt(j))) {
      int wordLength = end - j;
      if (wordLength == 3 && line.regionMatches(true, j, "nan", 0, 3)) {
        return Double.NaN;
      }
      if ((wordLength == 3 && line.regionMatches(true, j, "inf", 0, 3))
          || (wordLength == 8 && line.regionMatches(true, j, "infinity", 0, 8))) {
        return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
      throw malformed(line, start, end, lineNumber);
    }
    if (!isDecimal(line, j, end)) {
      throw malformed(line, start, end, lineNumber);
    }
    double value = Double.parseDouble(line.substring(start, end));
    if (value < 0 && value != Double.NEGATIVE_INFINITY) {
      throw error(
          lineNumber,
          "loss '" + shown(line, start, end) + "' is negative: ALRC needs losses >= 0");
    }
    return value;
  }

  /** {@code digits [. digits] | . digits}, then an optional exponent {@code e [sign] digits}. */
  private static boolean isDecimal(String s, int from, int end) {
    int i = from;
    int digits = 0;
    while (i < end && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < end && s.charAt(i) == '.') {
      i++;
      while (i < end && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < end && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exponentDigits = 0;
      while (i < end && isDigit(s.charAt(i))) {
        i++;
        exponentDigits++;
      }
      if (exponentDigits == 0) {
        return false;
      }
    }
    return i == end;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\u000B';
  }

  private static boolean isSeparator(char c) {
    return c == ',' || isBlank(c);
  }

  private static int skipBlanks(String s, int from) {
    int i = from;
    while (i < s.length() && isBlank(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private CliException malformed(String line, int start, int end, long lineNumber) {
    boolean bom = line.substring(start, end).indexOf('\uFEFF') >= 0;
    return error(
        lineNumber,
        "'"
            + shown(line, start, end)
            + "' is not a loss: expected a number >= 0, nan, inf or -inf"
            + (bom ? " (it holds a byte order mark, U+FEFF: only one at the start of the log is"
                + " skipped)" : ""));
  }

  private CliException error(long lineNumber, String what) {
    return CliException.invalidInput(source + " line " + lineNumber + ": " + what);
  }

  private static String shown(String line, int start, int end) {
    return end - start <= MAX_SHOWN_TOKEN
        ? line.substring(start, end)
        : line.substring(start, start + MAX_SHOWN_TOKEN) + "...";
  }
}
