package io.alrc.djl.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.DivergenceCheckTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.translate.TranslateException;
import io.alrc.NonFiniteStepException;
import io.alrc.djl.DjlTestSupport;
import io.alrc.djl.loss.AlrcLoss;
import io.alrc.djl.loss.PerExampleLoss;
import io.alrc.djl.loss.PerExampleLosses;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.stabilizer.GradientStabilizers;
import io.alrc.djl.stabilizer.NormGradientStabilizer;
import io.alrc.stabilizer.ZClip;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ALRC and a stabilizer inside {@code EasyTrain.fit} with DJL's default listeners (which evaluate
 * the loss again for accumulators) and a validation set.
 */
class EasyTrainIntegrationTest {
  static {
    DjlTestSupport.init();
  }

  private static final int IN = 4;
  private static final int BATCH = 8;

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
    if (nanRow >= 0) {
      y[nanRow] = Float.NaN;
    }
    NDArray data = manager.create(x, new Shape(rows, IN));
    NDArray labels = manager.create(y, new Shape(rows, 1));
    return new ArrayDataset.Builder().setData(data).optLabels(labels).setSampling(BATCH, false)
        .build();
  }

  private static final class Counting implements PerExampleLoss {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public NDArray evaluate(ai.djl.ndarray.NDList labels, ai.djl.ndarray.NDList predictions) {
      calls.incrementAndGet();
      return PerExampleLosses.mse().evaluate(labels, predictions);
    }

    @Override
    public String name() {
      return "MSE";
    }
  }

  private static Trainer trainer(Model model, StatefulAlrcLoss loss, StepGuard guard) {
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(loss)
            .optOptimizer(guard.wrap(DjlTestSupport.adam(0.05f)))
            .addTrainingListeners(
                StepGuard.withoutDivergenceCheck(TrainingListener.Defaults.basic()))
            .addTrainingListeners(guard);
    Trainer trainer = model.newTrainer(config);
    trainer.initialize(new Shape(1, IN));
    return trainer;
  }

  @Test
  void statisticsAdvanceOncePerTrainingBatchDespiteAccumulatorsAndValidation()
      throws IOException, TranslateException {
    Counting base = new Counting();
    StatefulAlrcLoss loss = AlrcLoss.wrap(base);
    NormGradientStabilizer<ZClip.State> zclip = GradientStabilizers.zClip();
    StepGuard guard = StepGuard.builder().optAlrcLoss(loss).addStabilizer(zclip).build();
    try (Model model = DjlTestSupport.linearModel("easytrain");
        Trainer trainer = trainer(model, loss, guard)) {
      EasyTrain.fit(trainer, 2, dataset(40, 1, -1), dataset(16, 2, -1));

      int trainingBatches = 2 * 40 / BATCH;
      assertThat(loss.state().steps())
          .as("ALRC advanced once per training batch: 2 epochs x 5 batches")
          .isEqualTo(trainingBatches);
      assertThat(guard.steps()).isEqualTo(trainingBatches);
      assertThat(zclip.state().steps()).isEqualTo(trainingBatches);
      assertThat(base.calls.get())
          .as("the loss was evaluated for training (10), training accumulators (10) and"
              + " validation (2 epochs x 2 batches), yet the state moved 10 times")
          .isEqualTo(10 + 10 + 4);
      TrainingResult result = trainer.getTrainingResult();
      assertThat(result.getValidateLoss()).isNotNull().isFinite();
      assertThat(result.getTrainLoss()).isNotNull().isFinite();
    }
  }

  @Test
  void withoutDivergenceCheckRemovesOnlyThatListener() {
    TrainingListener[] defaults = TrainingListener.Defaults.logging();
    TrainingListener[] kept = StepGuard.withoutDivergenceCheck(defaults);
    assertThat(kept).hasSize(defaults.length - 1);
    assertThat(kept).noneMatch(l -> l instanceof DivergenceCheckTrainingListener);
  }

  @Test
  void aNaNBatchIsSkippedAndTheEpochLossStaysFinite()
      throws IOException, TranslateException {
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    try (Model model = DjlTestSupport.linearModel("easytrain-nan");
        Trainer trainer = trainer(model, loss, guard)) {
      EasyTrain.fit(trainer, 1, dataset(40, 1, 2 * BATCH + 3), null); // a NaN in batch 3
      assertThat(guard.steps()).isEqualTo(5);
      assertThat(guard.skippedSteps()).isEqualTo(1);
      assertThat(loss.state().steps()).isEqualTo(4);
      assertThat(DjlTestSupport.parameter(model, "weight")).doesNotContain(Float.NaN);
      assertThat(trainer.getTrainingResult().getTrainLoss()).isFinite();
    }
  }

  @Test
  void consecutiveNaNBatchesStopEasyTrainNamingTheStep() {
    StatefulAlrcLoss loss = AlrcLoss.builder().setBaseLoss(PerExampleLosses.mse())
        .optNonFiniteLimit(2).build();
    StepGuard guard = StepGuard.of(loss);
    ArrayDataset twoBad = datasetWithNaNRows(24, BATCH, 2 * BATCH); // batches 2 and 3
    try (Model model = DjlTestSupport.linearModel("easytrain-stop");
        Trainer trainer = trainer(model, loss, guard)) {
      NonFiniteStepException e =
          catchThrowableOfType(
              NonFiniteStepException.class, () -> EasyTrain.fit(trainer, 1, twoBad, null));
      assertThat(e).isNotNull();
      assertThat(e.step()).isEqualTo(3);
      assertThat(e).hasMessageStartingWith("step 3: loss of example 0 is NaN, the 2nd");
      assertThat(loss.state().steps()).isEqualTo(1);
    }
  }

  private ArrayDataset datasetWithNaNRows(int rows, int... nanRows) {
    Random rnd = new Random(1);
    float[] x = DjlTestSupport.gaussian(rnd, rows * IN, 1);
    float[] y = DjlTestSupport.linearTargets(x, IN, new float[] {1, -2, 0.5f, 3}, 0.5f);
    for (int r : nanRows) {
      y[r] = Float.NaN;
    }
    return new ArrayDataset.Builder()
        .setData(manager.create(x, new Shape(rows, IN)))
        .optLabels(manager.create(y, new Shape(rows, 1)))
        .setSampling(BATCH, false)
        .build();
  }
}
