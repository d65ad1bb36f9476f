package io.alrc.djl.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.loss.TruncatedLoss;
import io.alrc.stabilizer.LossTruncation;
import io.alrc.stabilizer.SpikeSkipper;
import io.alrc.tensorboard.TensorBoardWriter;
import io.alrc.tensorboard.TrainingTags;
import io.alrc.telemetry.StepTelemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongToDoubleFunction;

/**
 * Writes a {@link StepGuard}'s telemetry of every training step to a TensorBoard event file
 * ({@link TensorBoardWriter}), in {@code EasyTrain.fit} and in hand-written loops alike: it
 * receives the guard's {@link StepReport}s, so whatever calls {@code guard.afterBackward} feeds
 * it. Add it to the {@code TrainingConfig}'s listeners too, after DJL's default ones: DJL then
 * closes it with the trainer ({@code onTrainingEnd}) and, in {@code EasyTrain.fit}, lets it add
 * the epoch's validation loss.
 *
 * <pre>{@code
 * TensorBoardTrainingListener tb = TensorBoardTrainingListener.builder(guard, logDir).build();
 * config.addTrainingListeners(tb);     // after TrainingListener.Defaults.logging()
 * }</pre>
 *
 * Per step, with the tags of {@link TrainingTags} (step = {@link StepReport#step()}):
 *
 * <ul>
 *   <li>{@code train/loss} and {@code train/loss_unclipped}: with ALRC its clipped objective and the
 *       unclipped batch mean; without ALRC, in {@code EasyTrain.fit}, the trainer's loss of the
 *       batch (evaluated once more on the batch's predictions), else nothing (add it with {@link
 *       #scalar(String, double)});
 *   <li>{@code alrc/threshold}, {@code alrc/mu1}, {@code alrc/sigma}, {@code alrc/clip_fraction};
 *   <li>{@code train/skipped_steps} (the running total) and {@code train/gradient_norm};
 *   <li>{@code train/lr}: from {@link Builder#optLearningRate}, else the guarded optimizer's rate
 *       when it is a {@link CheckpointableAdam}; nothing for DJL's own optimizers, which do not
 *       tell it;
 *   <li>{@code <kind>/threshold} and {@code <kind>/min_scale} of each gradient stabilizer;
 *   <li>with loss truncation: {@code train/loss} its objective, {@code train/loss_unclipped} the
 *       untruncated mean, {@code loss-truncation/threshold} (the cutoff) and {@code
 *       loss-truncation/drop_fraction};
 *   <li>with skip-step: {@code skip-step/loss_threshold}, {@code skip-step/gradient_norm_threshold}
 *       (while finite) and {@code skip-step/skipped_steps} (the running total of spike skips);
 *   <li>per epoch, {@code validate/loss} when DJL's {@code EvaluatorTrainingListener} measured one.
 * </ul>
 *
 * A skipped or spike-skipped step writes only the skip counts, the monitors' thresholds and the
 * gradient norm (when measured). A step's
 * event is written when the next step is reported, at the end of an epoch, or on {@link #close()},
 * because its learning rate is known only after {@code trainer.step()}.
 *
 * <p>The file is created at the first reported step, in the log directory: a fresh run's first
 * step is 1; a guard restored from a checkpoint reports a later first step, and the file is then
 * opened as a resumed run's ({@link TensorBoardWriter#resume(Path, long)}: a new file beside the
 * interrupted run's, whose points from that step on TensorBoard replaces). Write errors are not
 * swallowed: they are thrown, as {@link UncheckedIOException}, from the call that met them (inside
 * {@code guard.afterBackward}, {@code onEpoch}, {@code close}). Not thread-safe, like the guard.
 */
public final class TensorBoardTrainingListener implements TrainingListener, AutoCloseable {
  private final StepGuard guard;
  private final Path logDir;
  private final Duration flushInterval;
  private final LongToDoubleFunction learningRate;

  private TensorBoardWriter writer;
  private long pendingStep = -1;
  private boolean pendingApplied;
  private Map<String, Double> pending;
  private boolean closed;
  private UncheckedIOException failure;

  private TensorBoardTrainingListener(Builder b) {
    this.guard = b.guard;
    this.logDir = b.logDir;
    this.flushInterval = b.flushInterval;
    this.learningRate = b.learningRate;
    guard.addReportListener(this::onReport);
  }

