package io.alrc.experiments.train;

import io.alrc.experiments.run.CsvTable;
import io.alrc.experiments.run.MetricsLog;
import io.alrc.experiments.run.Report;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.run.Stats;
import io.alrc.experiments.run.Summary;
import io.alrc.snapshot.AtomicFiles;
import io.alrc.tensorboard.TensorBoardWriter;
import io.alrc.tensorboard.TrainingTags;
import io.alrc.snapshot.SnapshotFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one training run in a run directory: writes {@code config.json}, a row of {@code
 * metrics.csv} per step, {@code eval.csv} every {@code eval_every} steps, the same values as
 * TensorBoard event files ({@code events.out.tfevents.*}; tags in {@link TrainingTags} and the
 * constants below; {@code tensorboard --logdir} on a sweep's folder shows every run), a checkpoint
 * every {@code checkpoint_every} steps and at the end, and {@code summary.json} when done; or
 * resumes such a run from its checkpoint so that it ends with the same files as an uninterrupted
 * run (a resumed run adds an event file that starts at the resumed step).
 *
 * <p>The checkpoint is one file, {@code checkpoint/state.bin}, written atomically: the step, the
 * lengths of the two logs at that step (longer logs are cut back on resume), the wall time so far,
 * then the engine's parameters, optimizer and stabilizer state. Batches are a function of the seed
 * and the step, so no random-generator state needs saving.
 */
public final class TrainingRun {
  /** The columns of {@code metrics.csv}. */
  public static final List<String> METRICS_HEADER =
      List.of(
          "step", "loss", "unadjusted_loss", "threshold", "clipped", "lr", "max_example_loss",
          "min_scale", "grad_norm", "skipped", "injected");

  /** The columns of {@code eval.csv}. */
  public static final List<String> EVAL_HEADER = List.of("step", "test_error");

  private static final String CHECKPOINT_KIND = "training-run";

  /**
   * The checkpoint's format: 2 adds the run's configuration and a CRC32C of the whole file; 1 (runs
   * written before) has neither and is still read.
   */
  private static final short CHECKPOINT_VERSION = 2;
  private static final int EVAL_CHUNK = 16;

  private final TrainConfig config;
  private final RunFiles files;
  private final Task task;
  private final StepEngine engine;
  private final Progress progress;
  private final SpikeInjector spikes;

  /**
   * @param config the validated configuration
   * @param runDir the run directory
   * @param task the task's data and network
   * @param engine the engine built for {@code config}
   * @param progress where to report progress
   */
  public TrainingRun(TrainConfig config, Path runDir, Task task, StepEngine engine, Progress progress) {
    this.config = config;
    this.files = new RunFiles(runDir);
    this.task = task;
    this.engine = engine;
    this.progress = progress;
    this.spikes = new SpikeInjector(config.seed(), config.spikeProbability(), config.spikeSteps());
  }

  private volatile boolean stopRequested;

  /**
   * Asks the run to stop between two steps (e.g. from a shutdown hook on SIGTERM): it writes a
   * checkpoint of the last finished step and {@link #run} throws {@link StoppedException}.
   * Stopping mid-step would leave the native engine running while the JVM shuts down.
   */
  public void requestStop() {
    stopRequested = true;
  }

  /** Thrown by {@link #run} when it stopped early on {@link #requestStop()}. */
  public static final class StoppedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final long lastStep;

    StoppedException(long lastStep) {
      super("stopped on request after step " + lastStep);
      this.lastStep = lastStep;
    }

    /** The last step trained (and checkpointed, if any was trained). */
    public long lastStep() {
      return lastStep;
    }
  }

  /** Reads a run directory's {@code config.json}, for {@code --resume}. */
  public static TrainConfig readConfig(Path runDir) throws IOException {
    Path file = new RunFiles(runDir).config();
    if (!Files.isRegularFile(file)) {
      throw new IOException(runDir + " is not a run directory: it has no config.json");
    }
    return RunFiles.JSON.readValue(file.toFile(), TrainConfig.class).validate();
  }

  /** Whether {@code runDir} holds a checkpoint to resume from. */
  public static boolean hasCheckpoint(Path runDir) {
    return Files.isRegularFile(checkpointFile(new RunFiles(runDir)));
  }

  private static Path checkpointFile(RunFiles files) {
    return files.checkpoint().resolve("state.bin");
  }

  /**
   * Starts the run in a new or empty directory, or continues it from its checkpoint.
   *
   * @param resume whether to continue from the checkpoint (the directory must hold one)
   * @return the summary, also written to {@code summary.json}
   * @throws IOException if the directory already holds a run (without {@code resume}), or its files
   *     cannot be written
   */
  public Summary run(boolean resume) throws IOException {
    long firstStep;
    double wallBefore;
    MetricsLog metrics;
    MetricsLog eval;
    files.removeStaleTemporaryFiles(); // left by a process killed mid-write
    if (resume && !hasCheckpoint(files.dir())) {
      // killed before its first checkpoint: start again from step 1 with the saved configuration
      progress.message("no checkpoint in " + files.dir() + ": starting it again from step 1");
      Files.deleteIfExists(files.config());
      resume = false;
    }
    if (resume) {
      Restored r = readCheckpoint(files);
      checkConfiguration(r);
      load(engine, r, checkpointFile(files));
      firstStep = r.step + 1;
      wallBefore = r.wallSeconds;
      metrics = MetricsLog.openForResume(files.metrics(), METRICS_HEADER, r.metricsLength);
      eval = MetricsLog.openForResume(files.eval(), EVAL_HEADER, r.evalLength);
      progress.message("resuming " + files.dir() + " at step " + firstStep + " of " + config.steps());
    } else {
      if (Files.exists(files.config())) {
        throw new IOException(
            files.dir() + " already holds a run: use --resume to continue it, or another --out");
      }
      Files.createDirectories(files.dir());
      RunFiles.writeJson(files.config(), config);
      firstStep = 1;
      wallBefore = 0;
      metrics = MetricsLog.create(files.metrics(), METRICS_HEADER);
      eval = MetricsLog.create(files.eval(), EVAL_HEADER);
    }
    long start = System.nanoTime();
    long lastEval = -1;
    TensorBoardWriter events = firstStep == 1
        ? TensorBoardWriter.create(files.dir())
        : TensorBoardWriter.resume(files.dir(), firstStep);
    long skippedSoFar = firstStep == 1 ? 0 : countSkipped(files);
    try (metrics;
        eval;
        events) {
      double recentLoss = Double.NaN;
      double recentClip = 0;
      long windowStart = System.nanoTime();
      long windowSteps = 0;
      double speed = 0;
      for (long step = firstStep; step <= config.steps(); step++) {
        if (stopRequested) {
          // between two steps: save what the run has, so --resume continues from here
          if (step > firstStep) {
            checkpoint(step - 1, metrics.sync(), eval.sync(),
                wallBefore + (System.nanoTime() - start) / 1e9);
          }
          progress.message("stopped before step " + step + "; continue with --resume " + files.dir());
          throw new StoppedException(step - 1);
        }
        double lr = config.learningRate(step);
        Batch batch = spikes.apply(step, task.trainBatch(step));
        StepResult r = engine.train(step, batch, lr);
        metrics.row(
            step, r.loss(), r.unadjustedLoss(), r.threshold(), r.clipped(), lr, r.maxExampleLoss(),
            r.minScale(), r.gradNorm(), r.skipped(), r.injected());
        if (r.skipped()) {
          skippedSoFar++;
        }
        events.scalars(step, scalars(r, lr, skippedSoFar));
        double clipRate = config.stabilizer().kind().perExample() ? (double) r.clipped() / config.batch()
            : (r.clipped() > 0 ? 1 : 0);
        recentLoss = Double.isNaN(recentLoss) || !Double.isFinite(r.unadjustedLoss())
            ? r.unadjustedLoss() : 0.98 * recentLoss + 0.02 * r.unadjustedLoss();
        recentClip = 0.98 * recentClip + 0.02 * clipRate;
        windowSteps++;
        double elapsed = (System.nanoTime() - windowStart) / 1e9;
        if (elapsed > 0) {
          speed = windowSteps / elapsed;
        }
        if (elapsed > 30) {
          windowStart = System.nanoTime();
          windowSteps = 0;
        }
        progress.update(step, speed, recentLoss, recentClip);
        if (step % config.evalEvery() == 0 || step == config.steps()) {
          double testError = evaluate();
          eval.row(step, testError);
          events.scalar(TEST_ERROR, step, testError);
          lastEval = step;
        }
        if (step % config.checkpointEvery() == 0 || step == config.steps()) {
          checkpoint(step, metrics.sync(), eval.sync(), wallBefore + (System.nanoTime() - start) / 1e9);
          events.flush();
        }
      }
    }
    double wall = wallBefore + (System.nanoTime() - start) / 1e9;
    Summary summary = summarize(wall);
    RunFiles.writeJson(files.summary(), summary);
    progress.close();
    return summary;
  }

  /** The tag of the test error in the event files. */
  public static final String TEST_ERROR = "test/error";

  /** The tag that marks a step with an injected spike (value 1). */
  public static final String INJECTED_SPIKE = "train/injected_spike";

  /** The tag of the largest per-example loss of the step. */
  public static final String MAX_EXAMPLE_LOSS = "train/max_example_loss";

  /**
   * One step's values for TensorBoard, under the tags the DJL integration uses too ({@link
   * TrainingTags}); a skipped step has only its gradient norm (if measured) and the running count
   * of skipped steps. Non-finite values are left out.
   */
  private Map<String, Double> scalars(StepResult r, double lr, long skipped) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(TrainingTags.SKIPPED_STEPS, (double) skipped);
    put(m, TrainingTags.GRADIENT_NORM, r.gradNorm());
    if (r.injected() >= 0) {
      m.put(INJECTED_SPIKE, 1.0);
    }
    if (r.skipped()) {
      return m;
    }
    put(m, TrainingTags.LOSS, r.loss());
    put(m, TrainingTags.UNCLIPPED_LOSS, r.unadjustedLoss());
    put(m, MAX_EXAMPLE_LOSS, r.maxExampleLoss());
    put(m, TrainingTags.LEARNING_RATE, lr);
    Stabilizer s = config.stabilizer();
    if (s instanceof Stabilizer.Alrc) {
      put(m, TrainingTags.ALRC_THRESHOLD, r.threshold());
      put(m, TrainingTags.ALRC_CLIP_FRACTION, (double) r.clipped() / config.batch());
    } else if (!(s instanceof Stabilizer.None)) {
      put(m, TrainingTags.stabilizer(s.name(), "threshold"), r.threshold());
      put(m, TrainingTags.stabilizer(s.name(), "min_scale"), r.minScale());
      put(m, TrainingTags.stabilizer(s.name(), "clipped"), r.clipped());
    }
    return m;
  }

  private static void put(Map<String, Double> m, String tag, double value) {
    if (Double.isFinite(value)) {
      m.put(tag, value);
    }
  }

  /** Skipped steps in the metrics.csv kept so far (a resumed run continues the count). */
  private static long countSkipped(RunFiles files) {
    CsvTable m = CsvTable.read(files.metrics());
    long n = 0;
    for (double v : m.column("skipped")) {
      n += v > 0 ? 1 : 0;
    }
    return n;
  }

  private static Restored readCheckpoint(RunFiles files) throws IOException {
    Path file = checkpointFile(files);
    byte[] bytes = Files.readAllBytes(file);
    byte[] body = bytes;
    if (versionOf(bytes) >= 2) {
      if (bytes.length < 4) {
        throw new CheckpointException(file + " is cut short (" + bytes.length + " bytes)");
      }
      body = java.util.Arrays.copyOf(bytes, bytes.length - 4);
      int stored = java.nio.ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
      int actual = crc32c(body);
      if (stored != actual) {
        throw new CheckpointException(String.format(java.util.Locale.ROOT,
            "%s is corrupt: its CRC32C checksum is %08x, the file's content gives %08x (the file"
                + " was damaged or cut short); the run cannot resume from it", file, stored, actual));
      }
    }
    try {
      return SnapshotFormat.decode(
          body,
          CHECKPOINT_KIND,
          CHECKPOINT_VERSION,
          (in, version) -> {
            long step = in.readLong();
            long metricsLength = in.readLong();
            long evalLength = in.readLong();
            double wall = in.readDouble();
            byte[] configJson = version >= 2 ? readBlock(in) : null;
            byte[] engineBytes = readBlock(in);
            return new Restored(step, metricsLength, evalLength, wall, configJson, engineBytes);
          });
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(file + " is not a checkpoint of a training run: " + e.getMessage(), e);
    }
  }

  private static byte[] readBlock(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      throw new java.io.EOFException();
    }
    byte[] block = in.readNBytes(length);
    if (block.length != length) {
      throw new java.io.EOFException();
    }
    return block;
  }

  /** The envelope's format version, or 0 if the bytes do not start with the snapshot magic. */
  private static int versionOf(byte[] bytes) {
    if (bytes.length < 6 || java.nio.ByteBuffer.wrap(bytes).getInt() != SnapshotFormat.MAGIC) {
      return 0;
    }
    return java.nio.ByteBuffer.wrap(bytes, 4, 2).getShort();
  }

  private static int crc32c(byte[] bytes) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(bytes);
    return (int) crc.getValue();
  }

  /**
   * A checkpoint that cannot be used: corrupt, of another kind, or written for another
   * configuration than the run's {@code config.json}. Bad input, not a failure of the run.
   */
  public static final class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    CheckpointException(String message) {
      super(message);
    }

    CheckpointException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Loads the latest checkpoint of {@code runDir} into {@code engine} (for inference on a trained
   * model, e.g. example images in a report).
   *
   * @return the step the checkpoint was taken at
   * @throws IOException if there is no checkpoint or it does not fit the engine
   */
  public static long loadCheckpoint(Path runDir, StepEngine engine) throws IOException {
    RunFiles files = new RunFiles(runDir);
    if (!hasCheckpoint(runDir)) {
      throw new IOException(runDir + " has no checkpoint");
    }
    Restored r = readCheckpoint(files);
    load(engine, r, checkpointFile(files));
    return r.step;
  }

  private static void load(StepEngine engine, Restored r, Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(r.engine))) {
      engine.load(in);
    } catch (java.io.EOFException e) {
      throw new CheckpointException(file + " is cut short: the engine's state ends early", e);
    } catch (IOException | IllegalArgumentException e) {
      throw new CheckpointException(file + " does not fit this run: " + e.getMessage(), e);
    }
  }

  /**
   * @param configJson the run's configuration as written when the checkpoint was taken; null in
   *     checkpoints of format 1
   */
  private record Restored(
      long step, long metricsLength, long evalLength, double wallSeconds, byte[] configJson, byte[] engine) {}

  private void checkpoint(long step, long metricsLength, long evalLength, double wall) throws IOException {
    ByteArrayOutputStream engineBytes = new ByteArrayOutputStream(1 << 20);
    try (DataOutputStream out = new DataOutputStream(engineBytes)) {
      engine.save(out);
    }
    byte[] configJson = RunFiles.JSON.writeValueAsBytes(config);
    byte[] body =
        SnapshotFormat.encode(
            CHECKPOINT_KIND,
            CHECKPOINT_VERSION,
            out -> {
              out.writeLong(step);
              out.writeLong(metricsLength);
              out.writeLong(evalLength);
              out.writeDouble(wall);
              out.writeInt(configJson.length);
              out.write(configJson);
              out.writeInt(engineBytes.size());
              engineBytes.writeTo(out);
            });
    int crc = crc32c(body);
    AtomicFiles.write(checkpointFile(files), out -> {
      out.write(body);
      out.write(java.nio.ByteBuffer.allocate(4).putInt(crc).array());
    });
  }

  /**
   * Checks that the run's configuration is the one the checkpoint was written with (a checkpoint
   * of format 1 holds none and is trusted).
   *
   * @throws CheckpointException naming the keys that differ
   */
  private void checkConfiguration(Restored r) throws IOException {
    if (r.configJson == null) {
      return;
    }
    com.fasterxml.jackson.databind.JsonNode saved = RunFiles.JSON.readTree(r.configJson);
    // both from text, so numbers compare by value whatever their Java types
    com.fasterxml.jackson.databind.JsonNode now = RunFiles.JSON.readTree(RunFiles.JSON.writeValueAsBytes(config));
    if (saved.equals(now)) {
      return;
    }
    java.util.Set<String> keys = new java.util.TreeSet<>();
    saved.fieldNames().forEachRemaining(keys::add);
    now.fieldNames().forEachRemaining(keys::add);
    List<String> changes = new java.util.ArrayList<>();
    for (String k : keys) {
      com.fasterxml.jackson.databind.JsonNode a = saved.get(k);
      com.fasterxml.jackson.databind.JsonNode b = now.get(k);
      if (a == null ? b != null : !a.equals(b)) {
        changes.add(k + " " + (a == null ? "(absent)" : a.toString()) + " -> "
            + (b == null ? "(absent)" : b.toString()));
      }
    }
    throw new CheckpointException(
        files.config() + " differs from the configuration the run was started with ("
            + String.join(", ", changes) + "): the checkpoint only continues the original run."
            + " Restore config.json, or start a new run with --out");
  }

  /** The mean per-example error over the first {@code eval_examples} evaluation examples. */
  private double evaluate() {
    int n = Math.min(config.evalExamples(), task.evalSize());
    double sum = 0;
    int count = 0;
    for (int from = 0; from < n; from += EVAL_CHUNK) {
      double[] errors = engine.evaluate(task.evalBatch(from, Math.min(n, from + EVAL_CHUNK)));
      for (double e : errors) {
        sum += e;
        count++;
      }
    }
    return count == 0 ? Double.NaN : sum / count;
  }

  private Summary summarize(double wall) {
    CsvTable m = CsvTable.read(files.metrics());
    CsvTable e = CsvTable.read(files.eval());
    double[] unadjusted = Report.unadjustedWithoutInjected(m);
    double[] clipped = m.column("clipped");
    double[] skipped = m.column("skipped");
    double clipSum = 0;
    long skippedSteps = 0;
    for (int i = 0; i < clipped.length; i++) {
      clipSum += config.stabilizer().kind().perExample() ? clipped[i] : (clipped[i] > 0 ? 1 : 0);
      skippedSteps += skipped[i] > 0 ? 1 : 0;
    }
    double units = config.stabilizer().kind().perExample() ? (double) m.rows() * config.batch() : m.rows();
    double[] testErrors = e.column("test_error");
    return new Summary(
        Stats.tailMean(unadjusted, 0.1),
        testErrors.length == 0 ? Double.NaN : testErrors[testErrors.length - 1],
        units == 0 ? 0 : clipSum / units,
        skippedSteps,
        Stats.max(unadjusted),
        m.rows(),
        wall > 0 ? m.rows() / wall : Double.NaN,
        wall);
  }
}
