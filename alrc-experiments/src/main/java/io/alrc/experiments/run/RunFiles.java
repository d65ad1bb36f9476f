package io.alrc.experiments.run;

import io.alrc.snapshot.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a run directory and how they are written: every result and checkpoint file is
 * written atomically with ordinary permissions ({@link AtomicFiles}: temporary file, forced to disk,
 * renamed), so a killed run never leaves a half-written file behind.
 *
 * <pre>
 * RUN_DIR/config.json       everything needed to rerun it, seed and software version included
 * RUN_DIR/metrics.csv       one row per training step
 * RUN_DIR/eval.csv          step,test_error every K steps
 * RUN_DIR/summary.json      final errors, clip fraction, speed (written at the end)
 * RUN_DIR/checkpoint/       the latest checkpoint (model, optimizer, stabilizer, step)
 * </pre>
 */
public final class RunFiles {
  /** The shared JSON mapper: pretty-printed, stable field order. */
  public static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final Path dir;

  /** The files of the run directory {@code dir} (not created). */
  public RunFiles(Path dir) {
    this.dir = dir;
  }

  /** The run directory. */
  public Path dir() {
    return dir;
  }

  /** {@code config.json}. */
  public Path config() {
    return dir.resolve("config.json");
  }

  /** {@code metrics.csv}. */
  public Path metrics() {
    return dir.resolve("metrics.csv");
  }

  /** {@code eval.csv}. */
  public Path eval() {
    return dir.resolve("eval.csv");
  }

  /** {@code summary.json}. */
  public Path summary() {
    return dir.resolve("summary.json");
  }

  /** The checkpoint folder. */
  public Path checkpoint() {
    return dir.resolve("checkpoint");
  }

  /** Whether the run finished (its summary exists). */
  public boolean finished() {
    return Files.isRegularFile(summary());
  }

  /** Writes {@code value} as pretty JSON to {@code target}, atomically ({@link AtomicFiles}). */
  public static void writeJson(Path target, Object value) throws IOException {
    AtomicFiles.write(target, JSON.writeValueAsBytes(value));
  }

  /** Writes {@code text} as UTF-8 to {@code target}, atomically ({@link AtomicFiles}). */
  public static void writeText(Path target, String text) throws IOException {
    AtomicFiles.write(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Deletes the temporary files that a killed process left in the run directory and its checkpoint
   * folder ({@link AtomicFiles#removeStale}); call it when a run starts or resumes.
   *
   * @return the files deleted
   * @throws IOException if a folder cannot be listed or a file deleted
   */
  public List<Path> removeStaleTemporaryFiles() throws IOException {
    List<Path> removed = new ArrayList<>(AtomicFiles.removeStale(dir));
    removed.addAll(AtomicFiles.removeStale(checkpoint()));
    return removed;
  }

  /**
   * Reads a JSON file.
   *
   * @throws UncheckedIOException naming the file if it cannot be read or parsed
   */
  public static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
