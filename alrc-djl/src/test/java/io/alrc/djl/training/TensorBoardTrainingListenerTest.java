package io.alrc.djl.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import io.alrc.djl.DjlTestSupport;
import io.alrc.djl.loss.AlrcLoss;
import io.alrc.djl.loss.PerExampleLosses;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.stabilizer.GradientStabilizers;
import io.alrc.tensorboard.TensorBoardReader;
import io.alrc.tensorboard.TensorBoardReader.Scalar;
import io.alrc.tensorboard.TrainingTags;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TensorBoard listener on a small real DJL model, read back from the event files. */
class TensorBoardTrainingListenerTest {
  static {
    DjlTestSupport.init();
  }

  private static final int IN = 4;
  private static final int BATCH = 8;

  @TempDir Path dir;
  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private ArrayDataset dataset(int rows, long seed, int nanRow) {
    Random rnd = new Random(seed);
    float[] x = DjlTestSupport.gaussian(rnd, rows * IN, 1);
    float[] y = DjlTestSupport.linearTargets(x, IN, new float[] {1, -2, 0.5f, 3}, 0.5f);
    for (int i = 0; i < rows; i += 7) {
      y[i] += 30;
    }
    if (nanRow >= 0) {
      y[nanRow] = Float.NaN;
    }
    return new ArrayDataset.Builder()
        .setData(manager.create(x, new Shape(rows, IN)))
        .optLabels(manager.create(y, new Shape(rows, 1)))
        .setSampling(BATCH, false)
        .build();
  }

  /** step -> tag -> value. */
  private static Map<Long, Map<String, Float>> byStep(List<Scalar> scalars) {
    Map<Long, Map<String, Float>> out = new TreeMap<>();
    for (Scalar s : scalars) {
      out.computeIfAbsent(s.step(), k -> new TreeMap<>()).put(s.tag(), s.value());
    }
    return out;
  }

