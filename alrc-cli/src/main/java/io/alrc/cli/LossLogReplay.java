package io.alrc.cli;

import io.alrc.AlrcClipper;
import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import io.alrc.AlrcStep;
import io.alrc.NonFiniteLossException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;

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
   * Stops early, without an error, when {@code out} can no longer be written (e.g. {@code | head}
   * has closed the pipe).
   *
   * @param in the log, read line by line; not closed
   * @param source the log's name for messages
   * @param out where the CSV goes
   * @return the number of steps replayed
   * @throws CliException (exit code 2) for a malformed or negative loss, or when the configured
   *     number of consecutive non-finite steps is reached, naming the source and line
   * @throws IOException when {@code in} cannot be read
   */
  long run(BufferedReader in, String source, PrintWriter out) throws IOException {
    LossLineParser parser = new LossLineParser(source);
    StringBuilder buf = new StringBuilder(FLUSH_AT + 4096);
    buf.append(HEADER).append('\n');
    AlrcState state = clipper.init();
    long lineNumber = 0;
    long steps = 0;
    String line;
    try {
      while ((line = in.readLine()) != null) {
        lineNumber++;
        if (!parser.parse(line, lineNumber)) {
          continue;
        }
        double[] losses = Arrays.copyOf(parser.values(), parser.count());
        AlrcStep step;
        try {
          step = clipper.update(losses, state);
        } catch (NonFiniteLossException e) {
          throw CliException.invalidInput(
              source + " line " + lineNumber + ": " + e.getMessage()
                  + " (option --non-finite-limit)",
              e);
        }
        state = step.state();
        steps++;
        appendRows(buf, losses, step);
        if (buf.length() >= FLUSH_AT) {
          out.append(buf);
          buf.setLength(0);
          if (out.checkError()) {
            return steps; // the reader has gone (closed pipe): nothing more can be delivered
          }
        }
      }
    } finally {
      // the rows before a failing line are delivered too, as the earlier chunks already were
      out.append(buf);
      out.flush();
    }
    return steps;
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
