package io.alrc.experiments.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.TrainConfig;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A run directory as a report sees it: its configuration (flattened to strings), its summary if it
 * finished, and its metrics on demand.
 */
public final class RunRecord {
  /**
   * Configuration keys that differ between repeats of one configuration, or do not matter (the
   * CPU a run started on is informational).
   */
  public static final Set<String> NOT_CONFIGURATION = Set.of(
      "seed", "out", "data", "threads", "version", "resume", "created", "eval_data", "cpu", "cpu_flags");

  private final Path dir;
  private final Map<String, String> config;
  private final Summary summary;

  private RunRecord(Path dir, Map<String, String> config, Summary summary) {
    this.dir = dir;
    this.config = config;
    this.summary = summary;
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
      return new RunRecord(dir, flat, summary);
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
    }
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