  @Test
  void easyTrainWithAlrcWritesEveryStepsTelemetry() throws IOException, TranslateException {
    StatefulAlrcLoss loss =
        AlrcLoss.builder().setBaseLoss(PerExampleLosses.mse()).optInitialMu1(5).optInitialMu2(50)
            .build();
    List<StepReport> reports = new ArrayList<>();
    StepGuard guard = StepGuard.builder().optAlrcLoss(loss).optReportListener(reports::add).build();
    CheckpointableAdam adam =
        CheckpointableAdam.builder().optLearningRateTracker(Tracker.fixed(0.05f)).build();
    Path logDir = dir.resolve("tb");
    TensorBoardTrainingListener tb = TensorBoardTrainingListener.builder(guard, logDir).build();
    DefaultTrainingConfig config =
        guard.configure(
            new DefaultTrainingConfig(loss)
                .optOptimizer(adam)
                .addTrainingListeners(TrainingListener.Defaults.basic())
                .addTrainingListeners(tb));
    try (Model model = DjlTestSupport.linearModel("tb");
        Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, IN));
      // 2 epochs of 5 batches, a NaN in steps 3 and 8; validation after each epoch
      EasyTrain.fit(trainer, 2, dataset(40, 1, 2 * BATCH + 3), dataset(16, 2, -1));
    } // closing the trainer closes the listener

    assertThat(tb.file()).isPresent();
    assertThat(TensorBoardReader.sessionStarts(logDir)).as("a fresh run").containsExactly(0L);
    Map<Long, Map<String, Float>> steps = byStep(TensorBoardReader.readScalars(logDir));
    assertThat(steps.keySet()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    for (StepReport r : reports) {
      Map<String, Float> s = steps.get(r.step());
      if (r.skipped()) {
        assertThat(s).as("skipped step %d", r.step())
            .containsOnlyKeys(TrainingTags.SKIPPED_STEPS);
        assertThat(s.get(TrainingTags.SKIPPED_STEPS)).isEqualTo((float) r.skippedSteps());
        continue;
      }
      assertThat(s.get(TrainingTags.LOSS)).isEqualTo((float) r.objective());
      assertThat(s.get(TrainingTags.UNCLIPPED_LOSS)).isEqualTo((float) r.unclippedLoss());
      assertThat(s.get(TrainingTags.ALRC_THRESHOLD)).isEqualTo((float) r.alrc().threshold());
      assertThat(s.get(TrainingTags.ALRC_MU1)).isEqualTo((float) r.alrc().mean());
      assertThat(s.get(TrainingTags.ALRC_SIGMA)).isEqualTo((float) r.alrc().sigma());
      assertThat(s.get(TrainingTags.ALRC_CLIP_FRACTION)).isEqualTo((float) r.clipFraction());
      assertThat(s.get(TrainingTags.SKIPPED_STEPS)).isEqualTo((float) r.skippedSteps());
      assertThat(s.get(TrainingTags.GRADIENT_NORM)).isEqualTo((float) r.gradientNorm());
      assertThat(s.get(TrainingTags.LEARNING_RATE)).as("CheckpointableAdam's rate").isEqualTo(0.05f);
    }
    assertThat(steps.get(5L)).containsKey(TrainingTags.VALIDATION_LOSS);
    assertThat(steps.get(10L)).containsKey(TrainingTags.VALIDATION_LOSS);
    assertThat(steps.get(4L)).doesNotContainKey(TrainingTags.VALIDATION_LOSS);
    assertThat(reports.stream().filter(StepReport::skipped).map(StepReport::step))
        .containsExactly(3L, 8L);
    assertThat(reports.stream().filter(r -> !r.skipped()).mapToInt(r -> r.alrc().clipped()).sum())
        .as("ALRC clipped in this run").isPositive();
  }

  @Test
  void aHandWrittenLoopWithAStabilizerAndItsOwnLoss() throws IOException {
    StepGuard guard = StepGuard.of(GradientStabilizers.zClip(0.9, 1.0, 2));
    Path logDir = dir.resolve("zclip");
    TensorBoardTrainingListener tb =
        TensorBoardTrainingListener.builder(guard, logDir)
            .optLearningRate(step -> 0.1 / step)
            .build();
    Loss loss = Loss.l2Loss();
    try (Model model = DjlTestSupport.linearModel("hand");
        Trainer trainer =
            DjlTestSupport.trainer(model, loss, guard.wrap(DjlTestSupport.adam(0.1f)), IN, tb)) {
      Random rnd = new Random(3);
      for (int step = 1; step <= 4; step++) {
        float[] x = DjlTestSupport.gaussian(rnd, BATCH * IN, 1);
        float[] y = DjlTestSupport.linearTargets(x, IN, new float[] {1, -2, 0.5f, 3}, 0.5f);
        try (NDManager m = trainer.getManager().newSubManager()) {
          float value;
          try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList predictions =
                trainer.forward(new NDList(m.create(x, new Shape(BATCH, IN))));
            NDArray l = loss.evaluate(new NDList(m.create(y, new Shape(BATCH, 1))), predictions);
            value = l.getFloat();
            collector.backward(l);
          }
          guard.afterBackward(trainer);
          tb.scalar(TrainingTags.LOSS, value); // without ALRC the loop adds its loss itself
          trainer.step();
        }
      }
    }
    Map<Long, Map<String, Float>> steps = byStep(TensorBoardReader.readScalars(logDir));
    assertThat(steps.keySet()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(steps.get(4L))
        .containsKeys(
            TrainingTags.LOSS,
            TrainingTags.GRADIENT_NORM,
            TrainingTags.SKIPPED_STEPS,
            "zclip/threshold",
            "zclip/min_scale")
        .doesNotContainKeys(TrainingTags.ALRC_THRESHOLD, TrainingTags.UNCLIPPED_LOSS);
    assertThat(steps.get(4L).get(TrainingTags.LEARNING_RATE)).isEqualTo(0.025f);
    assertThat(steps.get(1L)).as("ZClip's warm-up: no finite threshold yet")
        .doesNotContainKey("zclip/threshold");
  }

  @Test
  void withoutAlrcEasyTrainGetsTheLossFromTheBatch() throws IOException, TranslateException {
    StepGuard guard = StepGuard.builder().build();
    Path logDir = dir.resolve("plain");
    TensorBoardTrainingListener tb = TensorBoardTrainingListener.builder(guard, logDir).build();
    List<Float> djlLoss = new ArrayList<>();
    Loss loss = PerExampleLosses.batchMean(PerExampleLosses.mse());
    DefaultTrainingConfig config =
        guard.configure(
            new DefaultTrainingConfig(loss)
                .optOptimizer(DjlTestSupport.adam(0.05f))
                .addTrainingListeners(TrainingListener.Defaults.basic())
                .addTrainingListeners(
                    new ai.djl.training.listener.TrainingListenerAdapter() {
                      @Override
                      public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                        djlLoss.add(
                            trainer.getLoss()
                                .getAccumulator(
                                    ai.djl.training.listener.EvaluatorTrainingListener.TRAIN_ALL));
                      }
                    })
                .addTrainingListeners(tb));
    try (Model model = DjlTestSupport.linearModel("plain");
        Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, IN));
      EasyTrain.fit(trainer, 1, dataset(24, 4, -1), null);
    }
    Map<Long, Map<String, Float>> steps = byStep(TensorBoardReader.readScalars(logDir));
    assertThat(steps.keySet()).containsExactly(1L, 2L, 3L);
    for (long s = 1; s <= 3; s++) {
      assertThat(steps.get(s).get(TrainingTags.LOSS))
          .as("step %d: the listener's loss equals DJL's per-batch loss", s)
          .isCloseTo(djlLoss.get((int) s - 1), org.assertj.core.api.Assertions.within(1e-4f));
      assertThat(steps.get(s)).doesNotContainKey(TrainingTags.LEARNING_RATE);
    }
  }

  @Test
  void aResumedGuardOpensAResumedFile() throws IOException {
    Path logDir = dir.resolve("resume");
    byte[] snapshot;
    Random rnd = new Random(5);
    float[] x = DjlTestSupport.gaussian(rnd, BATCH * IN, 1);
    float[] y = DjlTestSupport.linearTargets(x, IN, new float[] {1, -2, 0.5f, 3}, 0.5f);
    {
      StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
      StepGuard guard = StepGuard.of(loss);
      TensorBoardTrainingListener tb = TensorBoardTrainingListener.builder(guard, logDir).build();
      try (Model model = DjlTestSupport.linearModel("first");
          Trainer trainer =
              DjlTestSupport.trainer(model, loss, guard.wrap(DjlTestSupport.adam(0.1f)), IN, tb)) {
        for (int i = 0; i < 3; i++) {
          DjlTestSupport.guardedStep(trainer, guard, x, y, BATCH, IN);
        }
        snapshot = guard.snapshot();
        DjlTestSupport.guardedStep(trainer, guard, x, y, BATCH, IN); // step 4: lost in a crash
      }
    }
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    TensorBoardTrainingListener tb = TensorBoardTrainingListener.builder(guard, logDir).build();
    try (Model model = DjlTestSupport.linearModel("resumed");
        Trainer trainer =
            DjlTestSupport.trainer(model, loss, guard.wrap(DjlTestSupport.adam(0.1f)), IN, tb)) {
      guard.restore(snapshot);
      DjlTestSupport.guardedStep(trainer, guard, x, y, BATCH, IN);
      DjlTestSupport.guardedStep(trainer, guard, x, y, BATCH, IN);
    }
    assertThat(TensorBoardReader.eventFiles(logDir)).hasSize(2);
    assertThat(TensorBoardReader.sessionStarts(logDir))
        .as("the resumed file starts at step 4, which TensorBoard then takes from it")
        .containsExactly(0L, 4L);
    List<Scalar> second =
        TensorBoardReader.readScalars(TensorBoardReader.eventFiles(logDir).get(1));
    assertThat(second.stream().map(Scalar::step).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(4L, 5L);
  }

  @Test
  void writeErrorsStopTraining() throws IOException {
    Path notADirectory = Files.createFile(dir.resolve("file"));
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    TensorBoardTrainingListener tb =
        TensorBoardTrainingListener.builder(guard, notADirectory.resolve("tb")).build();
    try (Model model = DjlTestSupport.linearModel("bad-dir");
        Trainer trainer =
            DjlTestSupport.trainer(model, loss, guard.wrap(DjlTestSupport.adam(0.1f)), IN)) {
      float[] x = DjlTestSupport.gaussian(new Random(1), BATCH * IN, 1);
      float[] y = DjlTestSupport.gaussian(new Random(2), BATCH, 1);
      DjlTestSupport.guardedStep(trainer, guard, x, y, BATCH, IN); // buffered in the listener
      assertThatThrownBy(() -> DjlTestSupport.guardedStep(trainer, guard, x, y, BATCH, IN))
          .as("step 1 is written when step 2 is reported: the directory cannot be created")
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining(notADirectory.toString());
    }
    assertThatThrownBy(tb::close).isInstanceOf(UncheckedIOException.class);
  }
}
