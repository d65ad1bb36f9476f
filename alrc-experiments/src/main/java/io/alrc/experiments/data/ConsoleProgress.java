package io.alrc.experiments.data;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Byte-progress listeners for a console: a redrawn progress bar on a terminal, plain lines (one
 * per 10 %) when the output is a log or a pipe.
 *
 * <p>Each listener is stateful, serves one operation at a time and is not thread-safe.
 */
public final class ConsoleProgress {
  private static final long MIB = 1L << 20;

  private ConsoleProgress() {}

  /**
   * A progress bar on a terminal, else plain lines to {@code lines}.
   *
   * <p>The terminal test is {@code System.console() != null} (standard input and output both
   * attached to a terminal).
   *
   * @param terminal where the bar is drawn when there is a terminal, usually {@code System.err}
   * @param lines where the plain lines go otherwise, e.g. {@code err::println}
   * @return a listener for one operation at a time
   */
  public static ProgressListener auto(PrintStream terminal, Consumer<String> lines) {
    return System.console() != null ? bar(terminal) : lines(lines);
  }

  /**
   * A progress bar (me.tongfei progressbar) redrawn in place, in MiB with the speed shown.
   *
   * @param out the terminal stream
   * @return a listener for one operation at a time
   */
  public static ProgressListener bar(PrintStream out) {
    Objects.requireNonNull(out, "out");
    return new ProgressListener() {
      private ProgressBar bar;

      @Override
      public void start(String task, long total) {
        bar =
            new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit("MiB", MIB)
                .showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .build();
      }

      @Override
      public void advance(long units) {
        if (bar != null) {
          bar.stepBy(units);
        }
      }

      @Override
      public void finish() {
        if (bar != null) {
          bar.close();
          bar = null;
        }
      }
    };
  }

  /**
   * Plain lines: one when the operation starts, one each time another 10 % is done (every 16 MiB
   * when the total is unknown), and one at the end.
   *
   * @param sink receives each line, without a line terminator
   * @return a listener for one operation at a time
   */
  public static ProgressListener lines(Consumer<String> sink) {
    Objects.requireNonNull(sink, "sink");
    return new ProgressListener() {
      private String task;
      private long total;
      private long done;
      private long nextReport;

      @Override
      public void start(String task, long total) {
        this.task = task;
        this.total = total;
        this.done = 0;
        this.nextReport = step();
        sink.accept(task + ": starting" + (total >= 0 ? " (" + mib(total) + ")" : ""));
      }

      @Override
      public void advance(long units) {
        done += units;
        if (done >= nextReport && (total < 0 || done < total)) {
          sink.accept(task + ": " + describe());
          while (nextReport <= done) {
            nextReport += step();
          }
        }
      }

      @Override
      public void finish() {
        if (task != null) {
          sink.accept(task + ": finished, " + describe());
          task = null;
        }
      }

      private long step() {
        return total > 0 ? Math.max(1, (total + 9) / 10) : 16 * MIB;
      }

      private String describe() {
        if (total > 0) {
          return String.format(
              Locale.ROOT, "%d%% (%s of %s)", done * 100 / total, mib(done), mib(total));
        }
        return mib(done);
      }
    };
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
  }
}
