package io.alrc.djl.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import io.alrc.AlrcStep;
import io.alrc.NonFiniteLossException;
import io.alrc.djl.DjlTestSupport;
import io.alrc.telemetry.StepTelemetry;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatefulAlrcLossTest {
  static {
    DjlTestSupport.init();
  }

  /** A per-example loss equal to the predictions: the losses are given directly. */
  private static final PerExampleLoss IDENTITY = (labels, predictions) -> predictions.head().reshape(-1);

  /** ALRC with the authors' reference profile, whose spec vectors the tests check. */
  private static StatefulAlrcLoss reference(PerExampleLoss base) {
    return AlrcLoss.builder().setBaseLoss(base).optProfile(AlrcConfig.Profile.REFERENCE).build();
  }

  private static float[] evaluateAndGradient(StatefulAlrcLoss loss, NDManager m, float[] losses,
      float[] value) {
    NDArray x = m.create(losses);
    x.setRequiresGradient(true);
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray objective = loss.evaluate(new NDList(x), new NDList(x));
      value[0] = objective.getFloat();
      collector.backward(objective);
    }
    try (NDArray g = x.getGradient()) {
      return g.toFloatArray();
    }
  }

  @Test
  void specVectorFromFreshState() {
    StatefulAlrcLoss loss = reference(IDENTITY);
    try (NDManager m = NDManager.newBaseManager()) {
      float[] value = new float[1];
      float[] grad = evaluateAndGradient(loss, m, new float[] {5, 80, 20, 200}, value);

      assertThat(grad)
          .as("gradient of the batch-mean objective w.r.t. the losses: s_i / B")
          .containsExactly(new float[] {0.25f, 0.23359178f, 0.25f, 0.09343672f}, within(1e-7f));
      assertThat(value[0])
          .as("objective = mean of the clipped losses [5, 74.749374, 20, 74.749374]")
          .isCloseTo((5 + 74.749374f + 20 + 74.749374f) / 4, within(1e-4f));
      assertThat(loss.state()).as("evaluate does not advance the state").isEqualTo(
          AlrcState.initial(AlrcConfig.reference()));

      AlrcStep step = loss.commit();
      assertThat(step.lmax()).isCloseTo(74.749374, within(1e-5));
      assertThat(loss.state().mu1()).isCloseTo(25.018625, within(1e-5));
      assertThat(loss.state().mu2()).isCloseTo(902.0, within(1e-3));
      assertThat(loss.state().steps()).isEqualTo(1);
    }
  }

  static Stream<Arguments> profiles() {
    return Stream.of(
        Arguments.of(
            AlrcConfig.reference(),
            new double[] {74.749374, 74.729828, 74.977928},
            new double[][] {{1}, {0.7472983}, {1, 0.937224, 1, 0.374890}},
            new double[] {24.985001, 25.034746, 25.053452},
            new double[] {899.200012, 903.885376, 905.898621}),
        Arguments.of(
            AlrcConfig.cifar2019(2),
            new double[] {44.641075, 44.580612, 44.624043},
            new double[][] {{1}, {0.4458061}, {1, 0.5578005, 1, 0.2231202}},
            new double[] {9.980000, 9.994639, 9.993217},
            new double[] {398.899994, 399.690704, 399.593536}));
  }

  @ParameterizedTest
  @MethodSource("profiles")
  void specVectorsInSequence(
      AlrcConfig config, double[] lmax, double[][] scales, double[] mu1, double[] mu2) {
    StatefulAlrcLoss loss = AlrcLoss.builder().setBaseLoss(IDENTITY).optConfig(config).build();
    float[][] batches = {{10}, {100}, {5, 80, 20, 200}};
    try (NDManager m = NDManager.newBaseManager()) {
      for (int k = 0; k < batches.length; k++) {
        float[] value = new float[1];
        float[] grad = evaluateAndGradient(loss, m, batches[k], value);
        for (int i = 0; i < grad.length; i++) {
          assertThat((double) grad[i])
              .as("step %d example %d: gradient = s_i / B", k + 1, i)
              .isCloseTo(scales[k][i] / batches[k].length, within(2e-6));
        }
        AlrcStep step = loss.commit();
        assertThat(step.lmax()).as("step %d lmax", k + 1).isCloseTo(lmax[k], within(2e-5));
        assertThat(loss.state().mu1()).as("step %d mu1", k + 1).isCloseTo(mu1[k], within(2e-5));
        assertThat(loss.state().mu2()).as("step %d mu2", k + 1).isCloseTo(mu2[k], within(1e-3));
      }
    }
  }

  /**
   * On a real model the parameter gradient of the ALRC objective equals {@code sum_i s_i / B *
   * grad L_i}, with each {@code grad L_i} taken from the example alone.
   */
  @Test
  void parameterGradientIsScaledSumOfSingleExampleGradients() {
    int b = 4;
    int in = 3;
    float[] x = {1, 2, -1, 0.5f, 0, 3, -2, 1, 1, 4, -3, 2};
    // predictions are -0.25, 1.05, -0.15, 1.75: examples 1 and 3 have large errors and get clipped
    float[] y = {-0.2f, 10, 0, 25};
    // small initial moments so that lmax is low: sigma = sqrt(0.02 - 0.01) = 0.1, lmax = 0.4
    StatefulAlrcLoss loss =
        AlrcLoss.builder()
            .setBaseLoss(PerExampleLosses.mse())
            .optInitialMoments(0.1, 0.02)
            .build();
    try (Model model = DjlTestSupport.linearModel("grad-check");
        Trainer trainer = DjlTestSupport.trainer(model, loss, DjlTestSupport.adam(0.01f), in)) {
      DjlTestSupport.setParameter(model, "weight", new float[] {0.2f, -0.1f, 0.3f});
      DjlTestSupport.setParameter(model, "bias", new float[] {0.05f});
      DjlTestSupport.zeroGradients(model);

      float[] wrappedW;
      float[] wrappedB;
      try (NDManager step = trainer.getManager().newSubManager()) {
        NDArray data = step.create(x, new Shape(b, in));
        NDArray labels = step.create(y, new Shape(b, 1));
        try (GradientCollector collector = trainer.newGradientCollector()) {
          NDList preds = trainer.forward(new NDList(data));
          collector.backward(loss.evaluate(new NDList(labels), preds));
        }
        wrappedW = DjlTestSupport.gradient(model, "weight");
        wrappedB = DjlTestSupport.gradient(model, "bias");
      }
      AlrcStep committed = loss.commit();
      assertThat(committed.clippedCount()).as("the test must exercise clipping").isEqualTo(2);

      double[] expectW = new double[in];
      double expectB = 0;
      for (int i = 0; i < b; i++) {
        DjlTestSupport.zeroGradients(model);
        try (NDManager step = trainer.getManager().newSubManager()) {
          NDArray data = step.create(java.util.Arrays.copyOfRange(x, i * in, i * in + in),
              new Shape(1, in));
          NDArray labels = step.create(new float[] {y[i]}, new Shape(1, 1));
          try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList preds = trainer.forward(new NDList(data));
            NDArray single = PerExampleLosses.mse().evaluate(new NDList(labels), preds);
            collector.backward(single.sum());
          }
          float[] gw = DjlTestSupport.gradient(model, "weight");
          float[] gb = DjlTestSupport.gradient(model, "bias");
          double s = committed.scale(i) / b;
          for (int k = 0; k < in; k++) {
            expectW[k] += s * gw[k];
          }
          expectB += s * gb[0];
        }
      }
      for (int k = 0; k < in; k++) {
        assertThat((double) wrappedW[k])
            .as("weight gradient %d = sum_i s_i/B * single-example gradient", k)
            .isCloseTo(expectW[k], within(1e-4 * Math.max(1, Math.abs(expectW[k]))));
      }
      assertThat((double) wrappedB[0]).isCloseTo(expectB, within(1e-4 * Math.max(1, Math.abs(expectB))));
    }
  }

  @Test
  void evaluateNeverAdvancesAndCommitAdvancesOnce() {
    StatefulAlrcLoss loss = reference(IDENTITY);
    AlrcState fresh = loss.state();
    try (NDManager m = NDManager.newBaseManager()) {
      NDList x = new NDList(m.create(new float[] {5, 80, 20, 200}));
      loss.evaluate(x, x);
      loss.evaluate(x, x);
      loss.evaluate(x, x);
      assertThat(loss.state()).as("three evaluations, no commit").isEqualTo(fresh);
      assertThat(loss.hasPending()).isTrue();
      loss.commit();
      assertThat(loss.state().steps()).as("one commit, one step").isEqualTo(1);
      assertThat(loss.state().mu1()).isCloseTo(25.018625, within(1e-5));
      assertThat(loss.hasPending()).isFalse();
      assertThatThrownBy(loss::commit)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("commit() found no pending ALRC evaluation");
    }
  }

  @Test
  void accumulatorsLogTheUnclippedMeanAndLeaveTheStateAlone() {
    StatefulAlrcLoss loss = AlrcLoss.wrap(IDENTITY);
    try (NDManager m = NDManager.newBaseManager()) {
      NDList x = new NDList(m.create(new float[] {5, 80, 20, 200}));
      loss.addAccumulator("train/epoch");
      loss.updateAccumulators(new String[] {"train/epoch"}, x, x);
      loss.updateAccumulator("train/epoch", x, x);
      assertThat(loss.getAccumulator("train/epoch"))
          .as("the unclipped batch mean (5 + 80 + 20 + 200) / 4")
          .isCloseTo(76.25f, within(1e-4f));
      assertThat(loss.hasPending()).as("accumulators do not evaluate ALRC").isFalse();
      assertThat(loss.state()).isEqualTo(AlrcState.initial(loss.config()));
      loss.resetAccumulator("train/epoch");
    }
  }

  @Test
  void nonFiniteLossIsDiscardedOrRecordedAsTheCoreDoes() {
    StatefulAlrcLoss loss =
        AlrcLoss.builder()
            .setBaseLoss(IDENTITY)
            .optProfile(AlrcConfig.Profile.REFERENCE)
            .optNonFiniteLimit(2)
            .build();
    try (NDManager m = NDManager.newBaseManager()) {
      NDList bad = new NDList(m.create(new float[] {5, Float.NaN, 20}));
      NDArray value = loss.evaluate(bad, bad);
      assertThat(value.getFloat()).isNaN();
      assertThat(loss.pendingNonFiniteLoss()).contains("loss of example 1 is NaN");

      loss.addAccumulator("train/all");
      loss.updateAccumulators(new String[] {"train/all"}, bad, bad);
      NDList good = new NDList(m.create(new float[] {2, 4}));
      loss.updateAccumulators(new String[] {"train/all"}, good, good);
      assertThat(loss.getAccumulator("train/all"))
          .as("the non-finite training batch is left out of the accumulators")
          .isEqualTo(3f);

      StepTelemetry skipped = loss.discard().orElseThrow();
      assertThat(skipped.skipped()).isTrue();
      assertThat(loss.state()).as("discard leaves the state as it was")
          .isEqualTo(AlrcState.initial(loss.config()));

      loss.evaluate(bad, bad);
      loss.commit();
      assertThat(loss.state().skippedSteps()).as("commit records the skip").isEqualTo(1);
      assertThat(loss.state().mu1()).isEqualTo(loss.config().initialMu1());
      loss.evaluate(bad, bad);
      assertThatThrownBy(loss::commit)
          .isInstanceOf(NonFiniteLossException.class)
          .hasMessageContaining("step 2")
          .hasMessageContaining("limit 2");
    }
  }

  @Test
  void negativeLossAndWrongShapeAreRejected() {
    StatefulAlrcLoss loss = AlrcLoss.wrap(IDENTITY);
    try (NDManager m = NDManager.newBaseManager()) {
      NDList neg = new NDList(m.create(new float[] {1, 2, -3}));
      assertThatThrownBy(() -> loss.evaluate(neg, neg))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("example 2")
          .hasMessageContaining("negative");
      StatefulAlrcLoss wide =
          AlrcLoss.wrap(PerExampleLosses.named("rows", (l, p) -> p.head().mul(1)));
      NDList two = new NDList(m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)));
      assertThatThrownBy(() -> wide.evaluate(two, two))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("per-example loss 'rows' returned shape (2, 2), expected (2,): one loss per"
              + " example");
      assertThat(loss.hasPending()).isFalse();
    }
  }

  @Test
  void snapshotRoundTripsAndChecksTheConfiguration() {
    StatefulAlrcLoss loss = AlrcLoss.wrap(IDENTITY);
    try (NDManager m = NDManager.newBaseManager()) {
      for (float[] batch : new float[][] {{10}, {100}, {5, 80, 20, 200}}) {
        NDList x = new NDList(m.create(batch));
        loss.evaluate(x, x);
        loss.commit();
      }
    }
    byte[] bytes = loss.snapshot();
    StatefulAlrcLoss restored = AlrcLoss.wrap(IDENTITY);
    restored.restore(bytes);
    assertThat(restored.state()).isEqualTo(loss.state());

    StatefulAlrcLoss other = AlrcLoss.builder().setBaseLoss(IDENTITY).optN(2).build();
    assertThatThrownBy(() -> other.restore(bytes))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("snapshot was taken with");
  }

  @Test
  @SuppressWarnings("deprecation")
  void builderTakesDefaultsFromTheCoreAndValidates() {
    assertThat(AlrcLoss.wrap(IDENTITY).config())
        .as("without initial moments: the auto start")
        .isEqualTo(AlrcConfig.auto());
    assertThat(AlrcLoss.builder().setBaseLoss(IDENTITY).build().config()).isEqualTo(AlrcConfig.auto());
    assertThat(reference(IDENTITY).config()).isEqualTo(AlrcConfig.reference());
    assertThat(
            AlrcLoss.builder().setBaseLoss(IDENTITY).optInitialMoments(0.1, 0.02).build().config())
        .as("explicit moments: the auto profile's constants with a fixed start")
        .isEqualTo(AlrcConfig.builder().initialMoments(0.1, 0.02).build());
    assertThat(AlrcLoss.builder().setBaseLoss(IDENTITY).optWarmup(16).build().config().warmup())
        .isEqualTo(16);
    assertThat(
            AlrcLoss.builder()
                .setBaseLoss(IDENTITY)
                .optProfile(AlrcConfig.Profile.CIFAR2019)
                .optN(2)
                .build()
                .config())
        .isEqualTo(AlrcConfig.cifar2019(2));
    assertThat(AlrcLoss.wrap(PerExampleLosses.mse()).getName()).isEqualTo("MSE");
    assertThatThrownBy(() -> AlrcLoss.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("setBaseLoss(...) is required");
    assertThatThrownBy(
            () -> AlrcLoss.builder().setBaseLoss(IDENTITY).optConfig(AlrcConfig.reference()).optN(2)
                .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("optConfig(...) cannot be combined with optN: set them on the AlrcConfig"
            + " instead");
    assertThatThrownBy(
            () -> AlrcLoss.builder().setBaseLoss(IDENTITY).optInitialMu2(400).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initialMu2");
  }

  @Test
  @SuppressWarnings("deprecation")
  void oneInitialMomentAloneIsAnErrorThatSaysToSetBoth() {
    assertThatThrownBy(
            () ->
                AlrcLoss.builder()
                    .setBaseLoss(IDENTITY)
                    .optProfile(AlrcConfig.Profile.REFERENCE)
                    .optInitialMu1(0.05)
                    .build())
        .as("the trap: mu1(0) 0.05 with the profile's mu2(0) 900")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "optInitialMu1 (0.05) was set without optInitialMu2: the initial moments mu1(0)"
                + " (initialMu1, the mean) and mu2(0) (initialMu2, the mean square of the loss)"
                + " are a pair; set both with optInitialMoments(mu1, mu2), or neither for the auto"
                + " start");
    assertThat(
            AlrcLoss.builder()
                .setBaseLoss(IDENTITY)
                .optInitialMu1(0.1)
                .optInitialMu2(0.02)
                .build()
                .config())
        .as("both halves are the pair")
        .isEqualTo(AlrcConfig.builder().initialMoments(0.1, 0.02).build());
    assertThatThrownBy(
            () ->
                AlrcLoss.builder()
                    .setBaseLoss(IDENTITY)
                    .optInitialMoments(0.1, 0.02)
                    .optWarmup(64)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exclude each other");
  }

  @Test
  void anEvaluationThatReplacesAnUncommittedOneIsCounted() {
    StatefulAlrcLoss loss = AlrcLoss.wrap(IDENTITY);
    try (NDManager m = NDManager.newBaseManager()) {
      NDList x = new NDList(m.create(new float[] {0.01f, 0.02f, 0.03f, 0.04f}));
      loss.evaluate(x, x);
      assertThat(loss.replacedEvaluations()).as("one pending evaluation is fine").isZero();
      loss.commit();
      loss.evaluate(x, x);
      loss.discard();
      loss.evaluate(x, x);
      assertThat(loss.replacedEvaluations()).as("after a commit or a discard").isZero();

      // the silent no-op: a loop without a StepGuard or commit()
      loss.evaluate(x, x);
      loss.evaluate(x, x);
      assertThat(loss.replacedEvaluations())
          .as("each replaced evaluation counts (the first is logged at WARN)")
          .isEqualTo(2);
      assertThat(loss.state().steps()).as("and nothing moved").isEqualTo(1);
      loss.reset();
      assertThat(loss.replacedEvaluations()).as("reset keeps the count").isEqualTo(2);
    }
  }

  @Test
  void theDefaultClipsSmallScaleOutliersAfterItsWarmup() {
    // losses of order 0.05 with a 100x outlier: reference's threshold stays near 75 and clips
    // nothing; the default learns the scale within its 64-loss warm-up
    StatefulAlrcLoss auto = AlrcLoss.wrap(IDENTITY);
    StatefulAlrcLoss ref = reference(IDENTITY);
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    try (NDManager m = NDManager.newBaseManager()) {
      for (int step = 0; step < 20; step++) {
        float[] batch = new float[8];
        for (int i = 0; i < batch.length; i++) {
          batch[i] = (float) (0.05 * Math.exp(0.5 * r.nextGaussian()));
        }
        if (step == 12) {
          batch[3] *= 100;
        }
        for (StatefulAlrcLoss loss : new StatefulAlrcLoss[] {auto, ref}) {
          NDList x = new NDList(m.create(batch));
          loss.evaluate(x, x);
          AlrcStep committed = loss.commit();
          if (step == 12 && loss == auto) {
            assertThat(committed.scale(3)).as("the default clips the outlier").isLessThan(0.1);
          } else if (step == 12) {
            assertThat(committed.scale(3)).as("reference does not").isEqualTo(1);
          }
        }
        if (step == 7) {
          assertThat(auto.lastTelemetry().orElseThrow().warmup())
              .as("step 8 completes the 64-loss warm-up")
              .isTrue();
        }
        if (step == 8) {
          assertThat(auto.lastTelemetry().orElseThrow().warmup()).isFalse();
        }
      }
    }
    assertThat(auto.lastStep().orElseThrow().lmax()).as("the default's threshold").isLessThan(1);
    assertThat(ref.lastStep().orElseThrow().lmax()).as("reference's").isGreaterThan(70);
  }

  @Test
  void snapshotsOfTheAutoStartRoundTripInTheMiddleOfTheWarmup() {
    StatefulAlrcLoss loss = AlrcLoss.wrap(IDENTITY);
    try (NDManager m = NDManager.newBaseManager()) {
      NDList x = new NDList(m.create(new float[] {0.3f, 0.1f, 0.2f, 5f}));
      loss.evaluate(x, x);
      loss.commit();
      byte[] bytes = loss.snapshot();
      StatefulAlrcLoss restored = AlrcLoss.wrap(IDENTITY);
      restored.restore(bytes);
      assertThat(restored.state()).isEqualTo(loss.state());
      assertThat(restored.state().warmupBufferSize()).as("mid-warm-up: the buffer").isEqualTo(4);
      for (StatefulAlrcLoss l : new StatefulAlrcLoss[] {loss, restored}) {
        l.evaluate(x, x);
        l.commit();
      }
      assertThat(restored.state()).as("they continue alike").isEqualTo(loss.state());
    }
  }
}
