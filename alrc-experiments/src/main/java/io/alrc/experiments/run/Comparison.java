package io.alrc.experiments.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The stabilizers side by side: for every configuration group of a report (one row and stabilizer
 * column of the paper-layout table), the final errors over its repeats, the 95% Welch t interval of
 * their difference from the same row without a stabilizer ({@code off}), the largest loss, the
 * clip and skip rates, injected spikes and speed.
 *
 * <p>Errors and rates come from the finished repeats' {@code summary.json}; the largest loss and
 * the injected spikes from every repeat's {@code metrics.csv} (unfinished ones included: a run
 * that diverged shows its spike).
 */
public final class Comparison {
  /** The confidence level of the intervals. */
  public static final double LEVEL = 0.95;

  /** The column of the runs without a stabilizer, the baseline of each row. */
  public static final String BASELINE = "off";

  private Comparison() {}

  /**
   * One configuration group.
   *
   * @param row the configuration (the keys that vary, other than the stabilizer's)
   * @param column the stabilizer setting ({@code off}, {@code alrc n=3}, {@code zclip}, ...)
   * @param runs repeats found
   * @param finished repeats with a summary
   * @param train final train errors of the finished repeats
   * @param test final test errors of the finished repeats
   * @param trainVsOff interval of mean train error minus the baseline's; null for the baseline
   *     itself or a row without one
   * @param testVsOff the same for the test error
   * @param largestLoss the largest per-example loss ({@code max_example_loss}, else the batch's
   *     unadjusted loss) of any step of any repeat; NaN without metrics
   * @param clipRate mean clip fraction (examples for ALRC, steps for gradient stabilizers)
   * @param skipRate skipped (non-finite) steps over all steps of the finished repeats
   * @param injectedPerRun spikes injected per repeat (mean); NaN if the metrics lack the column
   * @param stepsPerSecond mean training speed of the finished repeats
   */
  public record Row(String row, String column, int runs, int finished, double[] train, double[] test,
      Welch trainVsOff, Welch testVsOff, double largestLoss, double clipRate, double skipRate,
      double injectedPerRun, double stepsPerSecond) {
    /** Whether this is the baseline column. */
    public boolean baseline() {
      return column.equals(BASELINE);
    }
  }

  /** Compares every group with the baseline of its row. */
  public static List<Row> of(List<Report.Group> groups) {
    List<Row> rows = new ArrayList<>();
    for (Report.Group g : groups) {
      Optional<Report.Group> off = groups.stream()
          .filter(o -> o.row().equals(g.row()) && o.column().equals(BASELINE))
          .findFirst();
      rows.add(row(g, off.filter(o -> o != g).orElse(null)));
    }
    return rows;
  }

  private static Row row(Report.Group g, Report.Group off) {
    List<Summary> done = summaries(g);
    double[] train = done.stream().mapToDouble(Summary::finalTrainError).toArray();
    double[] test = done.stream().mapToDouble(Summary::finalTestError).toArray();
    Welch dTrain = null;
    Welch dTest = null;
    if (off != null) {
      List<Summary> base = summaries(off);
      dTrain = Welch.interval(train, base.stream().mapToDouble(Summary::finalTrainError).toArray(), LEVEL);
      dTest = Welch.interval(test, base.stream().mapToDouble(Summary::finalTestError).toArray(), LEVEL);
    }
    double largest = Double.NaN;
    double injected = 0;
    int withInjected = 0;
    for (RunRecord r : g.runs()) {
      CsvTable m;
      try {
        m = r.metrics();
      } catch (RuntimeException e) {
        continue; // no or unreadable metrics: nothing to add
      }
      String column = m.has("max_example_loss") ? "max_example_loss" : "unadjusted_loss";
      if (m.has(column)) {
        double max = Stats.max(m.column(column));
        if (Double.isFinite(max)) {
          largest = Double.isNaN(largest) ? max : Math.max(largest, max);
        }
      }
      if (m.has("injected")) {
        injected += Arrays.stream(m.column("injected")).filter(x -> x >= 0).count();
        withInjected++;
      }
    }
    for (Summary s : done) {
      if (Double.isFinite(s.maxLoss())) {
        largest = Double.isNaN(largest) ? s.maxLoss() : Math.max(largest, s.maxLoss());
      }
    }
    long steps = done.stream().mapToLong(Summary::steps).sum();
    long skipped = done.stream().mapToLong(Summary::skippedSteps).sum();
    return new Row(g.row(), g.column(), g.runs().size(), done.size(), train, test, dTrain, dTest,
        largest,
        Stats.mean(done.stream().mapToDouble(Summary::clipFraction).toArray()),
        steps == 0 ? Double.NaN : (double) skipped / steps,
        withInjected == 0 ? Double.NaN : injected / withInjected,
        Stats.mean(done.stream().mapToDouble(Summary::stepsPerSecond).toArray()));
  }

