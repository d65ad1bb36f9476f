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
 * reads as NaN.
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
      String head = in.readLine();
      if (head == null) {
        throw new IOException(file + " is empty: expected a CSV header");
      }
      List<String> header = List.of(head.split(",", -1));
      int n = header.size();
      double[][] cols = new double[n][1024];
      int rows = 0;
      String line;
      int lineNo = 1;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isEmpty()) {
          continue;
        }
        String[] parts = line.split(",", -1);
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
            throw new IOException(file + " line " + lineNo + ": '" + t + "' is not a number");
          }
        }
        rows++;
      }
      return new CsvTable(file, header, cols, rows);
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
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
