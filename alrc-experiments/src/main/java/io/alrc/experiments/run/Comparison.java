package io.alrc.experiments.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The stabilizers side by side: for every configuration group of a report (one row and stabilizer
 * column of the paper-layout table), the final errors over its repeats, the 95% interval of their
 * difference from the same row without a stabilizer ({@code off}), how many repeats diverged, the
 * largest loss, the clip and skip rates, injected spikes and speed.
 *
 * <p><b>Paired or Welch.</b> The arms of a sweep share seeds (the same data order and initial
 * weights), so the comparison is paired: runs of the two arms are matched by the {@code seed} of
 * their {@code config.json}, and the interval is Student's t on the per-seed differences ({@link
 * Difference#paired}). The rule: a seed is matched when each arm has exactly one finished run with
 * it; the interval is paired when at least {@value #MIN_PAIRS} seeds are matched and the matched
 * runs are at least half of each arm's finished runs (the unmatched ones are left out, and counted
 * in the method's label); otherwise, it is Welch's interval over all finished runs of the two arms
 * ({@link Difference#welch}). The table names the method per comparison.
 *
 * <p><b>Diverged runs.</b> A run that {@linkplain RunRecord.Outcome#DIVERGED diverged} has no final
 * error. Final errors (and the intervals) are over the finished runs, with the number of diverged
 * runs beside them ({@code diverged k/n}); a comparison where either arm has a diverged run is
 * {@linkplain Row#flagged() flagged}, and for it a sensitivity interval is computed with each
 * diverged run counted as the worst (largest) final error of any finished run of the two arms
 * ({@link Row#trainImputed()}, {@link Row#testImputed()}): a diverged run is taken to be no better
 * than the worst run that finished. Unfinished runs (running, stopped, killed) and failed ones are
 * left out of both.
 *
 * <p>Errors and rates come from the finished repeats' {@code summary.json}; the largest loss and
 * the injected spikes from every repeat's {@code metrics.csv} (unfinished and diverged ones
 * included: a run that diverged shows its spike).
 */
public final class Comparison {
  /** The confidence level of the intervals. */
  public static final double LEVEL = 0.95;

  /** The column of the runs without a stabilizer, the baseline of each row. */
  public static final String BASELINE = "off";

  /** The fewest seed-matched pairs for a paired interval. */
  public static final int MIN_PAIRS = 2;

  /** The mark of a comparison with a diverged run, in the tables. */
  public static final String FLAG = "†";

  private Comparison() {}

  /**
   * One configuration group.
   *
   * @param row the configuration (the keys that vary, other than the stabilizer's)
   * @param column the stabilizer setting ({@code off}, {@code alrc n=3}, {@code zclip}, ...)
   * @param runs repeats found
   * @param finished repeats with a summary
   * @param diverged repeats that diverged
   * @param train final train errors of the finished repeats
   * @param test final test errors of the finished repeats
   * @param trainVsOff interval of the train error minus the baseline's (paired or Welch); null for
   *     the baseline itself or a row without one
   * @param testVsOff the same for the test error
   * @param flagged whether this group or its baseline has a diverged run (the baseline: whether any
   *     group of its row does)
   * @param trainImputed for a flagged comparison, {@code trainVsOff} with each diverged run counted
   *     as the worst finished final train error of the two arms; else null
   * @param testImputed the same for the test error
   * @param largestLoss the largest per-example loss ({@code max_example_loss}, else the batch's
   *     unadjusted loss) of any step of any repeat; NaN without metrics
   * @param clipRate mean clip fraction (examples for ALRC, steps for gradient stabilizers)
   * @param skipRate skipped (non-finite) steps over all steps of the finished repeats
   * @param injectedPerRun spikes injected per repeat (mean); NaN if the metrics lack the column
   * @param stepsPerSecond mean training speed of the finished repeats
   */
  public record Row(String row, String column, int runs, int finished, int diverged, double[] train,
      double[] test, Difference trainVsOff, Difference testVsOff, boolean flagged,
      Difference trainImputed, Difference testImputed, double largestLoss, double clipRate,
      double skipRate, double injectedPerRun, double stepsPerSecond) {
    /** Whether this is the baseline column. */
    public boolean baseline() {
      return column.equals(BASELINE);
    }

    /** Repeats that neither finished nor diverged (failed for another reason, or unfinished). */
    public int unfinished() {
      return runs - finished - diverged;
    }
  }

  /** Compares every group with the baseline of its row. */
  public static List<Row> of(List<Report.Group> groups) {
    List<Row> rows = new ArrayList<>();
    for (Report.Group g : groups) {
      Optional<Report.Group> off = groups.stream()
          .filter(o -> o.row().equals(g.row()) && o.column().equals(BASELINE))
          .findFirst();
      boolean rowDiverged = groups.stream()
          .anyMatch(o -> o.row().equals(g.row()) && diverged(o) > 0);
      rows.add(row(g, off.filter(o -> o != g).orElse(null), rowDiverged));
    }
    return rows;
  }

  /** Runs of {@code g} that diverged. */
  static int diverged(Report.Group g) {
    return (int) g.runs().stream().filter(r -> r.outcome() == RunRecord.Outcome.DIVERGED).count();
  }

  private static Row row(Report.Group g, Report.Group off, boolean rowDiverged) {
    List<Summary> done = summaries(g);
    double[] train = done.stream().mapToDouble(Summary::finalTrainError).toArray();
    double[] test = done.stream().mapToDouble(Summary::finalTestError).toArray();
    Difference dTrain = null;
    Difference dTest = null;
    Difference iTrain = null;
    Difference iTest = null;
    boolean flagged;
    if (off != null) {
      dTrain = compare(g, off, Summary::finalTrainError, false);
      dTest = compare(g, off, Summary::finalTestError, false);
      flagged = diverged(g) + diverged(off) > 0;
      if (flagged) {
        iTrain = compare(g, off, Summary::finalTrainError, true);
        iTest = compare(g, off, Summary::finalTestError, true);
      }
    } else {
      flagged = g.column().equals(BASELINE) ? rowDiverged : diverged(g) > 0;
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
    return new Row(g.row(), g.column(), g.runs().size(), done.size(), diverged(g), train, test,
        dTrain, dTest, flagged, iTrain, iTest, largest,
        Stats.mean(done.stream().mapToDouble(Summary::clipFraction).toArray()),
        steps == 0 ? Double.NaN : (double) skipped / steps,
        withInjected == 0 ? Double.NaN : injected / withInjected,
        Stats.mean(done.stream().mapToDouble(Summary::stepsPerSecond).toArray()));
  }

  /** A run's value in a comparison: its seed (null if none) and final error. */
  private record Value(String seed, double value) {}

  /**
   * The interval of {@code a} minus {@code b} on the metric {@code of}, by the class's rule.
   *
   * @param impute whether diverged runs count, as the worst finished value of the two arms
   */
  private static Difference compare(Report.Group a, Report.Group b, ToDoubleFunction<Summary> of,
      boolean impute) {
    double worst = Double.NaN;
    if (impute) {
      worst = Stats.max(java.util.stream.Stream.concat(summaries(a).stream(), summaries(b).stream())
          .mapToDouble(of).toArray());
    }
    return compare(values(a, of, worst), values(b, of, worst));
  }

  private static List<Value> values(Report.Group g, ToDoubleFunction<Summary> of, double worst) {
    List<Value> values = new ArrayList<>();
    for (RunRecord r : g.runs()) {
      double v;
      if (r.summary().isPresent()) {
        v = of.applyAsDouble(r.summary().get());
      } else if (r.outcome() == RunRecord.Outcome.DIVERGED && Double.isFinite(worst)) {
        v = worst;
      } else {
        continue;
      }
      if (Double.isFinite(v)) {
        values.add(new Value(r.seed().orElse(null), v));
      }
    }
    return values;
  }

  /** Paired on matched seeds when the rule allows, else Welch (see the class comment). */
  private static Difference compare(List<Value> a, List<Value> b) {
    Map<String, Double> sa = uniqueSeeds(a);
    Map<String, Double> sb = uniqueSeeds(b);
    List<String> matched = sa.keySet().stream().filter(sb::containsKey).toList();
    int m = matched.size();
    if (m >= MIN_PAIRS && 2 * m >= a.size() && 2 * m >= b.size()) {
      double[] x = matched.stream().mapToDouble(sa::get).toArray();
      double[] y = matched.stream().mapToDouble(sb::get).toArray();
      return Difference.paired(x, y, LEVEL, a.size() - m + b.size() - m);
    }
    return Difference.welch(a.stream().mapToDouble(Value::value).toArray(),
        b.stream().mapToDouble(Value::value).toArray(), LEVEL);
  }

  /** Seed to value, for the seeds that occur exactly once (in order of first occurrence). */
  private static Map<String, Double> uniqueSeeds(List<Value> values) {
    Map<String, Integer> count = new LinkedHashMap<>();
    for (Value v : values) {
      if (v.seed() != null) {
        count.merge(v.seed(), 1, Integer::sum);
      }
    }
    Map<String, Double> unique = new LinkedHashMap<>();
    for (Value v : values) {
      if (v.seed() != null && count.get(v.seed()) == 1) {
        unique.put(v.seed(), v.value());
      }
    }
    return unique;
  }

  private static List<Summary> summaries(Report.Group g) {
    return g.runs().stream().flatMap(r -> r.summary().stream()).toList();
  }

  /** The comparison as a Markdown section (heading, legend, table, notes on diverged runs). */
  public static String markdown(List<Row> rows) {
    StringBuilder md = new StringBuilder();
    md.append("## Stabilizer comparison\n\n");
    md.append("Final errors: mean +/- sd over finished repeats. d vs off: the stabilizer's final error"
        + " minus the same configuration's without a stabilizer (negative: lower error), with its 95%"
        + " t interval; * the interval excludes 0. Interval: paired (Student t on the differences of"
        + " runs with the same seed, which share data order and initial weights) where at least "
        + MIN_PAIRS + " seeds have a finished run in both arms and these are at least half of each"
        + " arm's finished runs, else Welch (two independent samples). Diverged: runs that stopped at"
        + " the limit of non-finite steps in a row; they have no final error and are not in the means"
        + " or intervals, and " + FLAG + " marks a comparison with a diverged run in either arm (see"
        + " Diverged runs below). Largest loss: the largest per-example loss of any"
        + " step of any repeat (after the safeguard, before the stabilizer). Clip rate: examples"
        + " (ALRC) or steps (gradient stabilizers) clipped; skipped: steps skipped as non-finite;"
        + " injected: spikes injected per run.\n\n");
    md.append("| configuration | stabilizer | finished | diverged | final train | d train vs off | final test"
        + " | d test vs off | interval | largest loss | clip rate | skipped | injected/run | steps/s |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      String flag = r.flagged() ? " " + FLAG : "";
      md.append("| ").append(r.row()).append(" | ").append(r.column()).append(" | ")
          .append(r.finished()).append('/').append(r.runs()).append(" | ")
          .append(r.diverged()).append('/').append(r.runs()).append(" | ")
          .append(meanSd(r)).append(" | ").append(diff(r, r.trainVsOff())).append(flag).append(" | ")
          .append(meanSd(r.test(), r)).append(" | ").append(diff(r, r.testVsOff())).append(flag).append(" | ")
          .append(method(r)).append(" | ")
          .append(Report.num(r.largestLoss())).append(" | ")
          .append(percent(r.clipRate())).append(" | ")
          .append(percent(r.skipRate())).append(" | ")
          .append(Double.isNaN(r.injectedPerRun()) ? "-" : String.format(Locale.ROOT, "%.3g", r.injectedPerRun()))
          .append(" | ")
          .append(Double.isNaN(r.stepsPerSecond()) ? "-" : String.format(Locale.ROOT, "%.2f", r.stepsPerSecond()))
          .append(" |\n");
    }
    md.append('\n');
    md.append(divergedNotes(rows));
    return md.toString();
  }

  /**
   * The flagged comparisons, one phrase each ({@code batch=1 | alrc n=3 vs off}); empty if none.
   */
  public static List<String> affected(List<Row> rows) {
    List<String> out = new ArrayList<>();
    for (Row r : rows) {
      if (r.flagged() && r.trainVsOff() != null) {
        out.add(label(r) + " vs " + BASELINE);
      }
    }
    return out;
  }

  /** The section "Diverged runs": per flagged comparison, the counts and the imputed intervals. */
  static String divergedNotes(List<Row> rows) {
    StringBuilder md = new StringBuilder();
    for (Row r : rows) {
      if (!r.flagged() || r.trainVsOff() == null) {
        continue;
      }
      Row base = rows.stream()
          .filter(o -> o.row().equals(r.row()) && o.baseline())
          .findFirst()
          .orElse(null);
      md.append("- ").append(FLAG).append(' ').append(label(r)).append(" vs ").append(BASELINE).append(": ").append(r.column()).append(" diverged ")
          .append(r.diverged()).append('/').append(r.runs());
      if (base != null) {
        md.append(", ").append(BASELINE).append(" diverged ").append(base.diverged()).append('/')
            .append(base.runs());
      }
      md.append(". Over the finished runs: d train ").append(diff(r, r.trainVsOff()))
          .append(", d test ").append(diff(r, r.testVsOff())).append(" (").append(method(r))
          .append("). With each diverged run counted as the worst finished final error of the two"
              + " arms: d train ")
          .append(diff(r, r.trainImputed())).append(", d test ").append(diff(r, r.testImputed()))
          .append(" (").append(r.testImputed() == null || !r.testImputed().defined()
              ? "-" : r.testImputed().label())
          .append(").\n");
    }
    if (md.length() == 0) {
      return "";
    }
    return "### Diverged runs\n\n" + md + "\n";
  }

  /** {@code ROW | COLUMN}, or the column alone when the report has one row ({@code all runs}). */
  private static String label(Row r) {
    return r.row().equals("all runs") ? r.column() : r.row() + " | " + r.column();
  }

  /** The comparison as CSV, one line per row, labels quoted. */
  public static String csv(List<Row> rows) {
    StringBuilder csv = new StringBuilder(
        "configuration,stabilizer,runs,finished,train_mean,train_sd,test_mean,test_sd,"
            + "d_train,d_train_low,d_train_high,d_train_df,d_test,d_test_low,d_test_high,d_test_df,"
            + "largest_loss,clip_rate,skip_rate,injected_per_run,steps_per_second,"
            + "diverged,unfinished,method,pairs,unmatched,flagged,"
            + "d_train_imputed,d_train_imputed_low,d_train_imputed_high,"
            + "d_test_imputed,d_test_imputed_low,d_test_imputed_high\n");
    for (Row r : rows) {
      csv.append(quote(r.row())).append(',').append(quote(r.column())).append(',')
          .append(r.runs()).append(',').append(r.finished());
      for (double x : new double[] {Stats.mean(r.train()), Stats.sd(r.train()), Stats.mean(r.test()),
          Stats.sd(r.test())}) {
        csv.append(',').append(value(x));
      }
      for (Difference d : new Difference[] {r.trainVsOff(), r.testVsOff()}) {
        csv.append(',').append(value(d == null ? Double.NaN : d.difference()))
            .append(',').append(value(d == null ? Double.NaN : d.lower()))
            .append(',').append(value(d == null ? Double.NaN : d.upper()))
            .append(',').append(value(d == null ? Double.NaN : d.df()));
      }
      for (double x : new double[] {r.largestLoss(), r.clipRate(), r.skipRate(), r.injectedPerRun(),
          r.stepsPerSecond()}) {
        csv.append(',').append(value(x));
      }
      Difference d = r.testVsOff();
      csv.append(',').append(r.diverged()).append(',').append(r.unfinished()).append(',')
          .append(d == null ? "" : d.method().name().toLowerCase(Locale.ROOT)).append(',')
          .append(d == null || d.method() != Difference.Method.PAIRED ? "" : String.valueOf(d.na()))
          .append(',').append(d == null ? "" : String.valueOf(d.leftOut()))
          .append(',').append(r.flagged() ? 1 : 0);
      for (Difference i : new Difference[] {r.trainImputed(), r.testImputed()}) {
        csv.append(',').append(value(i == null ? Double.NaN : i.difference()))
            .append(',').append(value(i == null ? Double.NaN : i.lower()))
            .append(',').append(value(i == null ? Double.NaN : i.upper()));
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

  private static String meanSd(Row r) {
    return meanSd(r.train(), r);
  }

  private static String meanSd(double[] v, Row r) {
    if (v.length == 0) {
      return r.diverged() > 0 ? "diverged " + r.diverged() + "/" + r.runs() : "unfinished";
    }
    return Report.num(Stats.mean(v)) + " +/- " + Report.num(Stats.sd(v));
  }

  /** The method of the row's intervals ({@code paired, n = 5}, {@code Welch, n = 3 and 4}), or -. */
  static String method(Row r) {
    Difference d = r.testVsOff() != null && r.testVsOff().defined() ? r.testVsOff() : r.trainVsOff();
    return d == null || !d.defined() ? "-" : d.label();
  }

  /** {@code -0.1234 [-0.2, -0.05]*}, {@code baseline}, or why there is no interval. */
  static String diff(Row r, Difference d) {
    if (r.baseline()) {
      return "baseline";
    }
    if (d == null) {
      return r.trainVsOff() == null ? "no off runs" : "-";
    }
    if (!d.defined()) {
      return Math.min(d.na(), d.nb()) == 0 ? "no finished runs" : "needs 2+ repeats";
    }
    return Report.num(d.difference()) + " [" + Report.num(d.lower()) + ", " + Report.num(d.upper()) + "]"
        + (d.excludesZero() ? "*" : "");
  }

  private static String percent(double x) {
    return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * x);
  }
}
