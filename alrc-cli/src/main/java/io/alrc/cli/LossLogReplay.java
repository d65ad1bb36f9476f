package io.alrc.cli;

import io.alrc.AlrcClipper;
import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import io.alrc.AlrcStep;
import io.alrc.NonFiniteLossException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.ExitCode;

/**
 * Streams a loss log (see {@link LossLineParser}) through an {@link AlrcClipper} and writes one CSV
 * row per example:
 *
 * <pre>
 * step,example,loss,threshold,output,scale,mu1,mu2,skipped
 * </pre>
 *
 * {@code step} counts the lines that carry a step, from 1; {@code example} counts the examples of
 * a step, from 1; {@code threshold} is {@code lmax}, computed from the moments before the step;
 * {@code output} and {@code scale} are the clipped loss and its scale; {@code mu1} and {@code mu2}
 * are the moments after the step; {@code skipped} is 1 for a step skipped because a loss was not
 * finite (its {@code output} and {@code scale} are empty, its moments unchanged), else 0. Numbers
 * are written by {@link Double#toString(double)}, which round-trips ({@code NaN}, {@code Infinity}
 * for non-finite losses).
 *
 * <p>Memory stays flat: one line is read, one step computed and its rows appended to a 64 KiB
 * buffer at a time. The per-step columns are formatted once per step, and an unclipped output
 * reuses the loss's text, because formatting doubles is most of the cost on million-step logs. Not
 * thread-safe: one replay at a time per instance.
 */
final class LossLogReplay {
  /** The CSV header, exactly. */
  static final String HEADER = "step,example,loss,threshold,output,scale,mu1,mu2,skipped";

  /** The most characters a line of the log may hold ({@value}, about 500,000 losses). */
  static final int MAX_LINE_CHARS = 10_000_000;

  private static final char BYTE_ORDER_MARK = '\uFEFF';

  private static final int FLUSH_AT = 1 << 16;

  private final AlrcClipper clipper;
  private final StringBuilder cell = new StringBuilder(64);
  private char[] lossText = new char[32];

  /** A replay with the given ALRC configuration. */
  LossLogReplay(AlrcConfig config) {
    this.clipper = new AlrcClipper(config);
  }

