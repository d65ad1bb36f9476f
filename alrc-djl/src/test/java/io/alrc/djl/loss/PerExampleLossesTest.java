package io.alrc.djl.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.alrc.djl.DjlTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PerExampleLossesTest {
  static {
    DjlTestSupport.init();
  }

  private NDManager manager;
  private NDList labels;
  private NDList predictions;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
    // errors e = label - prediction: example 0 [1, -2, 0.5], example 1 [0, 3, -1]
    labels = new NDList(manager.create(new float[] {1, -2, 0.5f, 0, 3, -1}, new Shape(2, 3)));
    predictions = new NDList(manager.zeros(new Shape(2, 3)));
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private float[] eval(PerExampleLoss loss) {
    try (NDArray per = loss.evaluate(labels, predictions)) {
      assertThat(per.getShape()).as("one loss per example").isEqualTo(new Shape(2));
      return per.toFloatArray();
    }
  }

  @Test
  void valuesMatchHandComputation() {
    assertThat(eval(PerExampleLosses.mse()))
        .as("mean(e^2): (1 + 4 + 0.25)/3, (0 + 9 + 1)/3")
        .containsExactly(new float[] {5.25f / 3, 10f / 3}, within(1e-6f));
    assertThat(eval(PerExampleLosses.meanPower(4, 25)))
        .as("25 mean(e^4): 25 (1 + 16 + 0.0625)/3, 25 (0 + 81 + 1)/3")
        .containsExactly(new float[] {25 * 17.0625f / 3, 25 * 82f / 3}, within(1e-3f));
    assertThat(eval(PerExampleLosses.meanPower(3, 1)))
        .as("mean|e|^3: (1 + 8 + 0.125)/3, (0 + 27 + 1)/3")
        .containsExactly(new float[] {9.125f / 3, 28f / 3}, within(1e-5f));
    assertThat(eval(PerExampleLosses.l1()))
        .containsExactly(new float[] {3.5f / 3, 4f / 3}, within(1e-6f));
    assertThat(eval(PerExampleLosses.huber(1)))
        .as("huber(1): (0.5 + 1.5 + 0.125)/3, (0 + 2.5 + 0.5)/3")
        .containsExactly(new float[] {2.125f / 3, 3f / 3}, within(1e-6f));
    assertThat(eval(PerExampleLosses.sqrtAbove(PerExampleLosses.mse(), 2)))
        .as("1.75 stays below 2; 10/3 becomes its square root")
        .containsExactly(new float[] {5.25f / 3, (float) Math.sqrt(10.0 / 3)}, within(1e-6f));
    try (NDArray mean = PerExampleLosses.batchMean(PerExampleLosses.mse())
        .evaluate(labels, predictions)) {
      assertThat(mean.getFloat()).isCloseTo((5.25f / 3 + 10f / 3) / 2, within(1e-6f));
    }
  }

  @Test
  void rankOneInputsAndLabelReshapeWork() {
    NDList l = new NDList(manager.create(new float[] {1, 2, 3}));
    NDList p = new NDList(manager.create(new float[] {1, 0, 0}, new Shape(3, 1)));
    try (NDArray per = PerExampleLosses.mse().evaluate(l, p)) {
      assertThat(per.toFloatArray()).containsExactly(0f, 4f, 9f);
    }
  }

  @Test
  void sqrtAboveHasAFiniteGradientAtZeroLoss() {
    NDArray p = manager.create(new float[] {1, 2, 3});
    p.setRequiresGradient(true);
    NDList l = new NDList(manager.create(new float[] {1, 2, 3}));
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray per = PerExampleLosses.sqrtAbove(PerExampleLosses.mse(), 1).evaluate(l, new NDList(p));
      collector.backward(per.sum());
    }
    try (NDArray g = p.getGradient()) {
      assertThat(g.toFloatArray()).containsExactly(new float[] {0, 0, 0}, within(0f));
    }
  }

  @Test
  void mismatchedShapesAndBadParametersAreRejected() {
    NDList three = new NDList(manager.zeros(new Shape(3)));
    assertThatThrownBy(() -> PerExampleLosses.mse().evaluate(three, predictions))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loss 'MSE': labels of shape (3) do not match predictions of shape (2, 3)");
    assertThatThrownBy(() -> PerExampleLosses.meanPower(0.5, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("power p (0.5) must be finite and >= 1");
    assertThatThrownBy(() -> PerExampleLosses.meanPower(2, 0))
        .hasMessage("weight (0.0) must be finite and > 0");
    assertThatThrownBy(() -> PerExampleLosses.huber(Double.NaN))
        .hasMessage("delta (NaN) must be finite and > 0");
    assertThat(PerExampleLosses.meanPower(4, 25).name()).isEqualTo("25xMeanPower4");
  }
}
