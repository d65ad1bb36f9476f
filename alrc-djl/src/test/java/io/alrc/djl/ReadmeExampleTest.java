package io.alrc.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.translate.TranslateException;
import io.alrc.djl.loss.AlrcLoss;
import io.alrc.djl.loss.PerExampleLoss;
import io.alrc.djl.loss.PerExampleLosses;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.stabilizer.GradientStabilizer;
import io.alrc.djl.stabilizer.GradientStabilizers;
import io.alrc.djl.training.StepGuard;
import io.alrc.djl.training.StepReport;
import io.alrc.telemetry.StepTelemetry;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The code snippets of {@code alrc-djl/README.md}, verbatim between the {@code // README} markers,
 * so they compile and run. Keep the two in step.
 */
class ReadmeExampleTest {
  static {
    DjlTestSupport.init();
  }

  private NDManager manager;
  private Model model;
  private ArrayDataset trainingSet;
  private ArrayDataset validationSet;
  private final int epochs = 2;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
    model = Model.newInstance("readme");
    model.setBlock(Linear.builder().setUnits(1).build());
    trainingSet = dataset(32, 1);
    validationSet = dataset(16, 2);
  }

  @AfterEach
  void tearDown() {
    model.close();
    manager.close();
  }

  private ArrayDataset dataset(int rows, long seed) {
    float[] x = DjlTestSupport.gaussian(new Random(seed), rows * 4, 1);
    float[] y = DjlTestSupport.linearTargets(x, 4, new float[] {1, -2, 0.5f, 3}, 0.5f);
    return new ArrayDataset.Builder()
        .setData(manager.create(x, new Shape(rows, 4)))
        .optLabels(manager.create(y, new Shape(rows, 1)))
        .setSampling(8, false)
        .build();
  }

  @Test
  void alrcWithEasyTrain() throws IOException, TranslateException {
    // README: ALRC with EasyTrain.fit
    StatefulAlrcLoss loss = AlrcLoss.builder()
        .setBaseLoss(PerExampleLosses.mse())   // any per-example loss: one value per example
        .build();                              // defaults: AlrcConfig.reference()
    StepGuard guard = StepGuard.of(loss);      // commits ALRC once per step, skips NaN steps

    DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
        .optOptimizer(guard.wrap(Optimizer.adam().build()))
        .addTrainingListeners(StepGuard.withoutDivergenceCheck(TrainingListener.Defaults.basic()))
        .addTrainingListeners(guard);
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, 4));
      EasyTrain.fit(trainer, epochs, trainingSet, validationSet);
    }
    // README end

    assertThat(loss.state().steps()).as("2 epochs x 4 batches").isEqualTo(8);
  }

  @Test
  void alrcInAHandWrittenLoop() throws IOException, TranslateException {
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(loss).optOptimizer(guard.wrap(Optimizer.adam().build()));
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, 4));
      // README: ALRC in a hand-written loop
      for (Batch batch : trainer.iterateDataset(trainingSet)) {
        try (GradientCollector collector = trainer.newGradientCollector()) {
          NDList predictions = trainer.forward(batch.getData());
          NDArray objective = loss.evaluate(batch.getLabels(), predictions);
          collector.backward(objective);
        }
        StepReport report = guard.afterBackward(trainer); // commit ALRC, or mark the step skipped
        trainer.step();                                   // always: a skipped step changes nothing
        batch.close();
      }
      // README end
    }
    assertThat(loss.state().steps()).isEqualTo(4);
    assertThat(guard.lastReport()).isPresent();
  }

  @Test
  void zClipWithEasyTrainAndByHand() throws IOException, TranslateException {
    Loss anyLoss = Loss.l2Loss();
    // README: a gradient stabilizer
    GradientStabilizer zclip = GradientStabilizers.zClip();
    StepGuard guard = StepGuard.of(zclip);

    DefaultTrainingConfig config = new DefaultTrainingConfig(anyLoss)
        .optOptimizer(guard.wrap(Optimizer.adam().build()))
        .addTrainingListeners(guard);
    // README end
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, 4));
      EasyTrain.fit(trainer, 1, trainingSet, null);
      for (Batch batch : trainer.iterateDataset(trainingSet)) {
        // README: a gradient stabilizer by hand
        try (GradientCollector collector = trainer.newGradientCollector()) {
          NDList predictions = trainer.forward(batch.getData());
          collector.backward(trainer.getLoss().evaluate(batch.getLabels(), predictions));
        }
        guard.afterBackward(trainer);           // ZClip measures, clips and advances here
        trainer.step();
        StepTelemetry t = zclip.lastTelemetry().orElseThrow();
        // README end
        assertThat(t.skipped()).isFalse();
        batch.close();
      }
    }
    assertThat(guard.steps()).isEqualTo(8);
  }

  @Test
  void papersLossesAndACustomOne() {
    // README: per-example losses
    PerExampleLoss quartic = PerExampleLosses.sqrtAbove(PerExampleLosses.meanPower(4, 25), 50);
    PerExampleLoss custom = PerExampleLosses.named("LogCosh", (labels, predictions) -> {
      try (NDArray e = labels.head().reshape(predictions.head().getShape()).sub(predictions.head());
          NDArray c = e.cosh();
          NDArray l = c.log();
          NDArray rows = l.reshape(l.getShape().get(0), -1)) {
        return rows.mean(new int[] {1});           // shape (B,)
      }
    });
    StatefulAlrcLoss loss = AlrcLoss.builder()
        .setBaseLoss(quartic)
        .optProfile(io.alrc.AlrcConfig.Profile.CIFAR2019)
        .optN(3)
        .build();
    // README end
    assertThat(loss.getName()).isEqualTo("SqrtAbove50(25xMeanPower4)");
    try (NDManager m = NDManager.newBaseManager()) {
      NDList l = new NDList(m.create(new float[] {0, 1}, new Shape(2, 1)));
      NDList p = new NDList(m.zeros(new Shape(2, 1)));
      try (NDArray per = custom.evaluate(l, p)) {
        assertThat(per.toFloatArray()[1]).isCloseTo((float) Math.log(Math.cosh(1)),
            org.assertj.core.api.Assertions.within(1e-6f));
      }
    }
  }
}