  /**
   * A builder for a listener writing {@code guard}'s reports into {@code logDir}.
   *
   * @throws IllegalArgumentException if either is null
   */
  public static Builder builder(StepGuard guard, Path logDir) {
    return new Builder(guard, logDir);
  }

  /** The event file, once the first step has been written. */
  public synchronized Optional<Path> file() {
    return writer == null ? Optional.empty() : Optional.of(writer.file());
  }

  /**
   * Adds a scalar to the current step's event (the step last reported by the guard), e.g. a loss
   * computed in a hand-written loop without ALRC, or a metric of one's own.
   *
   * @throws IllegalStateException before the guard's first report, or after {@link #close()}
   */
  public synchronized void scalar(String tag, double value) {
    checkOpen();
    if (pending == null) {
      throw new IllegalStateException(
          "no step to add " + tag + " to: call it after guard.afterBackward of the step");
    }
    if (Double.isFinite(value)) {
      pending.put(tag, value);
    }
  }

  private synchronized void onReport(StepReport r) {
    checkOpen();
    if (failure != null) {
      throw failure;
    }
    writePending();
    Map<String, Double> v = new LinkedHashMap<>();
    if (r.applied() && r.truncation() != null) {
      put(v, TrainingTags.LOSS, r.objective());
      put(v, TrainingTags.UNCLIPPED_LOSS, r.unclippedLoss());
      put(v, TrainingTags.stabilizer(LossTruncation.KIND, "threshold"), r.truncation().threshold());
      put(v, TrainingTags.stabilizer(LossTruncation.KIND, "drop_fraction"), r.dropFraction());
    }
    if (r.lossSpike() != null) {
      put(v, TrainingTags.stabilizer(SpikeSkipper.KIND, "loss_threshold"), r.lossSpike().threshold());
    }
    if (r.gradientNormSpike() != null) {
      put(v, TrainingTags.stabilizer(SpikeSkipper.KIND, "gradient_norm_threshold"),
          r.gradientNormSpike().threshold());
    }
    if (guard.lossSpikeState().isPresent() || guard.gradientNormSpikeState().isPresent()) {
      v.put(TrainingTags.stabilizer(SpikeSkipper.KIND, "skipped_steps"), (double) r.spikeSkippedSteps());
    }
    if (r.applied() && r.alrc() != null) {
      put(v, TrainingTags.LOSS, r.objective());
      put(v, TrainingTags.UNCLIPPED_LOSS, r.unclippedLoss());
      put(v, TrainingTags.ALRC_THRESHOLD, r.alrc().threshold());
      put(v, TrainingTags.ALRC_MU1, r.alrc().mean());
      put(v, TrainingTags.ALRC_SIGMA, r.alrc().sigma());
      put(v, TrainingTags.ALRC_CLIP_FRACTION, r.clipFraction());
    }
    v.put(TrainingTags.SKIPPED_STEPS, (double) r.skippedSteps());
    put(v, TrainingTags.GRADIENT_NORM, r.gradientNorm());
    for (int i = 0; i < r.stabilizers().size(); i++) {
      String kind = guard.stabilizers().get(i).kind();
      StepTelemetry t = r.stabilizers().get(i);
      put(v, TrainingTags.stabilizer(kind, "threshold"), t.threshold());
      put(v, TrainingTags.stabilizer(kind, "min_scale"), t.minScale());
    }
    pending = v;
    pendingStep = r.step();
    pendingApplied = r.applied();
  }

  /**
   * In {@code EasyTrain.fit} without ALRC: adds the trainer's loss of the batch to the step (with
   * ALRC, the guard's report already has both losses).
   */
  @Override
  public synchronized void onTrainingBatch(Trainer trainer, BatchData batchData) {
    Loss loss = trainer.getLoss();
    if (closed || pending == null || loss instanceof StatefulAlrcLoss || loss instanceof TruncatedLoss
        || pending.containsKey(TrainingTags.LOSS) || !pendingApplied) {
      return;
    }
    double sum = 0;
    int n = 0;
    for (Map.Entry<Device, NDList> e : batchData.getLabels().entrySet()) {
      NDList predictions = batchData.getPredictions().get(e.getKey());
      try (NDArray value = loss.evaluate(e.getValue(), predictions)) {
        sum += value.getFloat();
        n++;
      }
    }
    if (n > 0) {
      put(pending, TrainingTags.LOSS, sum / n);
      put(pending, TrainingTags.UNCLIPPED_LOSS, sum / n);
    }
  }

