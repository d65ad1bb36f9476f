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
 * same row without a stabilizer follows the tables (also written to {@code comparison.csv}): paired
 * on seeds where the arms share them, else Welch.
 *
 * <p>A run's {@linkplain RunRecord#outcome() outcome} is shown: final errors are over the finished
 * repeats, with {@code diverged k/n} beside an arm that lost runs to divergence; the summary at the
 * top names the comparisons a diverged run affects, and counts the unfinished and failed runs.
 *
 * <p>Charts: the y axis is linear when the values span less than a factor 3, else logarithmic with
 * labelled ticks at the decades and, where they fit, their 2x and 5x (or more) multiples; the x axis
 * is the training step from 0. Training curves mark the steps with an injected
 * spike (triangles along the bottom); a diverged run is drawn on its own, dashed, with a cross at
 * its last point, and its group's mean and band are over the other runs.
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
   * @param tables the tables of final train and test error with the notes on diverged and
   *     unfinished runs, as Markdown (the start of {@code report.md}; {@code alrc report} prints it)
   */
  public record Result(Path markdown, List<Path> images, List<Group> groups,
      List<Comparison.Row> comparison, List<Problem> leftOut, String tables) {}

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
      if (metrics == null && eval == null && r.summary().isEmpty()
          && r.outcome() != RunRecord.Outcome.DIVERGED) {
        List<String> reasons = problems.stream().map(Problem::reason).collect(Collectors.toList());
        reasons.add("no summary.json (" + r.outcome().label() + ")");
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
    String finalErrors = tables(groups, comparison);
    RunFiles.writeText(md, "# Report\n\n" + finalErrors + rest(groups, images, outDir, comparison)
        + leftOutSection(leftOut));
    return new Result(md, images, groups, comparison, List.copyOf(leftOut), finalErrors);
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

  /** The summary paragraph, the notes on diverged and unfinished runs, and the final-error tables. */
  private static String tables(List<Group> groups, List<Comparison.Row> comparison) {
    StringBuilder md = new StringBuilder();
    int runs = groups.stream().mapToInt(g -> g.runs().size()).sum();
    md.append(String.format(Locale.ROOT, "%d run%s in %d configuration%s. ", runs, runs == 1 ? "" : "s",
        groups.size(), groups.size() == 1 ? "" : "s"));
    md.append("Final errors are mean +/- sd over repeats (n = number of finished repeats). ");
    md.append("Train error: mean unadjusted loss over the last 10% of steps; test error: at the end.");
    md.append(" Steps with an injected spike are left out of the train error, the largest loss and the");
    md.append(" training curves: their loss measures the corruption, not the model.\n\n");
    md.append(outcomeNotes(groups, comparison));
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
    return md.toString();
  }

  /**
   * The notes on runs without a final error: how many diverged (and how that was told), which
   * comparisons that affects, and how many are unfinished or failed. Empty if every run finished.
   */
  private static String outcomeNotes(List<Group> groups, List<Comparison.Row> comparison) {
    Map<RunRecord.Outcome, Integer> count = new java.util.EnumMap<>(RunRecord.Outcome.class);
    int byMetrics = 0;
    int byFailed = 0;
    for (Group g : groups) {
      for (RunRecord r : g.runs()) {
        count.merge(r.outcome(), 1, Integer::sum);
        if (r.outcome() == RunRecord.Outcome.DIVERGED) {
          byMetrics += r.outcomeDetail().contains("metrics.csv") ? 1 : 0;
          byFailed += r.outcomeDetail().contains("failed.txt") ? 1 : 0;
        }
      }
    }
    int runs = groups.stream().mapToInt(g -> g.runs().size()).sum();
    StringBuilder md = new StringBuilder();
    int diverged = count.getOrDefault(RunRecord.Outcome.DIVERGED, 0);
    if (diverged > 0) {
      List<String> affected = Comparison.affected(comparison);
      md.append(String.format(Locale.ROOT, "**Diverged: %d of %d runs** stopped at their limit of"
          + " non-finite steps in a row (%d by default; told by metrics.csv for %d, by failed.txt for"
          + " %d). A diverged"
          + " run has no final error: the tables give the final errors of the finished runs with"
          + " \"diverged k/n\" beside them, and the intervals are over finished runs only, which"
          + " favours the arm that lost runs. ", diverged, runs,
          io.alrc.AlrcConfig.DEFAULT_NON_FINITE_LIMIT, byMetrics, byFailed));
      if (affected.isEmpty()) {
        md.append("No comparison with a baseline is affected.");
      } else {
        md.append("Comparisons affected (").append(Comparison.FLAG).append(", with a sensitivity"
            + " interval under \"Diverged runs\"): ").append(String.join("; ", affected)).append('.');
      }
      md.append("\n\n");
    }
    int unfinished = count.getOrDefault(RunRecord.Outcome.UNFINISHED, 0);
    int failed = count.getOrDefault(RunRecord.Outcome.FAILED, 0);
    if (unfinished + failed > 0) {
      md.append(String.format(Locale.ROOT, "**Not finished: %d of %d runs** (%d unfinished: no"
          + " summary.json and no sign of divergence, so still running, stopped or killed; %d failed"
          + " for another reason, see failed.txt): left out of the final errors.\n\n",
          unfinished + failed, runs, unfinished, failed));
    }
    return md.toString();
  }

  /** The comparison, the table of runs and the learning curves. */
  private static String rest(List<Group> groups, List<Path> images, Path outDir,
      List<Comparison.Row> comparison) {
    StringBuilder md = new StringBuilder();
    md.append(Comparison.markdown(comparison));
    md.append("## Runs\n\n| configuration | stabilizer | run | seed | outcome | steps | final train"
        + " | final test | clip fraction | max loss | steps/s |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Group g : groups) {
      for (RunRecord r : g.runs()) {
        md.append("| ").append(g.row()).append(" | ").append(g.column()).append(" | ")
            .append(r.dir().getFileName()).append(" | ").append(r.seed().orElse("-")).append(" | ");
        if (r.summary().isPresent()) {
          Summary s = r.summary().get();
          md.append(String.format(Locale.ROOT, "finished | %d | %s | %s | %.4f | %s | %.2f |",
              s.steps(), num(s.finalTrainError()), num(s.finalTestError()), s.clipFraction(),
              num(s.maxLoss()), s.stepsPerSecond()));
        } else {
          md.append(r.outcome().label()).append(" (")
              .append(r.outcomeDetail().replace("|", "\\|")).append(") | | | | | | |");
        }
        md.append('\n');
      }
    }
    if (!images.isEmpty()) {
      md.append("\n## Learning curves\n\n");
      md.append("Training curves: the mean of the repeats that did not diverge, with a band of one sd;"
          + " a diverged repeat is drawn on its own, thin, ending in a cross at its last step;"
          + " triangles along the bottom mark steps with an injected spike.\n\n");
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
    int diverged = Comparison.diverged(g);
    String divergedText = "diverged " + diverged + "/" + g.runs().size();
    if (v.length == 0) {
      return diverged > 0 ? divergedText : "unfinished";
    }
    return num(Stats.mean(v)) + " +/- " + num(Stats.sd(v)) + " (n=" + v.length + ")"
        + (diverged > 0 ? ", " + divergedText : "");
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
    Set<Integer> windows = new java.util.TreeSet<>();
    for (Group g : groups) {
      for (RunRecord r : g.runs()) {
        CsvTable m = tables.get(r.dir()).metrics();
        if (m != null) {
          windows.add(boxcar > 0 ? boxcar : Math.max(1, m.rows() / 50));
        }
      }
    }
    String window = windows.size() == 1
        ? "boxcar mean, " + windows.iterator().next() + " steps"
        : "boxcar mean, 1/50 of each run";
    java.util.SortedSet<Double> injected = new java.util.TreeSet<>();
    for (Group g : groups) {
      for (RunRecord r : g.runs()) {
        CsvTable m = tables.get(r.dir()).metrics();
        if (m != null && m.has("injected")) {
          double[] steps = m.column("step");
          double[] inj = m.column("injected");
          for (int i = 0; i < inj.length; i++) {
            if (inj[i] >= 0) {
              injected.add(steps[i]);
            }
          }
        }
      }
    }
    return curves(
        title.equals("all runs") ? "Training loss" : "Training loss: " + title,
        "training loss: " + lossName(groups) + " (" + window + ")",
        groups,
        out,
        r -> {
          CsvTable m = tables.get(r.dir()).metrics();
          if (m == null) {
            return null;
          }
          int w = boxcar > 0 ? boxcar : Math.max(1, m.rows() / 50);
          return new Curve(m.column("step"), Stats.boxcar(unadjustedWithoutInjected(m), w));
        },
        injected,
        problems);
  }

  private static boolean testCurves(String title, List<Group> groups, Path out,
      Map<Path, Tables> tables, List<Problem> problems) throws IOException {
    return curves(
        title.equals("all runs") ? "Test error" : "Test error: " + title,
        "test error: " + lossName(groups) + " (mean over the evaluation images)",
        groups,
        out,
        r -> {
          CsvTable e = tables.get(r.dir()).eval();
          return e == null || e.rows() == 0
              ? null
              : new Curve(e.column("step"), e.column("test_error"));
        },
        new java.util.TreeSet<>(),
        problems);
  }

  /** The loss of the runs ({@code squared error}, ...) if they share one, else {@code loss}. */
  private static String lossName(List<Group> groups) {
    Set<String> losses = groups.stream()
        .flatMap(g -> g.runs().stream())
        .map(r -> r.get("loss").orElse("?"))
        .collect(Collectors.toSet());
    if (losses.size() != 1) {
      return "per-example loss";
    }
    return switch (losses.iterator().next()) {
      case "squared" -> "squared error";
      case "quartic" -> "quartic error";
      case "huber" -> "Huberized squared error";
      default -> "per-example loss";
    };
  }

  /** A series to draw: its points, style and legend entry. */
  private record Line(String name, double[] x, double[] y, Color color, float width, boolean dashed,
      boolean legend) {}

  /** Crosses at the ends of diverged runs' curves, drawn over the chart. */
  private record Marks(double[] x, double[] y, Color color) {}

  /** The colour of the injected-spike markers. */
  private static final Color INJECTED = new Color(0x55, 0x55, 0x55);

  /**
   * One chart with a curve per group (the mean of its runs' curves that did not diverge, cut to the
   * shortest, with a +/- 1 sd band); each diverged run is drawn on its own, thin and dashed, with a
   * cross at its last point. Runs without a curve are left out. {@code injected}, if not empty, are
   * steps marked with triangles along the bottom. Returns whether anything was drawn.
   */
  private static boolean curves(String title, String yLabel, List<Group> groups, Path out,
      java.util.function.Function<RunRecord, Curve> curveOf, java.util.SortedSet<Double> injected,
      List<Problem> problems) throws IOException {
    List<Line> lines = new ArrayList<>();
    List<Marks> marks = new ArrayList<>();
    int color = 0;
    for (Group g : groups) {
      List<double[]> values = new ArrayList<>();
      double[] steps = null;
      List<Curve> divergedCurves = new ArrayList<>();
      for (RunRecord r : g.runs()) {
        Curve c = curveOf.apply(r);
        if (c == null) {
          continue;
        }
        if (r.outcome() == RunRecord.Outcome.DIVERGED) {
          divergedCurves.add(c);
          continue;
        }
        if (steps == null || c.steps().length < steps.length) {
          steps = c.steps();
        }
        values.add(c.values());
      }
      Color c = PALETTE[color % PALETTE.length];
      boolean drawn = false;
      if (!values.isEmpty()) {
        drawn = band(lines, g.column(), steps, values, c);
      }
      int k = 0;
      List<double[]> ends = new ArrayList<>();
      for (Curve d : divergedCurves) {
        Line line = single(g.column() + ": diverged" + (divergedCurves.size() > 1
            ? " (" + divergedCurves.size() + " runs)" : "") + ", ends at x", d, c, k == 0);
        if (line == null) {
          continue;
        }
        lines.add(new Line(line.name() + (k == 0 ? "" : " #" + k), line.x(), line.y(), c, 1.0f, true,
            k == 0));
        ends.add(new double[] {line.x()[line.x().length - 1], line.y()[line.y().length - 1]});
        k++;
        drawn = true;
      }
      if (!ends.isEmpty()) {
        marks.add(new Marks(ends.stream().mapToDouble(e -> e[0]).toArray(),
            ends.stream().mapToDouble(e -> e[1]).toArray(), c));
      }
      if (drawn) {
        color++;
      }
    }
    if (lines.isEmpty()) {
      return false;
    }
    byte[] png;
    try {
      png = draw(title, yLabel, lines, marks, injected);
    } catch (RuntimeException e) {
      // values the chart library cannot scale (e.g. spanning hundreds of decades)
      problems.add(new Problem(out, "the chart", "it cannot be drawn from these values: " + e));
      return false;
    }
    AtomicFiles.write(out, png);
    return true;
  }

  /** The finite points of one run's curve as a line, or null if it has none. */
  private static Line single(String name, Curve c, Color color, boolean legend) {
    int n = Math.min(c.steps().length, c.values().length);
    int stride = Math.max(1, n / 1000);
    List<double[]> points = new ArrayList<>();
    for (int i = 0; i < n; i += stride) {
      if (Double.isFinite(c.steps()[i]) && Double.isFinite(c.values()[i])) {
        points.add(new double[] {c.steps()[i], c.values()[i]});
      }
    }
    // the last finite point, so that the cross marks where the run stopped
    for (int i = n - 1; i > 0 && i % stride != 0; i--) {
      if (Double.isFinite(c.steps()[i]) && Double.isFinite(c.values()[i])) {
        points.add(new double[] {c.steps()[i], c.values()[i]});
        break;
      }
    }
    if (points.isEmpty()) {
      return null;
    }
    Color light = new Color(color.getRed(), color.getGreen(), color.getBlue(), 170);
    return new Line(name, points.stream().mapToDouble(p -> p[0]).toArray(),
        points.stream().mapToDouble(p -> p[1]).toArray(), light, 1.0f, true, legend);
  }

  /**
   * Adds the mean of {@code curves} (truncated to the shortest) and, for several, a +/- 1 sd band
   * (a lower end that is not positive is NaN: a log axis draws it at its bottom). Returns whether
   * a point was added.
   */
  private static boolean band(List<Line> lines, String name, double[] steps, List<double[]> curves,
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
    int kept = 0;
    for (int p = 0; p < points; p++) {
      int i = p * stride;
      double[] vals = new double[curves.size()];
      for (int k = 0; k < vals.length; k++) {
        vals[k] = curves.get(k)[i];
      }
      double m = Stats.mean(vals);
      // a point the chart cannot place (a step or mean that is not finite) is left out
      if (!Double.isFinite(steps[i]) || !Double.isFinite(m)) {
        continue;
      }
      double sd = Stats.sd(vals);
      x[kept] = steps[i];
      mean[kept] = m;
      lo[kept] = m - sd;
      hi[kept] = Double.isFinite(m + sd) ? m + sd : m;
      kept++;
    }
    if (kept == 0) {
      return false;
    }
    x = java.util.Arrays.copyOf(x, kept);
    lines.add(new Line(name + (curves.size() > 1 ? " (mean of " + curves.size() + ")" : ""), x,
        java.util.Arrays.copyOf(mean, kept), color, 1.6f, false, true));
    if (curves.size() > 1) {
      Color light = new Color(color.getRed(), color.getGreen(), color.getBlue(), 90);
      lines.add(new Line(name + " -sd", x, java.util.Arrays.copyOf(lo, kept), light, 0.8f, false, false));
      lines.add(new Line(name + " +sd", x, java.util.Arrays.copyOf(hi, kept), light, 0.8f, false, false));
    }
    return true;
  }

  /**
   * How a chart's y axis is scaled: linear when the values span less than a factor {@value
   * #LINEAR_BELOW}, else logarithmic. {@code labels} are the values to label on a log axis
   * (decades and, where they fit, their 2x and 5x or every multiple); empty for a linear axis, which
   * the chart library labels.
   */
  record YAxis(boolean log, double min, double max, double marks, List<Double> labels) {}

  /** Below this ratio of the largest to the smallest value, a chart's y axis is linear. */
  static final double LINEAR_BELOW = 3;

  /** Beyond this many decades, a log axis labels decades only (the chart library does). */
  static final double MANY_DECADES = 4;

  /**
   * The y axis for values in [{@code lo}, {@code hi}] on a plot {@code height} pixels high, with
   * room for a row of markers at the bottom ({@link YAxis#marks()}: its y). The labels of a log
   * axis are the densest of the ladders 1..9, 1-2-3-5, 1-2-5, 1 (times each decade) whose labels
   * are at least {@code labelGap} pixels apart; at least two always fall inside the axis.
   */
  static YAxis yAxis(double lo, double hi, double height, double labelGap) {
    if (!(lo > 0) || hi / lo < LINEAR_BELOW) {
      double span = hi - lo;
      if (!(span > 0)) {
        span = Math.max(Math.abs(hi), 1e-12);
      }
      return new YAxis(false, lo - 0.1 * span, hi + 0.04 * span, lo - 0.075 * span, List.of());
    }
    double decades = Math.log10(hi / lo);
    double min = lo / Math.pow(10, 0.1 * decades);
    double max = hi * Math.pow(10, 0.04 * decades);
    double marks = lo / Math.pow(10, 0.075 * decades);
    double perDecade = height / Math.log10(max / min);
    double[][] ladders = {{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 5}, {1, 2, 5}, {1}};
    // the smallest gap between neighbouring labels of each ladder, in decades
    double[] gaps = {Math.log10(10 / 9.0), Math.log10(3 / 2.0), Math.log10(2), 1};
    double[] ladder = ladders[ladders.length - 1];
    for (int i = 0; i < ladders.length; i++) {
      if (gaps[i] * perDecade >= labelGap) {
        ladder = ladders[i];
        break;
      }
    }
    List<Double> labels = new ArrayList<>();
    for (int e = (int) Math.floor(Math.log10(min)); e <= (int) Math.ceil(Math.log10(max)); e++) {
      for (double m : ladder) {
        double v = m * Math.pow(10, e);
        // round to the decimal the label shows, so that 0.3 is 0.3 and not 0.30000000000000004
        v = new java.math.BigDecimal(v).round(new java.math.MathContext(3)).doubleValue();
        if (v >= min && v <= max) {
          labels.add(v);
        }
      }
    }
    return new YAxis(true, min, max, marks, labels);
  }

  /** A tick label: plain for 0.001 to 99999, else {@code 2e-05}; as few digits as the value needs. */
  static String tickLabel(double v) {
    double a = Math.abs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e5)) {
      int e = (int) Math.floor(Math.log10(a));
      String mant = new java.math.BigDecimal(v / Math.pow(10, e))
          .round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
      return mant + "e" + (e < 0 ? "-" : "") + String.format(Locale.ROOT, "%02d", Math.abs(e));
    }
    return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros()
        .toPlainString();
  }

  /** The chart's PNG. */
  private static byte[] draw(String title, String yLabel, List<Line> lines, List<Marks> marks,
      java.util.SortedSet<Double> injected) throws IOException {
    // the range of the curves and the top of the bands (the bottom of a band may reach the axis'
    // end: a wide band on a log axis would otherwise stretch it over decades); positive values,
    // unless there are none
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    double xMax = 0;
    boolean anyPositive = lines.stream().anyMatch(l -> positive(l.y()));
    for (Line l : lines) {
      if (l.name().endsWith(" -sd")) {
        continue;
      }
      for (double v : l.y()) {
        if (Double.isFinite(v) && (v > 0 || !anyPositive)) {
          lo = Math.min(lo, shown(v));
          hi = Math.max(hi, shown(v));
        }
      }
    }
    for (Line l : lines) {
      for (double v : l.x()) {
        xMax = Math.max(xMax, v);
      }
    }
    for (double v : injected) {
      xMax = Math.max(xMax, v);
    }
    if (!(lo <= hi)) {
      lo = 1;
      hi = 1;
    }
    XYChart chart = new XYChartBuilder().width(900).height(560).title(title)
        .xAxisTitle("training step").yAxisTitle(yLabel).build();
    chart.getStyler().setXAxisDecimalPattern("#");
    chart.getStyler().setXAxisTickMarkSpacingHint(120);
    chart.getStyler().setMarkerSize(6);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
    // the plot area is about 430 pixels high in a 560-pixel chart; labels 1.6 font heights apart
    double labelGap = 1.6 * chart.getStyler().getAxisTickLabelsFont().getSize2D() * 1.2;
    YAxis axis = yAxis(lo, hi, 430, labelGap);
    boolean ownLabels = axis.log() && Math.log10(axis.max() / axis.min()) <= MANY_DECADES;
    chart.getStyler().setYAxisLogarithmic(axis.log());
    chart.getStyler().setYAxisMin(axis.min());
    chart.getStyler().setYAxisMax(axis.max());
    if (ownLabels) {
      // the library's ticks and grid at every multiple, its labels hidden: ours are drawn below
      chart.getStyler().setYAxisLogarithmicDecadeOnly(false);
      chart.getStyler().setYAxisTickLabelsColor(new Color(0, 0, 0, 0));
    }
    // a hidden series from step 0: the x axis starts at 0 with round ticks (the library labels
    // the points of equally spaced data otherwise)
    XYSeries anchor = chart.addSeries(" ", new double[] {0, Math.max(1, xMax)},
        new double[] {axis.marks(), axis.marks()});
    anchor.setLineColor(new Color(0, 0, 0, 0));
    anchor.setMarker(SeriesMarkers.NONE);
    anchor.setShowInLegend(false);
    for (Line l : lines) {
      double[] y = new double[l.y().length];
      for (int i = 0; i < y.length; i++) {
        double v = l.y()[i];
        y[i] = !Double.isFinite(v) || (axis.log() && !(v > 0)) ? axis.min()
            : Math.max(axis.min(), Math.min(axis.max(), shown(v)));
      }
      XYSeries s = chart.addSeries(l.name(), l.x(), y);
      s.setLineColor(l.color());
      s.setMarker(SeriesMarkers.NONE);
      s.setLineWidth(l.width());
      if (l.dashed()) {
        s.setLineStyle(new BasicStroke(l.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
            new float[] {6f, 3f}, 0f));
      } else if (l.width() < 1) {
        s.setLineStyle(new BasicStroke(l.width()));
      }
      s.setShowInLegend(l.legend());
    }
    if (!injected.isEmpty()) {
      double[] x = injected.stream().mapToDouble(Double::doubleValue).toArray();
      double[] y = new double[x.length];
      java.util.Arrays.fill(y, axis.marks());
      XYSeries s = chart.addSeries("injected spike (" + x.length + " step" + (x.length == 1 ? "" : "s") + ")",
          x, y);
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      s.setMarker(SeriesMarkers.TRIANGLE_UP);
      s.setMarkerColor(INJECTED);
    }
    java.awt.image.BufferedImage image = BitmapEncoder.getBufferedImage(chart);
    java.awt.Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING,
          java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
      for (Marks m : marks) {
        for (int i = 0; i < m.x().length; i++) {
          double v = Math.max(axis.min(), Math.min(axis.max(), shown(m.y()[i])));
          double px = chart.getScreenXFromChart(m.x()[i]);
          double py = chart.getScreenYFromChart(v);
          for (Color c : new Color[] {Color.WHITE, m.color()}) {
            g.setColor(c);
            g.setStroke(new BasicStroke(c == Color.WHITE ? 4.5f : 2.2f, BasicStroke.CAP_ROUND,
                BasicStroke.JOIN_ROUND));
            g.draw(new java.awt.geom.Line2D.Double(px - 5, py - 5, px + 5, py + 5));
            g.draw(new java.awt.geom.Line2D.Double(px - 5, py + 5, px + 5, py - 5));
          }
        }
      }
      if (ownLabels) {
        g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING,
            java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(chart.getStyler().getAxisTickLabelsFont());
        g.setColor(chart.getStyler().getXAxisTickLabelsColor());
        java.awt.FontMetrics fm = g.getFontMetrics();
        double right = chart.getYAxisLeftWidth() - chart.getStyler().getAxisTickMarkLength()
            - chart.getStyler().getAxisTickPadding();
        for (double v : axis.labels()) {
          String text = tickLabel(v);
          double y = chart.getScreenYFromChart(v);
          g.drawString(text, (float) (right - fm.stringWidth(text)),
              (float) (y + (fm.getAscent() - fm.getDescent()) / 2.0));
        }
      }
    } finally {
      g.dispose();
    }
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(image, "png", png);
    return png.toByteArray();
  }

  private static boolean positive(double[] v) {
    for (double x : v) {
      if (x > 0 && Double.isFinite(x)) {
        return true;
      }
    }
    return false;
  }

  /** A value within the range the charts show ({@link #MIN_SHOWN} to {@link #MAX_SHOWN}). */
  private static double shown(double v) {
    return Math.max(-MAX_SHOWN, Math.min(MAX_SHOWN, Math.abs(v) < MIN_SHOWN && v != 0
        ? Math.copySign(MIN_SHOWN, v) : v));
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
}