  /**
   * Replays the log read from {@code in} and writes the CSV to {@code out}, flushing it at the end.
   * Stops early, without an error, when the reader of {@code out} has gone (a broken pipe, as with
   * {@code | head}); any other write error (a full disk) is an error.
   *
   * <p>A line may hold at most {@link #MAX_LINE_CHARS} characters; a longer one (or input without
   * line ends, such as {@code /dev/zero}) is rejected before it is held in memory. A byte order
   * mark (U+FEFF) at the start of the input is skipped.
   *
   * @param in the log, read line by line; not closed
   * @param source the log's name for messages
   * @param out where the CSV goes
   * @return the number of steps replayed
   * @throws CliException (exit code 2) for a malformed or negative loss, a line longer than {@link
   *     #MAX_LINE_CHARS}, or when the configured number of consecutive non-finite steps is reached,
   *     naming the source and line; (exit code 1) when {@code out} cannot be written, with the cause
   * @throws IOException when {@code in} cannot be read
   */
  long run(Reader in, String source, PrintWriter out) throws IOException {
    LossLineParser parser = new LossLineParser(source);
    Lines lines = new Lines(in, source);
    StringBuilder buf = new StringBuilder(FLUSH_AT + 4096);
    buf.append(HEADER).append('\n');
    AlrcState state = clipper.init();
    long lineNumber = 0;
    long steps = 0;
    String line;
    try {
      while ((line = lines.next(lineNumber + 1)) != null) {
        lineNumber++;
        if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK) {
          line = line.substring(1);
        }
        if (!parser.parse(line, lineNumber)) {
          continue;
        }
        double[] losses = Arrays.copyOf(parser.values(), parser.count());
        AlrcStep step;
        try {
          step = clipper.update(losses, state);
        } catch (NonFiniteLossException e) {
          throw CliException.invalidInput(
              source + " line " + lineNumber + ": " + divergence(losses, e), e);
        } catch (IllegalArgumentException e) {
          // the running moments overflowed: e.g. losses near 1e300 with a huge --n
          throw CliException.invalidInput(source + " line " + lineNumber + ": step " + (steps + 1)
              + ": " + e.getMessage() + ": the losses are too large for ALRC's running moments"
              + " (their squares overflow); scale them down", e);
        }
        state = step.state();
        steps++;
        appendRows(buf, losses, step);
        if (buf.length() >= FLUSH_AT) {
          out.append(buf);
          buf.setLength(0);
          if (writeFailed(out)) {
            return steps; // the reader has gone (closed pipe): nothing more can be delivered
          }
        }
      }
    } finally {
      // the rows before a failing line are delivered too, as the earlier chunks already were
      out.append(buf);
      out.flush();
    }
    writeFailed(out);
    return steps;
  }

  /**
   * Whether writing to {@code out} has failed because its reader has gone (a broken pipe); any
   * other write error is thrown.
   *
   * @throws CliException (exit code 1) naming the cause, e.g. {@code No space left on device}
   */
  private static boolean writeFailed(PrintWriter out) {
    Optional<IOException> error = CheckedOutput.errorOf(out);
    if (error.isEmpty()) {
      return false;
    }
    if (CheckedOutput.isBrokenPipe(error.get())) {
      return true;
    }
    throw new CliException(
        ExitCode.SOFTWARE,
        "cannot write the CSV to standard output: " + error.get().getMessage()
            + " (the output is incomplete)",
        error.get());
  }

  /**
   * The message for a diverged log: as the core's, but with the example counted from 1 as in the
   * CSV.
   */
  private String divergence(double[] losses, NonFiniteLossException e) {
    int first = 0;
    while (first < losses.length && Double.isFinite(losses[first])) {
      first++;
    }
    return String.format(
        Locale.ROOT,
        "step %d: loss of example %d (counted from 1, as in the CSV) is %s, the %s non-finite step"
            + " in a row (limit %d): training has diverged; lower the learning rate or raise the"
            + " limit (option --non-finite-limit)",
        e.step(),
        first + 1,
        first < losses.length ? losses[first] : Double.NaN,
        NonFiniteLossException.ordinal(e.consecutive()),
        clipper.config().nonFiniteLimit());
  }

  /**
   * The lines of a reader, each at most {@link #MAX_LINE_CHARS} characters; ends at {@code \n},
   * {@code \r\n} or {@code \r}, as {@link java.io.BufferedReader#readLine()}.
   */
  private static final class Lines {
    private final Reader in;
    private final String source;
    private final char[] chunk = new char[1 << 16];
    private final StringBuilder line = new StringBuilder(256);
    private int pos;
    private int limit;
    private boolean skipLineFeed;
    private boolean eof;

    Lines(Reader in, String source) {
      this.in = in;
      this.source = source;
    }

    /** The next line without its end, or null at the end of the input. */
    String next(long lineNumber) throws IOException {
      line.setLength(0);
      boolean any = false;
      while (true) {
        if (pos == limit) {
          if (eof || !fill()) {
            return any ? line.toString() : null;
          }
        }
        if (skipLineFeed) {
          skipLineFeed = false;
          if (chunk[pos] == '\n') {
            pos++;
            continue;
          }
        }
        any = true;
        int start = pos;
        while (pos < limit && chunk[pos] != '\n' && chunk[pos] != '\r') {
          pos++;
        }
        if (line.length() + (pos - start) > MAX_LINE_CHARS) {
          throw CliException.invalidInput(
              String.format(
                  Locale.ROOT,
                  "%s line %d: longer than %,d characters, the most a line may hold (is it a text"
                      + " file with line ends?)",
                  source,
                  lineNumber,
                  MAX_LINE_CHARS));
        }
        line.append(chunk, start, pos - start);
        if (pos < limit) {
          skipLineFeed = chunk[pos] == '\r';
          pos++;
          return line.toString();
        }
      }
    }

    private boolean fill() throws IOException {
      int n;
      do {
        n = in.read(chunk, 0, chunk.length);
      } while (n == 0);
      if (n < 0) {
        eof = true;
        return false;
      }
      pos = 0;
      limit = n;
      return true;
    }
  }

  /** Appends one step's rows to {@code buf}. */
  private void appendRows(StringBuilder buf, double[] losses, AlrcStep step) {
    String stepText = Long.toString(step.step());
    cell.setLength(0);
    String threshold = cell.append(step.lmax()).toString();
    cell.setLength(0);
    String tail =
        cell.append(',')
            .append(step.state().mu1())
            .append(',')
            .append(step.state().mu2())
            .append(step.skipped() ? ",1\n" : ",0\n")
            .toString();
    for (int i = 0; i < losses.length; i++) {
      buf.append(stepText).append(',').append(i + 1).append(',');
      int lossStart = buf.length();
      buf.append(losses[i]);
      int lossEnd = buf.length();
      buf.append(',').append(threshold).append(',');
      if (step.skipped()) {
        buf.append(','); // output and scale stay empty
      } else {
        if (step.output(i) == losses[i]) {
          // unclipped: the output is the loss, so copy its text instead of formatting it again
          int length = lossEnd - lossStart;
          if (length > lossText.length) {
            lossText = new char[length];
          }
          buf.getChars(lossStart, lossEnd, lossText, 0);
          buf.append(lossText, 0, length);
        } else {
          buf.append(step.output(i));
        }
        buf.append(',');
        double scale = step.scale(i);
        if (scale == 1) {
          buf.append("1.0");
        } else {
          buf.append(scale);
        }
      }
      buf.append(tail);
    }
  }
}
