package io.alrc.djl.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InPlaceAdamTest {

  /** Trains a small PaperNet for a few steps and returns its parameters, flattened. */
  private static List<float[]> train(Optimizer optimizer, int steps, float gradScale) {
    Engine.getInstance().setRandomSeed(1234);
    Block net = PaperNet.builder().width(0.125).residualBlocks(1).build();
    try (Model model = Model.newInstance("adam-test")) {
      model.setBlock(net);
      try (Trainer trainer =
          model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(optimizer))) {
        Shape shape = new Shape(2, 3, 8, 8);
        trainer.initialize(shape);
        NDManager manager = trainer.getManager();
        NDArray x = manager.randomNormal(shape);
        NDArray y = manager.randomNormal(shape);
        for (int s = 0; s < steps; s++) {
          try (NDManager sm = manager.newSubManager();
              GradientCollector gc = trainer.newGradientCollector()) {
            NDArray xs = x.duplicate();
            xs.attach(sm);
            NDArray out = trainer.forward(new NDList(xs)).singletonOrThrow();
            NDArray d = out.sub(y);
            gc.backward(d.mul(d).mean().mul(gradScale));
          }
          trainer.step();
        }
        List<float[]> params = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
          params.add(p.getValue().getArray().toFloatArray());
        }
        return params;
      }
    }
  }

  private static void assertClose(List<float[]> actual, List<float[]> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < actual.size(); i++) {
      float[] a = actual.get(i);
      float[] e = expected.get(i);
      assertThat(a).hasSameSizeAs(e);
      for (int j = 0; j < a.length; j++) {
        assertThat(a[j]).as("parameter %d element %d", i, j).isCloseTo(e[j], within(2e-6f));
      }
    }
  }

  @Test
  void matchesDjlAdamOverSeveralSteps() {
    float lr = 1e-2f;
    List<float[]> before = train(Optimizer.adam().build(), 0, 1f);
    List<float[]> djl =
        train(Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).build(), 5, 1f);
    List<float[]> ours =
        train(InPlaceAdam.builder().optLearningRateTracker(Tracker.fixed(lr)).build(), 5, 1f);
    assertClose(ours, djl);
    // and the training did move the weights by about lr per step
    double moved = 0;
    for (int i = 0; i < ours.size(); i++) {
      for (int j = 0; j < ours.get(i).length; j++) {
        moved = Math.max(moved, Math.abs(ours.get(i)[j] - before.get(i)[j]));
      }
    }
    assertThat(moved).isGreaterThan(0.5 * lr).isLessThan(5 * 1.01 * lr);
  }

  @Test
  void matchesDjlAdamWithWeightDecayRescaleAndBetas() {
    List<float[]> djl =
        train(
            Optimizer.adam()
                .optLearningRateTracker(Tracker.fixed(3e-3f))
                .optBeta1(0.8f)
                .optBeta2(0.99f)
                .optWeightDecays(0.01f)
                .setRescaleGrad(0.5f)
                .build(),
            4,
            3f);
    List<float[]> ours =
        train(
            InPlaceAdam.builder()
                .optLearningRateTracker(Tracker.fixed(3e-3f))
                .optBeta1(0.8f)
                .optBeta2(0.99f)
                .optWeightDecays(0.01f)
                .setRescaleGrad(0.5f)
                .build(),
            4,
            3f);
    assertClose(ours, djl);
  }

  @Test
  void zeroesTheGradientEvenWhenItWasNotFinite() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {1f, 2f, 3f});
      w.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(w.mul(manager.create(new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1f})).sum());
      }
      InPlaceAdam adam = InPlaceAdam.builder().build();
      try (NDArray g = w.getGradient()) {
        NDArray copy = g.duplicate();
        adam.update("w", w, copy);
      }
      try (NDArray g = w.getGradient()) {
        assertThat(g.toFloatArray()).containsExactly(0f, 0f, 0f);
      }
    }
  }
}
