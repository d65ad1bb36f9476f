package io.alrc.experiments.sweep;

import io.alrc.experiments.sweep.SweepRunner.Action;
import io.alrc.experiments.sweep.SweepRunner.Outcome;
import io.alrc.experiments.sweep.SweepRunner.Plan;
import io.alrc.experiments.sweep.SweepRunner.Status;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a sweep's progress: on a terminal, one progress bar over the steps of all runs with a line
 * above it per run that starts or ends; elsewhere (a log file, a test), plain lines per run and a
 * status line every few seconds.
 */
public final class SweepConsole implements SweepRunner.Listener, AutoCloseable {
  private final PrintWriter out;
  private final PrintStream terminal;
  private final double everySeconds;
  private int total;
  private ProgressBar bar;
  private long lastStatus = System.nanoTime();

  private SweepConsole(PrintWriter out, PrintStream terminal, double everySeconds) {
    this.out = out;
    this.terminal = terminal;
    this.everySeconds = everySeconds;
  }

  /** Plain lines to {@code out}; a status line at most every {@code everySeconds}. */
  public static SweepConsole plain(PrintWriter out, double everySeconds) {
    return new SweepConsole(out, null, everySeconds);
  }

  /** A progress bar on {@code terminal}, with run lines above it. */
  public static SweepConsole bar(PrintStream terminal) {
    return new SweepConsole(new PrintWriter(terminal, true), terminal, 0);
  }

  @Override
  public synchronized void planned(List<Plan> plans) {
    total = plans.size();
    long start = plans.stream().filter(p -> p.action() == Action.START).count();
    long resume = plans.stream().filter(p -> p.action() == Action.RESUME).count();
    long skip = plans.stream().filter(p -> p.action() == Action.SKIP).count();
    line(String.format(Locale.ROOT, "sweep: %d runs: %d to start, %d to resume, %d finished before (skipped)",
        total, start, resume, skip));
    if (terminal != null) {
      long steps = plans.stream().mapToLong(p -> p.run().config().steps()).sum();
      long before = plans.stream().mapToLong(Plan::stepsBefore).sum();
      bar = new ProgressBarBuilder()
          .setTaskName("sweep")
          .setInitialMax(steps)
          .setUnit(" steps", 1)
          .setStyle(ProgressBarStyle.ASCII)
          .setUpdateIntervalMillis(1000)
          .setConsumer(new ConsoleProgressBarConsumer(terminal))
          .startsFrom(before, Duration.ZERO)
          .build();
    }
  }

  @Override
  public synchronized void started(Plan plan) {
    line(prefix(plan) + (plan.action() == Action.RESUME ? "resume " : "start ") + plan.run().name());
  }

  @Override
  public synchronized void ended(Outcome o) {
    Plan p = o.plan();
    String text = switch (o.state()) {
      case FINISHED -> "done " + p.run().name() + " in " + SweepRunner.duration(o.seconds());
      case FAILED -> "FAILED " + p.run().name() + ": exit " + o.exitCode() + ": " + o.detail()
          + " (see " + p.dir().resolve(SweepRunner.FAILED) + ")";
      case INTERRUPTED -> "stopped " + p.run().name();
      case SKIPPED -> "skipped " + p.run().name();
    };
    line(prefix(p) + text);
  }

  @Override
  public synchronized void status(Status s) {
    String runs = String.format(Locale.ROOT, "runs %d/%d ended, %d running, %d failed",
        s.ended(), s.total(), s.running(), s.failed());
    if (bar != null) {
      bar.stepTo(s.stepsDone());
      // short: the bar shrinks to fit the terminal's width
      bar.setExtraMessage(String.format(Locale.ROOT, " %d/%d runs, %d running%s", s.ended(), s.total(),
          s.running(), s.failed() > 0 ? ", " + s.failed() + " failed" : ""));
      return;
    }
    long now = System.nanoTime();
    if ((now - lastStatus) / 1e9 < everySeconds) {
      return;
    }
    lastStatus = now;
    double percent = s.stepsTotal() == 0 ? 100 : 100.0 * s.stepsDone() / s.stepsTotal();
    line(String.format(Locale.ROOT, "sweep: %s, %.1f%% of steps, ETA %s", runs, percent,
        SweepRunner.duration(s.etaSeconds())));
  }

  private String prefix(Plan p) {
    return "[" + p.index() + "/" + total + "] ";
  }

  private void line(String text) {
    if (bar != null) {
      // clear the bar's line, print above it; the bar redraws on its next update
      terminal.print("\r\033[K");
      terminal.println(text);
      terminal.flush();
    } else {
      out.println(text);
      out.flush();
    }
  }

  @Override
  public synchronized void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    out.flush();
  }
}