  private static List<Summary> summaries(Report.Group g) {
    return g.runs().stream().flatMap(r -> r.summary().stream()).toList();
  }

  /** The comparison as a Markdown section (heading, legend, table). */
  public static String markdown(List<Row> rows) {
    StringBuilder md = new StringBuilder();
    md.append("## Stabilizer comparison\n\n");
    md.append("Final errors: mean +/- sd over finished repeats. d vs off: the stabilizer's mean minus the"
        + " same configuration's without a stabilizer (negative: lower error), with its 95% Welch t"
        + " interval; * the interval excludes 0. Largest loss: the largest per-example loss of any"
        + " step of any repeat (after the safeguard, before the stabilizer). Clip rate: examples"
        + " (ALRC) or steps (gradient stabilizers) clipped; skipped: steps skipped as non-finite;"
        + " injected: spikes injected per run.\n\n");
    md.append("| configuration | stabilizer | runs | final train | d train vs off | final test"
        + " | d test vs off | largest loss | clip rate | skipped | injected/run | steps/s |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      md.append("| ").append(r.row()).append(" | ").append(r.column()).append(" | ")
          .append(r.finished()).append('/').append(r.runs()).append(" | ")
          .append(meanSd(r.train())).append(" | ").append(diff(r, r.trainVsOff())).append(" | ")
          .append(meanSd(r.test())).append(" | ").append(diff(r, r.testVsOff())).append(" | ")
          .append(Report.num(r.largestLoss())).append(" | ")
          .append(percent(r.clipRate())).append(" | ")
          .append(percent(r.skipRate())).append(" | ")
          .append(Double.isNaN(r.injectedPerRun()) ? "-" : String.format(Locale.ROOT, "%.3g", r.injectedPerRun()))
          .append(" | ")
          .append(Double.isNaN(r.stepsPerSecond()) ? "-" : String.format(Locale.ROOT, "%.2f", r.stepsPerSecond()))
          .append(" |\n");
    }
    return md.append('\n').toString();
  }

  /** The comparison as CSV, one line per row, labels quoted. */
  public static String csv(List<Row> rows) {
    StringBuilder csv = new StringBuilder(
        "configuration,stabilizer,runs,finished,train_mean,train_sd,test_mean,test_sd,"
            + "d_train,d_train_low,d_train_high,d_train_df,d_test,d_test_low,d_test_high,d_test_df,"
            + "largest_loss,clip_rate,skip_rate,injected_per_run,steps_per_second\n");
    for (Row r : rows) {
      csv.append(quote(r.row())).append(',').append(quote(r.column())).append(',')
          .append(r.runs()).append(',').append(r.finished());
      for (double x : new double[] {Stats.mean(r.train()), Stats.sd(r.train()), Stats.mean(r.test()),
          Stats.sd(r.test())}) {
        csv.append(',').append(value(x));
      }
      for (Welch w : new Welch[] {r.trainVsOff(), r.testVsOff()}) {
        Welch v = w == null ? Welch.UNDEFINED : w;
        csv.append(',').append(value(v.difference())).append(',').append(value(v.lower()))
            .append(',').append(value(v.upper())).append(',').append(value(v.df()));
      }
      for (double x : new double[] {r.largestLoss(), r.clipRate(), r.skipRate(), r.injectedPerRun(),
          r.stepsPerSecond()}) {
        csv.append(',').append(value(x));
      }
      csv.append('\n');
    }
    return csv.toString();
  }

  private static String value(double x) {
    return Double.isNaN(x) ? "" : String.valueOf(x);
  }

  private static String quote(String s) {
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  private static String meanSd(double[] v) {
    if (v.length == 0) {
      return "unfinished";
    }
    return Report.num(Stats.mean(v)) + " +/- " + Report.num(Stats.sd(v));
  }

  /** {@code -0.1234 [-0.2, -0.05]*}, {@code baseline}, or why there is no interval. */
  static String diff(Row r, Welch w) {
    if (r.baseline()) {
      return "baseline";
    }
    if (w == null) {
      return "no off runs";
    }
    if (!w.defined()) {
      return "needs 2+ repeats";
    }
    return Report.num(w.difference()) + " [" + Report.num(w.lower()) + ", " + Report.num(w.upper()) + "]"
        + (w.excludesZero() ? "*" : "");
  }

  private static String percent(double x) {
    return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * x);
  }
}
