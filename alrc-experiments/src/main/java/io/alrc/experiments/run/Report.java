package io.alrc.experiments.run;

import io.alrc.snapshot.AtomicFiles;
import io.alrc.experiments.train.Stabilizer;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Learning curves and tables of final errors over run directories, in the paper's layout.
 *
 * <p>Runs whose configurations differ only in the seed (and other keys of {@link
 * RunRecord#NOT_CONFIGURATION}) are repeats of one configuration: their curves are drawn as the
 * mean with a band of one standard deviation, and their final errors as mean +/- sd. Tables have
 * one row per value of the configuration keys that vary (e.g. loss and batch) and one column per
 * stabilizer setting ({@code off}, {@code alrc n=2}, ...). A {@link Comparison} of each group with the
 * same row without a stabilizer follows the tables (also written to {@code comparison.csv}).
 */
public final class Report {
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    new Color(0xbcbd22), new Color(0x17becf)
  };

  private Report() {}

  /** A group of repeats of one configuration. */
  public record Group(String label, String row, String column, List<RunRecord> runs) {}

  /**
   * What {@link #write} produced.
   *
   * @param markdown {@code report.md}
   * @param images the learning-curve PNGs
   * @param groups the configuration groups
   * @param comparison the stabilizer comparison, one row per group (also in {@code
   *     comparison.csv})
   * @param leftOut the runs left out of the report, or of some of its curves, and why (also in
   *     {@code report.md}, section "Left out")
   */
  public record Result(Path markdown, List<Path> images, List<Group> groups,
      List<Comparison.Row> comparison, List<Problem> leftOut) {}

  /**
   * A run the report leaves out, or whose curves it leaves out, and why.
   *
   * @param dir the run directory
   * @param what what is left out: {@code the run}, {@code its training curve} or {@code its test
   *     curve}
   * @param reason why, naming the file and what is wrong with it
   */
  public record Problem(Path dir, String what, String reason) {
    /** {@code DIR: WHAT is left out: REASON}, control characters escaped. */
    @Override
    public String toString() {
      return io.alrc.experiments.data.Printable.escape(dir + ": " + what + " is left out: " + reason);
    }
  }

  /** The tables of one run the report could read: either may be null. */
  private record Tables(CsvTable metrics, CsvTable eval) {}

  /** The columns a training curve needs in {@code metrics.csv}. */
  static final List<String> METRICS_COLUMNS = List.of("step", "unadjusted_loss");

  /** The columns a test curve needs in {@code eval.csv}. */
  static final List<String> EVAL_COLUMNS = List.of("step", "test_error");

  /**
   * Configuration keys of the stabilizers: they make up a group's column, not its row. Parameters
   * of one stabilizer are shown in the column only where they vary between that stabilizer's
   * groups (e.g. {@code alrc n=3 (profile=cifar2019)}).
   */
  public static final Set<String> STABILIZER_KEYS = stabilizerKeys();

  private static Set<String> stabilizerKeys() {
    Set<String> keys = new java.util.TreeSet<>(Set.of("stabilizer"));
    Stabilizer.allParams().forEach(p -> keys.add(p.key()));
    return Set.copyOf(keys);
  }

  /**
   * Reads the runs, groups repeats, and writes {@code report.md} and PNG learning curves into
   * {@code outDir}; see {@link #write(List, List, Path, int)}.
   */
  public static Result write(List<RunRecord> runs, Path outDir, int boxcar) throws IOException {
    return write(runs, List.of(), outDir, boxcar);
  }

  /**
   * Reads the runs, groups repeats, and writes {@code report.md} and PNG learning curves into
   * {@code outDir}.
   *
   * <p>A run whose {@code metrics.csv} is missing, empty, not a numeric CSV or without the columns
   * {@code step} and {@code unadjusted_loss} gets no training curve; one whose {@code eval.csv} is
   * unreadable or without {@code step} and {@code test_error} gets no test curve. A run with
   * neither curve nor {@code summary.json} is left out of the report. Each such case is in {@link
   * Result#leftOut()} and in the section "Left out" of {@code report.md}, with the reason.
   *
   * @param runs run directories
   * @param unreadable runs the caller could not read at all (a broken {@code config.json}), for
   *     the section "Left out"
   * @param outDir where to write (created)
   * @param boxcar the boxcar window in steps for training curves; 0 picks 1/50 of the run
   * @throws IllegalArgumentException if no run is usable (the message lists why), or there are no
   *     runs
   */
  public static Result write(List<RunRecord> runs, List<Problem> unreadable, Path outDir, int boxcar)
      throws IOException {
    if (runs.isEmpty() && unreadable.isEmpty()) {
      throw new IllegalArgumentException("no run directories to report on");
    }
    List<Problem> leftOut = new ArrayList<>(unreadable);
    Map<Path, Tables> tables = new LinkedHashMap<>();
    List<RunRecord> usable = new ArrayList<>();
    for (RunRecord r : runs) {
      List<Problem> problems = new ArrayList<>();
      CsvTable metrics = readTable(r, r.dir().resolve("metrics.csv"), METRICS_COLUMNS, true,
          "its training curve", problems);
      CsvTable eval = readTable(r, r.dir().resolve("eval.csv"), EVAL_COLUMNS, false,
          "its test curve", problems);
      if (metrics == null && eval == null && r.summary().isEmpty()) {
        List<String> reasons = problems.stream().map(Problem::reason).collect(Collectors.toList());
        reasons.add("no summary.json (unfinished)");
        leftOut.add(new Problem(r.dir(), "the run", String.join("; ", reasons)));
        continue;
      }
      leftOut.addAll(problems);
      tables.put(r.dir(), new Tables(metrics, eval));
      usable.add(r);
    }
    if (usable.isEmpty()) {
      throw new IllegalArgumentException("no usable run to report on: "
          + leftOut.stream().map(Problem::toString).collect(Collectors.joining("; ")));
    }
    Files.createDirectories(outDir);
    List<Group> groups = group(usable);
    List<Path> images = new ArrayList<>();
    Map<String, List<Group>> byRow = new LinkedHashMap<>();
    for (Group g : groups) {
      byRow.computeIfAbsent(g.row(), k -> new ArrayList<>()).add(g);
    }
    int figure = 0;
    for (Map.Entry<String, List<Group>> e : byRow.entrySet()) {
      figure++;
      String suffix = byRow.size() == 1 ? "" : "-" + figure;
      Path train = outDir.resolve("train-curves" + suffix + ".png");
      if (trainCurves(e.getKey(), e.getValue(), boxcar, train, tables, leftOut)) {
        images.add(train);
      }
      Path test = outDir.resolve("test-curves" + suffix + ".png");
      if (testCurves(e.getKey(), e.getValue(), test, tables, leftOut)) {
        images.add(test);
      }
    }
    List<Comparison.Row> comparison = Comparison.of(groups);
    RunFiles.writeText(outDir.resolve("comparison.csv"), Comparison.csv(comparison));
    Path md = outDir.resolve("report.md");
    RunFiles.writeText(md, markdown(groups, images, outDir, comparison) + leftOutSection(leftOut));
    return new Result(md, images, groups, comparison, List.copyOf(leftOut));
  }

  /**
   * Reads one CSV of a run and checks its columns; on a problem records it and returns null.
   *
   * @param required whether a missing file is a problem (metrics.csv) or normal (eval.csv of a run
   *     that never evaluated)
   */
  private static CsvTable readTable(RunRecord r, Path file, List<String> columns, boolean required,
      String what, List<Problem> problems) {
    String name = file.getFileName().toString();
    if (!Files.exists(file)) {
      if (required) {
        problems.add(new Problem(r.dir(), what, name + " is missing"));
      }
      return null;
    }
    CsvTable table;
    try {
      table = CsvTable.read(file);
    } catch (RuntimeException e) {
      String m = String.valueOf(e.getMessage());
      String prefix = file.toString();
      problems.add(new Problem(r.dir(), what,
          name + (m.startsWith(prefix) ? m.substring(prefix.length()) : ": " + m)));
      return null;
    }
    List<String> missing = columns.stream().filter(c -> !table.has(c)).toList();
    if (!missing.isEmpty()) {
      problems.add(new Problem(r.dir(), what, name + " has no column " + String.join(", ", missing)
          + " (its header: " + String.join(",", table.header()) + ")"));
      return null;
    }
    if (table.rows() == 0) {
      if (required) {
        problems.add(new Problem(r.dir(), what, name + " has no rows"));
      }
      return null;
    }
    double[] steps = table.column("step");
    for (int i = 0; i < steps.length; i++) {
      if (!(steps[i] >= 0 && steps[i] <= MAX_STEP)) {
        problems.add(new Problem(r.dir(), what, name + " row " + (i + 1) + ": step " + steps[i]
            + " is not a step number (0 to " + (long) MAX_STEP + ")"));
        return null;
      }
    }
    return table;
  }

  /** The largest step number a curve may show. */
  static final double MAX_STEP = 1e12;

  /**
   * The range of values the log-scale charts show; a value outside it is drawn at its bound (a
   * diverged run's 1e35, say), as the chart library cannot scale hundreds of decades.
   */
  static final double MIN_SHOWN = 1e-30;

  /** See {@link #MIN_SHOWN}. */
  static final double MAX_SHOWN = 1e30;

  private static String leftOutSection(List<Problem> leftOut) {
    if (leftOut.isEmpty()) {
      return "";
    }
    StringBuilder md = new StringBuilder("\n## Left out\n\n");
    for (Problem p : leftOut) {
      md.append("- ").append(p).append('\n');
    }
    return md.toString();
  }

  /** Groups repeats and derives row and column labels from the keys that vary. */
  public static List<Group> group(List<RunRecord> runs) {
    Map<Map<String, String>, List<RunRecord>> byConfig = new LinkedHashMap<>();
    for (RunRecord r : runs) {
      byConfig.computeIfAbsent(r.configurationKey(), k -> new ArrayList<>()).add(r);
    }
    Set<String> varying = new LinkedHashSet<>();
    Set<String> allKeys = new LinkedHashSet<>();
    byConfig.keySet().forEach(k -> allKeys.addAll(k.keySet()));
    for (String key : allKeys) {
      Set<String> values =
          byConfig.keySet().stream().map(k -> k.getOrDefault(key, "")).collect(Collectors.toSet());
      if (values.size() > 1) {
        varying.add(key);
      }
    }
    // the default decay steps follow from the batch size: not worth a label of their own
    if (varying.contains("batch") && determines(byConfig.keySet(), "batch", "lr_decay_steps")) {
      varying.remove("lr_decay_steps");
    }
    // per stabilizer, its parameters that vary between its groups
    Map<String, Set<String>> stabilizerVarying = new LinkedHashMap<>();
    for (Map<String, String> config : byConfig.keySet()) {
      String s = config.getOrDefault("stabilizer", "none");
      Set<String> keys = stabilizerVarying.computeIfAbsent(s, k -> new LinkedHashSet<>());
      for (String key : allKeys) {
        if (isStabilizerKey(key) && !key.equals("stabilizer") && !key.equals(RunRecord.labelKey(s))) {
          long values = byConfig.keySet().stream()
              .filter(c -> c.getOrDefault("stabilizer", "none").equals(s))
              .map(c -> c.getOrDefault(key, ""))
              .distinct()
              .count();
          if (values > 1) {
            keys.add(key);
          }
        }
      }
    }
    List<Group> groups = new ArrayList<>();
    for (Map.Entry<Map<String, String>, List<RunRecord>> e : byConfig.entrySet()) {
      RunRecord first = e.getValue().get(0);
      String stabilizer = e.getKey().getOrDefault("stabilizer", "none");
      List<String> rowParts = new ArrayList<>();
      List<String> otherStabilizerParts = new ArrayList<>();
      for (String key : varying) {
        if (!isStabilizerKey(key)) {
          rowParts.add(key + "=" + e.getKey().getOrDefault(key, ""));
        }
      }
      for (String key : stabilizerVarying.get(e.getKey().getOrDefault("stabilizer", "none"))) {
        otherStabilizerParts.add(key + "=" + e.getKey().getOrDefault(key, ""));
      }
      String column = first.stabilizerLabel();
      if (!otherStabilizerParts.isEmpty()) {
        column += " (" + String.join(", ", otherStabilizerParts) + ")";
      }
      String row = rowParts.isEmpty() ? "all runs" : String.join(", ", rowParts);
      groups.add(new Group(row.equals("all runs") ? column : row + " | " + column, row, column,
          e.getValue()));
    }
    groups.sort(Comparator.comparing(Group::row).thenComparing(Group::column, Report::compareColumns));
    return groups;
  }

  private static boolean isStabilizerKey(String key) {
    return STABILIZER_KEYS.contains(key) || key.startsWith("stabilizer_");
  }

  /** Whether the value of {@code key} determines that of {@code dependent} in every configuration. */
  private static boolean determines(Set<Map<String, String>> configs, String key, String dependent) {
    Map<String, String> seen = new java.util.HashMap<>();
    for (Map<String, String> c : configs) {
      String before = seen.putIfAbsent(c.getOrDefault(key, ""), c.getOrDefault(dependent, ""));
      if (before != null && !before.equals(c.getOrDefault(dependent, ""))) {
        return false;
      }
    }
    return true;
  }

  private static int compareColumns(String a, String b) {
    boolean offA = a.startsWith("off");
    boolean offB = b.startsWith("off");
    if (offA != offB) {
      return offA ? -1 : 1;
    }
    return a.compareTo(b);
  }

  private static String markdown(List<Group> groups, List<Path> images, Path outDir,
      List<Comparison.Row> comparison) {
    StringBuilder md = new StringBuilder();
    md.append("# Report\n\n");
    int runs = groups.stream().mapToInt(g -> g.runs().size()).sum();
    md.append(String.format(Locale.ROOT, "%d runs in %d configurations. ", runs, groups.size()));
    md.append("Final errors are mean +/- sd over repeats (n = number of finished repeats). ");
    md.append("Train error: mean unadjusted loss over the last 10% of steps; test error: at the end.");
    md.append(" Steps with an injected spike are left out of the train error, the largest loss and the");
    md.append(" training curves: their loss measures the corruption, not the model.\n\n");
    List<String> columns = new ArrayList<>();
    for (Group g : groups) {
      if (!columns.contains(g.column())) {
        columns.add(g.column());
      }
    }
    columns.sort(Report::compareColumns);
    Map<String, Map<String, Group>> table = new TreeMap<>();
    for (Group g : groups) {
      table.computeIfAbsent(g.row(), k -> new LinkedHashMap<>()).put(g.column(), g);
    }
    for (String which : List.of("train", "test")) {
      md.append("## Final ").append(which).append(" error\n\n| |");
      for (String c : columns) {
        md.append(' ').append(c).append(" |");
      }
      md.append("\n|---|");
      md.append("---|".repeat(columns.size()));
      md.append('\n');
      for (Map.Entry<String, Map<String, Group>> row : table.entrySet()) {
        md.append("| ").append(row.getKey()).append(" |");
        for (String c : columns) {
          Group g = row.getValue().get(c);
          md.append(' ').append(g == null ? "" : cell(g, which.equals("train"))).append(" |");
        }
        md.append('\n');
      }
      md.append('\n');
    }
    md.append(Comparison.markdown(comparison));
    md.append("## Runs\n\n| configuration | stabilizer | run | steps | final train | final test | clip fraction"
        + " | max loss | steps/s |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    for (Group g : groups) {
      for (RunRecord r : g.runs()) {
        md.append("| ").append(g.row()).append(" | ").append(g.column()).append(" | ")
            .append(r.dir().getFileName()).append(" | ");
        if (r.summary().isPresent()) {
          Summary s = r.summary().get();
          md.append(String.format(Locale.ROOT, "%d | %s | %s | %.4f | %s | %.2f |",
              s.steps(), num(s.finalTrainError()), num(s.finalTestError()), s.clipFraction(),
              num(s.maxLoss()), s.stepsPerSecond()));
        } else if (Files.isRegularFile(r.dir().resolve("failed.txt"))) {
          md.append("failed (see failed.txt) | | | | | |");
        } else {
          md.append("unfinished | | | | | |");
        }
        md.append('\n');
      }
    }
    if (!images.isEmpty()) {
      md.append("\n## Learning curves\n\n");
      for (Path p : images) {
        md.append("![").append(p.getFileName()).append("](").append(outDir.relativize(p)).append(")\n\n");
      }
    }
    return md.toString();
  }

  private static String cell(Group g, boolean train) {
    double[] v =
        g.runs().stream()
            .filter(r -> r.summary().isPresent())
            .mapToDouble(r -> train ? r.summary().get().finalTrainError() : r.summary().get().finalTestError())
            .toArray();
    if (v.length == 0) {
      return "unfinished";
    }
    return num(Stats.mean(v)) + " +/- " + num(Stats.sd(v)) + " (n=" + v.length + ")";
  }

  /** Four significant digits, plain or scientific. */
  static String num(double x) {
    if (!Double.isFinite(x)) {
      return String.valueOf(x);
    }
    double a = Math.abs(x);
    if (a != 0 && (a < 1e-3 || a >= 1e5)) {
      return String.format(Locale.ROOT, "%.3e", x);
    }
    return String.format(Locale.ROOT, "%.4g", x);
  }

  /** One run's curve: its steps and values. */
  private record Curve(double[] steps, double[] values) {}

  private static boolean trainCurves(String title, List<Group> groups, int boxcar, Path out,
      Map<Path, Tables> tables, List<Problem> problems) throws IOException {
    return curves(
        title.equals("all runs") ? "Training loss" : "Training loss: " + title,
        "unadjusted loss (boxcar mean)",
        groups,
        out,
        r -> {
          CsvTable m = tables.get(r.dir()).metrics();
          if (m == null) {
            return null;
          }
          int window = boxcar > 0 ? boxcar : Math.max(1, m.rows() / 50);
          return new Curve(m.column("step"), Stats.boxcar(unadjustedWithoutInjected(m), window));
        },
        problems);
  }

  private static boolean testCurves(String title, List<Group> groups, Path out,
      Map<Path, Tables> tables, List<Problem> problems) throws IOException {
    return curves(
        title.equals("all runs") ? "Test error" : "Test error: " + title,
        "test error",
        groups,
        out,
        r -> {
          CsvTable e = tables.get(r.dir()).eval();
          return e == null || e.rows() == 0
              ? null
              : new Curve(e.column("step"), e.column("test_error"));
        },
        problems);
  }

  /**
   * One chart with a curve per group (the mean of its runs' curves, cut to the shortest, with a
   * +/- 1 sd band); runs without a curve are left out. Returns whether anything was drawn.
   */
  private static boolean curves(String title, String yLabel, List<Group> groups, Path out,
      java.util.function.Function<RunRecord, Curve> curveOf, List<Problem> problems) throws IOException {
    XYChart chart = chart(title, "step", yLabel);
    int color = 0;
    boolean any = false;
    for (Group g : groups) {
      List<double[]> values = new ArrayList<>();
      double[] steps = null;
      for (RunRecord r : g.runs()) {
        Curve c = curveOf.apply(r);
        if (c == null) {
          continue;
        }
        if (steps == null || c.steps().length < steps.length) {
          steps = c.steps();
        }
        values.add(c.values());
      }
      if (values.isEmpty()) {
        continue;
      }
      if (addBand(chart, g.column(), steps, values, PALETTE[color % PALETTE.length])) {
        color++;
        any = true;
      }
    }
    if (!any) {
      return false;
    }
    byte[] png;
    try {
      png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (RuntimeException e) {
      // values the chart library cannot scale (e.g. spanning hundreds of decades)
      problems.add(new Problem(out, "the chart", "it cannot be drawn from these values: " + e));
      return false;
    }
    AtomicFiles.write(out, png);
    return true;
  }

  /**
   * The unadjusted losses of a metrics table with the steps that got an injected spike set to NaN:
   * their loss measures the corruption, not the model, so final train errors, largest losses and
   * learning curves leave them out.
   */
  public static double[] unadjustedWithoutInjected(CsvTable m) {
    double[] y = m.column("unadjusted_loss");
    if (m.has("injected")) {
      double[] injected = m.column("injected");
      for (int i = 0; i < y.length; i++) {
        if (injected[i] >= 0) {
          y[i] = Double.NaN;
        }
      }
    }
    return y;
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(x).yAxisTitle(y).build();
    chart.getStyler().setYAxisLogarithmic(true);
    // plain step numbers, spaced so that they do not run into each other
    chart.getStyler().setXAxisDecimalPattern("#");
    chart.getStyler().setXAxisTickMarkSpacingHint(120);
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
    return chart;
  }

  /** Adds the mean of {@code curves} (truncated to the shortest) and a +/- 1 sd band. */
  private static double shown(double v) {
    return Math.max(MIN_SHOWN, Math.min(MAX_SHOWN, v));
  }

  private static boolean addBand(XYChart chart, String name, double[] steps, List<double[]> curves,
      Color color) {
    int n = steps.length;
    for (double[] c : curves) {
      n = Math.min(n, c.length);
    }
    int stride = Math.max(1, n / 1000);
    int points = (n + stride - 1) / stride;
    double[] x = new double[points];
    double[] mean = new double[points];
    double[] lo = new double[points];
    double[] hi = new double[points];
    double floor = Double.MAX_VALUE;
    int kept = 0;
    for (int p = 0; p < points; p++) {
      int i = p * stride;
      double[] vals = new double[curves.size()];
      for (int k = 0; k < vals.length; k++) {
        vals[k] = curves.get(k)[i];
      }
      double m = Stats.mean(vals);
      // a point the chart cannot place (a step or mean that is not finite) is left out
      if (!Double.isFinite(steps[i]) || m == Double.POSITIVE_INFINITY || m == Double.NEGATIVE_INFINITY) {
        continue;
      }
      double sd = Stats.sd(vals);
      x[kept] = steps[i];
      mean[kept] = m;
      lo[kept] = m - sd;
      hi[kept] = Double.isFinite(m + sd) ? m + sd : m;
      if (m > 0) {
        floor = Math.min(floor, m);
      }
      kept++;
    }
    if (kept == 0) {
      return false;
    }
    x = java.util.Arrays.copyOf(x, kept);
    mean = java.util.Arrays.copyOf(mean, kept);
    lo = java.util.Arrays.copyOf(lo, kept);
    hi = java.util.Arrays.copyOf(hi, kept);
    for (int p = 0; p < kept; p++) {
      // a log axis needs positive values: floor the band at a tenth of the smallest mean
      if (!(lo[p] > 0)) {
        lo[p] = floor / 10;
      }
      if (!(mean[p] > 0)) {
        mean[p] = floor;
      }
      if (!(hi[p] > 0)) {
        hi[p] = mean[p];
      }
      lo[p] = shown(lo[p]);
      mean[p] = shown(mean[p]);
      hi[p] = shown(hi[p]);
    }
    XYSeries m = chart.addSeries(name + (curves.size() > 1 ? " (mean of " + curves.size() + ")" : ""), x, mean);
    m.setLineColor(color);
    m.setMarker(SeriesMarkers.NONE);
    m.setLineWidth(1.6f);
    if (curves.size() > 1) {
      Color light = new Color(color.getRed(), color.getGreen(), color.getBlue(), 90);
      for (double[] band : new double[][] {lo, hi}) {
        XYSeries s = chart.addSeries(name + (band == lo ? " -sd" : " +sd"), x, band);
        s.setLineColor(light);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(new BasicStroke(0.8f));
        s.setShowInLegend(false);
      }
    }
    return true;
  }
}
