package io.alrc.experiments.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A numeric CSV file (such as {@code metrics.csv}) read into columns of doubles; an empty field
 * reads as NaN. Lines end with {@code \n} or {@code \r\n} and hold at most {@value
 * #MAX_LINE_CHARS} characters. A last line without its line end that is not a whole row (the file
 * of a run that is still being written, or whose writer was killed) is ignored.
 */
public final class CsvTable {
  private final Path file;
  private final List<String> header;
  private final double[][] columns;
  private final int rows;

  private CsvTable(Path file, List<String> header, double[][] columns, int rows) {
    this.file = file;
    this.header = header;
    this.columns = columns;
    this.rows = rows;
  }

  /**
   * Reads {@code file}.
   *
   * @throws UncheckedIOException naming the file, line and token if it is not a numeric CSV
   */
  public static CsvTable read(Path file) {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      boolean[] ended = new boolean[1];
      String head = readLine(in, file, 1, ended);
      if (head == null) {
        throw new IOException(file + " is empty: expected a CSV header");
      }
      List<String> header = List.of(head.split(",", -1));
      int n = header.size();
      double[][] cols = new double[n][1024];
      int rows = 0;
      String line;
      int lineNo = 1;
      while ((line = readLine(in, file, lineNo + 1, ended)) != null) {
        lineNo++;
        if (line.isEmpty()) {
          continue;
        }
        String[] parts = line.split(",", -1);
        if (!ended[0] && !isRow(parts, n)) {
          break; // a cut last line
        }
        if (parts.length != n) {
          throw new IOException(
              file + " line " + lineNo + ": " + parts.length + " fields, the header has " + n);
        }
        if (rows == cols[0].length) {
          for (int c = 0; c < n; c++) {
            cols[c] = Arrays.copyOf(cols[c], rows * 2);
          }
        }
        for (int c = 0; c < n; c++) {
          String t = parts[c];
          try {
            cols[c][rows] = t.isEmpty() ? Double.NaN : Double.parseDouble(t);
          } catch (NumberFormatException e) {
            throw new IOException(file + " line " + lineNo + ": '"
                + (t.length() <= 40 ? t : t.substring(0, 40) + "...") + "' is not a number");
          }
        }
        rows++;
      }
      return new CsvTable(file, header, cols, rows);
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /** The longest line read ({@value} characters): a file without line ends is not a CSV. */
  static final int MAX_LINE_CHARS = 1_000_000;

  /** Whether {@code parts} are {@code n} numbers or empty fields. */
  private static boolean isRow(String[] parts, int n) {
    if (parts.length != n) {
      return false;
    }
    for (String t : parts) {
      if (!t.isEmpty()) {
        try {
          Double.parseDouble(t);
        } catch (NumberFormatException e) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * One line without its end ({@code \n} or {@code \r\n}), or null at the end of the file;
   * {@code ended[0]} tells whether the line had its {@code \n}.
   */
  private static String readLine(BufferedReader in, Path file, int lineNo, boolean[] ended)
      throws IOException {
    StringBuilder line = new StringBuilder(128);
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (line.length() == MAX_LINE_CHARS) {
        throw new IOException(file + " line " + lineNo + ": longer than " + MAX_LINE_CHARS
            + " characters: not a CSV file");
      }
      line.append((char) c);
    }
    if (c < 0 && line.length() == 0) {
      return null;
    }
    ended[0] = c == '\n';
    int n = line.length();
    if (n > 0 && line.charAt(n - 1) == '\r') {
      line.setLength(n - 1);
    }
    return line.toString();
  }

  /** Number of data rows. */
  public int rows() {
    return rows;
  }

  /** The column names. */
  public List<String> header() {
    return header;
  }

  /** Whether the table has column {@code name}. */
  public boolean has(String name) {
    return header.contains(name);
  }

  /**
   * A copy of column {@code name}.
   *
   * @throws IllegalArgumentException naming the file and the columns it has, if absent
   */
  public double[] column(String name) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException(file + " has no column '" + name + "'; it has " + header);
    }
    return Arrays.copyOf(columns[i], rows);
  }

  /** Column names and sizes, for messages. */
  @Override
  public String toString() {
    return "CsvTable[" + file + ", " + rows + " rows, " + new ArrayList<>(header) + "]";
  }
}
