package io.alrc.experiments.train;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Where a training run reports its progress: a progress bar on a terminal, plain lines elsewhere. */
public interface Progress extends AutoCloseable {
  /**
   * Called after each step.
   *
   * @param step the step just finished
   * @param stepsPerSecond recent speed
   * @param loss recent mean unadjusted loss
   * @param clipRate recent fraction of clipped examples or steps
   */
  void update(long step, double stepsPerSecond, double loss, double clipRate);

  /** A free-form message (start, resume, evaluation). */
  void message(String text);

  @Override
  void close();

  /** Reports nothing. */
  static Progress none() {
    return new Progress() {
      @Override
      public void update(long step, double stepsPerSecond, double loss, double clipRate) {}

      @Override
      public void message(String text) {}

      @Override
      public void close() {}
    };
  }

  /**
   * A progress bar (step, steps/s, ETA, loss, clip rate) when {@code terminal}, else a plain line
   * to {@code out} every {@code everySeconds} seconds and at the end.
   */
  static Progress console(PrintStream out, String name, long start, long total, boolean terminal,
      double everySeconds) {
    if (terminal) {
      ProgressBar bar =
          new ProgressBarBuilder()
              .setTaskName(name)
              .setInitialMax(total)
              .setStyle(ProgressBarStyle.ASCII)
              .setUpdateIntervalMillis(500)
              .showSpeed()
              .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(out))
              .startsFrom(start - 1, java.time.Duration.ZERO)
              .build();
      return new Progress() {
        @Override
        public void update(long step, double stepsPerSecond, double loss, double clipRate) {
          bar.stepTo(step);
          bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4g clip %.1f%%", loss, 100 * clipRate));
        }

        @Override
        public void message(String text) {
          out.println(text);
        }

        @Override
        public void close() {
          bar.close();
        }
      };
    }
    return new Progress() {
      private long last = System.nanoTime();
      private long lastStep;

      @Override
      public void update(long step, double stepsPerSecond, double loss, double clipRate) {
        long now = System.nanoTime();
        lastStep = step;
        if (step == total || (now - last) / 1e9 >= everySeconds) {
          last = now;
          double eta = stepsPerSecond > 0 ? (total - step) / stepsPerSecond : Double.NaN;
          out.printf(Locale.ROOT, "%s step %d/%d  %.2f steps/s  ETA %.0f s  loss %.4g  clip %.1f%%%n",
              name, step, total, stepsPerSecond, eta, loss, 100 * clipRate);
          out.flush();
        }
      }

      @Override
      public void message(String text) {
        out.println(text);
        out.flush();
      }

      @Override
      public void close() {}
    };
  }
}
