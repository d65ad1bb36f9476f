package io.alrc.experiments.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A run directory as a report sees it: its configuration (flattened to strings), its summary if it
 * finished, how it ended ({@link #outcome()}), and its metrics on demand.
 *
 * <p>A run without {@code summary.json} either diverged, failed for another reason, or has not
 * finished (still running, stopped, or killed). It {@linkplain Outcome#DIVERGED diverged} when
 *
 * <ul>
 *   <li>its {@code metrics.csv} ends with at least K - 1 rows with {@code skipped} set, K being the
 *       run's limit of non-finite steps in a row ({@code non_finite_limit} in {@code config.json},
 *       else {@value io.alrc.AlrcConfig#DEFAULT_NON_FINITE_LIMIT}): a training run stops when its
 *       K-th non-finite step in a row is reached ({@link io.alrc.NonFiniteStepException}), before it
 *       writes that step's row, so a diverged run's log ends with the other K - 1 ({@value
 *       #DIVERGED_TAIL} by default; with K = 1 only {@code failed.txt} can tell); or
 *   <li>its {@code failed.txt} (written by a sweep) gives the reason "training has diverged" (the
 *       message of {@link io.alrc.NonFiniteStepException}), in its reason line or its log lines.
 * </ul>
 *
 * <p>{@link #outcomeDetail()} says which of the two told. A run with {@code failed.txt} that did
 * not diverge {@linkplain Outcome#FAILED failed}; a run with neither is {@linkplain
 * Outcome#UNFINISHED unfinished}. (A run that is still running and happens to have just skipped
 * K - 1 steps in a row reads as diverged: its next step either diverges or recovers.)
 */
public final class RunRecord {
  /**
   * Configuration keys that differ between repeats of one configuration, or do not matter (the
   * CPU a run started on is informational).
   */
  public static final Set<String> NOT_CONFIGURATION = Set.of(
      "seed", "out", "data", "threads", "version", "resume", "created", "eval_data", "cpu", "cpu_flags");

  /**
   * Trailing skipped rows of {@code metrics.csv} that mark a diverged run with the default limit:
   * one less than the engines' limit of non-finite steps in a row ({@link
   * io.alrc.AlrcConfig#DEFAULT_NON_FINITE_LIMIT}), as the step that reaches the limit writes no row.
   */
  public static final int DIVERGED_TAIL = io.alrc.AlrcConfig.DEFAULT_NON_FINITE_LIMIT - 1;

  /** How a run ended, as its files tell. */
  public enum Outcome {
    /** It has {@code summary.json}. */
    FINISHED,
    /** It stopped at the limit of non-finite steps in a row (see {@link RunRecord}). */
    DIVERGED,
    /** It has {@code failed.txt} (a sweep's record of a failed run) for another reason. */
    FAILED,
    /** Neither: still running, stopped, or killed. */
    UNFINISHED;

    /** The lower-case name, as the report shows it. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Path dir;
  private final Map<String, String> config;
  private final Summary summary;
  private final Outcome outcome;
  private final String outcomeDetail;

  private RunRecord(Path dir, Map<String, String> config, Summary summary, Outcome outcome,
      String outcomeDetail) {
    this.dir = dir;
    this.config = config;
    this.summary = summary;
    this.outcome = outcome;
    this.outcomeDetail = outcomeDetail;
  }

  /**
   * Reads {@code dir}'s {@code config.json} and, if present, {@code summary.json}.
   *
   * @throws IllegalArgumentException naming the directory if it is not a run directory
   */
  public static RunRecord read(Path dir) {
    RunFiles files = new RunFiles(dir);
    if (!Files.isRegularFile(files.config())) {
      throw new IllegalArgumentException(dir + " is not a run directory: it has no config.json");
    }
    try {
      JsonNode node = RunFiles.readJson(files.config());
      Map<String, String> flat = new LinkedHashMap<>();
      flatten("", node, flat);
      Summary summary = null;
      if (files.finished()) {
        summary = RunFiles.JSON.convertValue(RunFiles.readJson(files.summary()), Summary.class);
      }
      if (summary != null) {
        return new RunRecord(dir, flat, summary, Outcome.FINISHED, "summary.json");
      }
      Ending ended = ending(files, nonFiniteLimit(flat) - 1);
      return new RunRecord(dir, flat, null, ended.outcome(), ended.detail());
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
    }
  }

  /** The bytes read from the end of {@code metrics.csv} to find its last rows. */
  private static final int TAIL_BYTES = 1 << 16;

  /** The bytes of {@code failed.txt} read. */
  private static final int FAILED_BYTES = 1 << 16;

  /** The phrase of a diverged run's error message ({@link io.alrc.NonFiniteStepException}). */
  static final String DIVERGED_PHRASE = "training has diverged";

  /** How a run without a summary ended, and what told. */
  private record Ending(Outcome outcome, String detail) {}

  /** The run's limit of non-finite steps in a row: {@code non_finite_limit}, else the default. */
  private static int nonFiniteLimit(Map<String, String> config) {
    try {
      String v = config.get("non_finite_limit");
      return v == null ? io.alrc.AlrcConfig.DEFAULT_NON_FINITE_LIMIT : Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      return io.alrc.AlrcConfig.DEFAULT_NON_FINITE_LIMIT;
    }
  }

  /**
   * How a run without a summary ended; never throws on unreadable files.
   *
   * @param tail the skipped rows at the end of metrics.csv that mark a divergence; below 1, none do
   */
  private static Ending ending(RunFiles files, int tail) {
    String fromMetrics = null;
    try {
      fromMetrics = tail >= 1 ? divergedTail(files.metrics(), tail) : null;
    } catch (IOException | RuntimeException e) {
      // unreadable metrics tell nothing
    }
    Path failed = files.dir().resolve("failed.txt");
    String failedReason = null;
    boolean failedDiverged = false;
    if (Files.isRegularFile(failed)) {
      try {
        List<String> lines = readHead(failed, FAILED_BYTES);
        String reason = null;
        for (String line : lines) {
          if (line.startsWith("command: ")) {
            continue; // the command line may name a folder "diverged"
          }
          if (line.startsWith("reason: ") && reason == null) {
            reason = line.substring("reason: ".length()).strip();
          }
          if (line.toLowerCase(java.util.Locale.ROOT).contains(DIVERGED_PHRASE)) {
            failedDiverged = true;
          }
        }
        failedReason = reason != null ? reason : "no reason line";
      } catch (IOException | RuntimeException e) {
        failedReason = "unreadable (" + e.getMessage() + ")";
      }
      failedReason = shorten(io.alrc.experiments.data.Printable.escape(failedReason), 240);
    }
    if (fromMetrics != null || failedDiverged) {
      List<String> why = new java.util.ArrayList<>();
      if (fromMetrics != null) {
        why.add(fromMetrics);
      }
      if (failedDiverged) {
        why.add("failed.txt: " + failedReason);
      }
      return new Ending(Outcome.DIVERGED, String.join("; ", why));
    }
    if (failedReason != null) {
      return new Ending(Outcome.FAILED, "failed.txt: " + failedReason);
    }
    return new Ending(Outcome.UNFINISHED, "no summary.json, no failed.txt, and metrics.csv"
        + (tail >= 1 ? " does not end in " + tail + " skipped steps" : " cannot tell (a limit of 1)")
        + ": still running, stopped or killed");
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }

  /**
   * If {@code metrics} ends with at least {@code rows} complete rows whose {@code skipped} is set, a
   * description naming the steps; else null. Reads the header and the last {@value #TAIL_BYTES}
   * bytes only; an incomplete last line (a killed writer) is ignored.
   */
  static String divergedTail(Path metrics, int rows) throws IOException {
    if (!Files.isRegularFile(metrics)) {
      return null;
    }
    List<String> head = readHead(metrics, 1 << 14);
    if (head.isEmpty()) {
      return null;
    }
    List<String> header = List.of(head.get(0).split(",", -1));
    int skippedColumn = header.indexOf("skipped");
    int stepColumn = header.indexOf("step");
    if (skippedColumn < 0) {
      return null;
    }
    byte[] tail;
    long size;
    try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(metrics)) {
      size = ch.size();
      int n = (int) Math.min(size, TAIL_BYTES);
      ch.position(size - n);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(n);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // fill
      }
      tail = java.util.Arrays.copyOf(buf.array(), buf.position());
    }
    String text = new String(tail, java.nio.charset.StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return null;
    }
    String[] lines = text.substring(0, end).split("\n", -1);
    // line 0 of the window is the header (the window starts the file) or maybe a cut line
    int count = 0;
    boolean ended = false;
    String lastStep = null;
    String firstStep = null;
    for (int i = lines.length - 1; i >= 1 && !ended; i--) {
      String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split(",", -1);
      double skipped = Double.NaN;
      if (fields.length == header.size()) {
        try {
          skipped = Double.parseDouble(fields[skippedColumn]);
        } catch (NumberFormatException e) {
          // not a row: the run of skipped rows ends here
        }
      }
      if (!(skipped > 0)) {
        ended = true;
        continue;
      }
      count++;
      String step = stepColumn >= 0 ? fields[stepColumn] : "?";
      if (lastStep == null) {
        lastStep = step;
      }
      firstStep = step;
    }
    if (count < rows) {
      return null;
    }
    boolean wholeFile = size == tail.length;
    return "metrics.csv ends with " + (ended || wholeFile ? "" : "at least ") + count
        + " skipped (non-finite) steps, " + io.alrc.experiments.data.Printable.escape(firstStep)
        + " to " + io.alrc.experiments.data.Printable.escape(lastStep);
  }

  /** The lines of the first {@code max} bytes of {@code file} (a cut last line included). */
  private static List<String> readHead(Path file, int max) throws IOException {
    byte[] bytes;
    try (java.io.InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(max);
    }
    String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    if (text.isEmpty()) {
      return List.of();
    }
    List<String> lines = new java.util.ArrayList<>();
    for (String line : text.split("\r?\n", -1)) {
      lines.add(line);
    }
    return lines;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
    } else if (!node.isNull()) {
      out.put(prefix, node.isTextual() ? node.asText() : node.toString());
    }
  }

  /** The run directory. */
  public Path dir() {
    return dir;
  }

  /** The flattened configuration ({@code key} or {@code parent.key} to its JSON text). */
  public Map<String, String> config() {
    return config;
  }

  /** A configuration value, or empty. */
  public Optional<String> get(String key) {
    return Optional.ofNullable(config.get(key));
  }

  /** The summary, if the run finished. */
  public Optional<Summary> summary() {
    return Optional.ofNullable(summary);
  }

  /** How the run ended, as its files tell (see {@link RunRecord}). */
  public Outcome outcome() {
    return outcome;
  }

  /**
   * What told the {@linkplain #outcome() outcome}: {@code summary.json}; for a diverged run which
   * file did ({@code metrics.csv ends with 9 skipped (non-finite) steps, 2 to 10}, {@code failed.txt:
   * REASON}, or both); for a failed run the reason from {@code failed.txt}; for an unfinished run
   * that nothing did. Control characters escaped.
   */
  public String outcomeDetail() {
    return outcomeDetail;
  }

  /** The configured seed, if {@code config.json} has one. */
  public Optional<String> seed() {
    return get("seed");
  }

  /**
   * The configuration without the keys that differ between repeats; a run written before
   * precisions existed counts as {@code precision} {@value TrainConfig#FP32}, as it trained.
   */
  public Map<String, String> configurationKey() {
    Map<String, String> key = new LinkedHashMap<>(config);
    key.keySet().removeIf(NOT_CONFIGURATION::contains);
    key.putIfAbsent("precision", TrainConfig.FP32);
    return key;
  }

  /** The run's metrics.csv. */
  public CsvTable metrics() {
    return CsvTable.read(new RunFiles(dir).metrics());
  }

  /** The run's eval.csv, if present. */
  public Optional<CsvTable> eval() {
    Path p = new RunFiles(dir).eval();
    return Files.isRegularFile(p) ? Optional.of(CsvTable.read(p)) : Optional.empty();
  }

  /**
   * The short label of the run's stabilizer: {@code off}, {@code alrc n=3}, {@code zclip}, ...: its
   * name and the value of its {@linkplain Stabilizer.Kind#labelKey() label parameter}, if it has one.
   */
  public String stabilizerLabel() {
    String s = config.getOrDefault("stabilizer", "none");
    if (s.equals(Stabilizer.None.KIND.name())) {
      return "off";
    }
    String key = labelKey(s);
    if (key == null) {
      return s;
    }
    String v = config.getOrDefault(key, "?");
    if (v.endsWith(".0")) {
      v = v.substring(0, v.length() - 2);
    }
    return s + " " + key + "=" + v;
  }

  /** The label parameter of the stabilizer named {@code name}, or null (also for unknown names). */
  static String labelKey(String name) {
    try {
      return Stabilizer.kind(name).labelKey();
    } catch (IllegalArgumentException unknown) {
      return null;
    }
  }
}
