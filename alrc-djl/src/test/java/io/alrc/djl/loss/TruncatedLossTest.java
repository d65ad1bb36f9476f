package io.alrc.djl.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.alrc.djl.DjlTestSupport;
import io.alrc.stabilizer.LossTruncation;
import io.alrc.telemetry.StepTelemetry;
import org.junit.jupiter.api.Test;

/** {@link TruncatedLoss} on losses given directly, with the results derived by hand. */
class TruncatedLossTest {
  static {
    DjlTestSupport.init();
  }

  /** A per-example loss equal to the predictions: the losses are given directly. */
  private static final PerExampleLoss IDENTITY = (labels, predictions) -> predictions.head().reshape(-1);

  private static TruncatedLoss loss() {
    return TruncatedLoss.builder()
        .setBaseLoss(IDENTITY)
        .optDropFraction(0.5)
        .optMinCount(0)
        .optRecompute(4)
        .build();
  }

  /** Evaluates {@code losses}, returns d objective / d L_i and puts the objective in value[0]. */
  private static float[] evaluateAndGradient(TruncatedLoss loss, NDManager m, float[] losses,
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
  void dropsTheLossesAtOrAboveTheQuantileOnceTheHistoryIsFull() {
    TruncatedLoss loss = loss();
    try (NDManager m = NDManager.newBaseManager()) {
      float[] value = new float[1];
      // step 1: 4 examples seen = recompute, but only more than recompute since the start computes
      // the first cutoff: nothing is dropped
      float[] grad = evaluateAndGradient(loss, m, new float[] {1, 2, 3, 4}, value);
      assertThat(grad).containsExactly(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, within(1e-7f));
      assertThat(value[0]).isCloseTo(2.5f, within(1e-6f));
      assertThat(loss.pendingMeanLoss().getAsDouble()).isCloseTo(2.5, within(1e-12));
      assertThat(loss.state().count()).as("evaluate does not advance the state").isZero();
      LossTruncation.Step first = loss.commit();
      assertThat(first.droppedCount()).isZero();
      assertThat(loss.state().count()).isEqualTo(4);

      // step 2: cutoff = percentile([10, 1, 2, 3], 50) = 2.5; 10 and 3 are dropped
      grad = evaluateAndGradient(loss, m, new float[] {10, 1, 2, 3}, value);
      assertThat(grad).as("s_i / B, s = [0, 1, 1, 0]")
          .containsExactly(new float[] {0, 0.25f, 0.25f, 0}, within(1e-7f));
      assertThat(value[0]).as("(1 + 2) / 4: the mean over all four").isCloseTo(0.75f, within(1e-6f));
      LossTruncation.Step second = loss.commit();
      assertThat(second.cutoff()).isEqualTo(2.5);
      StepTelemetry t = loss.lastTelemetry().orElseThrow();
      assertThat(t.clipped()).isEqualTo(2);
      assertThat(t.threshold()).isEqualTo(2.5);
      assertThat(t.observed()).isEqualTo(10);
      assertThat(t.minScale()).isZero();
      assertThat(loss.state().cutoff()).isEqualTo(2.5);
      assertThat(loss.state().history()).containsExactly(10, 1, 2, 3);

      // step 3: the cutoff stays until more than 4 further examples were seen
      grad = evaluateAndGradient(loss, m, new float[] {2.4f, 2.6f}, value);
      assertThat(grad).containsExactly(new float[] {0.5f, 0}, within(1e-7f));
      loss.commit();
    }
  }

  @Test
  void aDiscardedStepLeavesTheStateAndANonFiniteLossIsReported() {
    TruncatedLoss loss = loss();
    try (NDManager m = NDManager.newBaseManager()) {
      float[] value = new float[1];
      evaluateAndGradient(loss, m, new float[] {1, 2, 3, 4}, value);
      loss.commit();
      LossTruncation.State before = loss.state();
      evaluateAndGradient(loss, m, new float[] {10, 1, 2, 3}, value);
      StepTelemetry discarded = loss.discard().orElseThrow();
      assertThat(discarded.skipped()).isTrue();
      assertThat(loss.state()).isEqualTo(before);
      assertThat(loss.hasPending()).isFalse();

      float[] grad = evaluateAndGradient(loss, m, new float[] {1, Float.NaN}, value);
      assertThat(loss.pendingNonFiniteLoss()).contains("loss of example 1 is NaN");
      assertThat(grad[0]).as("multiplied by 1, not 0").isEqualTo(0.5f);
      loss.commit();
      assertThat(loss.state()).as("a non-finite step leaves the state").isEqualTo(before);
      assertThat(loss.lastTelemetry().orElseThrow().skipped()).isTrue();
    }
  }

  @Test
  void snapshotsRoundTripAndBuilderChecksItsParameters() {
    TruncatedLoss loss = loss();
    try (NDManager m = NDManager.newBaseManager()) {
      evaluateAndGradient(loss, m, new float[] {1, 2, 3, 4, 5}, new float[1]);
      loss.commit();
    }
    TruncatedLoss restored = loss();
    restored.restore(loss.snapshot());
    assertThat(restored.state()).isEqualTo(loss.state());
    assertThatThrownBy(() -> TruncatedLoss.builder().setBaseLoss(IDENTITY).build().restore(loss.snapshot()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dropFraction");
    assertThatThrownBy(() -> TruncatedLoss.builder().build())
        .hasMessageStartingWith("setBaseLoss(...) is required");
    assertThatThrownBy(() -> TruncatedLoss.builder().setBaseLoss(IDENTITY).optDropFraction(1).build())
        .hasMessage("dropFraction (1.0) must be in [0, 1)");
    assertThat(TruncatedLoss.builder().setBaseLoss(PerExampleLosses.mse()).build().getName())
        .isEqualTo("MSE");
  }

  @Test
  void monitoredLossPassesTheValueThroughAndKeepsIt() {
    MonitoredLoss monitored = MonitoredLoss.of(PerExampleLosses.batchMean(PerExampleLosses.mse()));
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray p = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
      NDArray y = m.create(new float[] {0, 0, 0, 0}, new ai.djl.ndarray.types.Shape(2, 2));
      NDArray v = monitored.evaluate(new NDList(y), new NDList(p));
      assertThat(v.getFloat()).isCloseTo(7.5f, within(1e-6f)); // mean(1, 4, 9, 16)
      assertThat(monitored.pendingValue().getAsDouble()).isCloseTo(7.5, within(1e-6));
      assertThat(monitored.takePending().getAsDouble()).isCloseTo(7.5, within(1e-6));
      assertThat(monitored.hasPending()).isFalse();
    }
    assertThatThrownBy(() -> MonitoredLoss.of(monitored)).hasMessageContaining("already monitored");
  }
}