  /** Writes the epoch's last step and its validation loss (if measured), and flushes. */
  @Override
  public synchronized void onEpoch(Trainer trainer) {
    if (closed) {
      return;
    }
    if (failure != null) {
      throw failure;
    }
    writePending();
    TrainingResult result = trainer.getTrainingResult();
    Float validation = result.getValidateLoss();
    try {
      if (validation != null && Float.isFinite(validation) && guard.steps() > 0) {
        open(guard.steps()).scalar(TrainingTags.VALIDATION_LOSS, guard.steps(), validation);
      }
      if (writer != null) {
        writer.flush();
      }
    } catch (IOException e) {
      throw failed(e);
    }
  }

  /** Nothing to do: the guard reports the steps. */
  @Override
  public void onValidationBatch(Trainer trainer, BatchData batchData) {}

  /** Nothing to do: the file is created at the first step. */
  @Override
  public void onTrainingBegin(Trainer trainer) {}

  /** {@link #close()}: DJL calls it when the trainer is closed. */
  @Override
  public void onTrainingEnd(Trainer trainer) {
    close();
  }

  /**
   * Writes the last step and closes the file; later reports of the guard then fail. A second call
   * does nothing.
   *
   * @throws UncheckedIOException if writing or closing fails, or an earlier write failed
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    try {
      if (failure == null) {
        writePending();
      }
    } finally {
      closed = true;
      if (writer != null) {
        try {
          writer.close();
        } catch (IOException e) {
          failed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void writePending() {
    if (pending == null) {
      return;
    }
    Map<String, Double> v = pending;
    pending = null;
    if (pendingApplied) {
      double lr = currentLearningRate(pendingStep);
      put(v, TrainingTags.LEARNING_RATE, lr);
    }
    try {
      open(pendingStep).scalars(pendingStep, v);
    } catch (IOException e) {
      throw failed(e);
    }
  }

  /** The first failure is kept: every later report, epoch end and close throws it again. */
  private UncheckedIOException failed(IOException e) {
    if (failure == null) {
      failure =
          new UncheckedIOException(
              "TensorBoard events of " + logDir + " could not be written: " + e.getMessage(), e);
    }
    return failure;
  }

  private double currentLearningRate(long step) {
    if (learningRate != null) {
      return learningRate.applyAsDouble(step);
    }
    Optional<ai.djl.training.optimizer.Optimizer> o = guard.optimizer();
    if (o.isPresent() && o.get() instanceof CheckpointableAdam adam) {
      return adam.lastLearningRate();
    }
    return Double.NaN;
  }

  private TensorBoardWriter open(long firstStep) throws IOException {
    if (writer == null) {
      TensorBoardWriter.Builder b = TensorBoardWriter.builder(logDir);
      if (flushInterval != null) {
        b.optFlushInterval(flushInterval);
      }
      if (firstStep > 1) {
        b.optResumeAt(firstStep);
      }
      writer = b.build();
    }
    return writer;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(
          "TensorBoardTrainingListener for " + logDir + " is closed (the trainer was closed?)");
    }
  }

  private static void put(Map<String, Double> v, String tag, double value) {
    if (Double.isFinite(value)) {
      v.put(tag, value);
    }
  }

  /** Builds a {@link TensorBoardTrainingListener}; {@link #build()} registers it with the guard. */
  public static final class Builder {
    private final StepGuard guard;
    private final Path logDir;
    private Duration flushInterval;
    private LongToDoubleFunction learningRate;

    private Builder(StepGuard guard, Path logDir) {
      if (guard == null || logDir == null) {
        throw new IllegalArgumentException("guard and logDir must not be null");
      }
      this.guard = guard;
      this.logDir = logDir;
    }

    /**
     * The learning rate of each step, e.g. {@code step -> tracker.getNewValue((int) step)} for the
     * DJL {@code Tracker} the optimizer uses; default: a {@link CheckpointableAdam}'s own rate,
     * else none.
     */
    public Builder optLearningRate(LongToDoubleFunction learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** The writer's flush interval; default {@link TensorBoardWriter}'s. */
    public Builder optFlushInterval(Duration interval) {
      TensorBoardWriter.builder(logDir).optFlushInterval(interval); // validates
      this.flushInterval = interval;
      return this;
    }

    /** Builds the listener and registers it as one of the guard's report listeners. */
    public TensorBoardTrainingListener build() {
      return new TensorBoardTrainingListener(this);
    }
  }
}
