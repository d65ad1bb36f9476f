package io.alrc.djl.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.metric.Metrics;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.alrc.NonFiniteStepException;
import io.alrc.djl.DjlTestSupport;
import io.alrc.djl.loss.AlrcLoss;
import io.alrc.djl.loss.MonitoredLoss;
import io.alrc.djl.loss.PerExampleLosses;
import io.alrc.djl.loss.TruncatedLoss;
import io.alrc.djl.stabilizer.GradientStabilizers;
import io.alrc.stabilizer.SpikeSkipper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link StepGuard} with skip-step and loss truncation, in hand-written loops on a small model. */
class PeerGuardTest {
  static {
    DjlTestSupport.init();
  }

  private static final int IN = 4;
  private static final int BATCH = 8;
  private static final float[] W_TRUE = {1, -2, 0.5f, 3};

  record Batch(float[] x, float[] y) {
    Batch times(float k) {
      float[] t = y.clone();
      for (int i = 0; i < t.length; i++) {
        t[i] *= k;
      }
      return new Batch(x, t);
    }

    Batch withNaNTarget(int example) {
      float[] bad = y.clone();
      bad[example] = Float.NaN;
      return new Batch(x, bad);
    }
  }

  private static List<Batch> batches(int n) {
    Random rnd = new Random(11);
    List<Batch> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = DjlTestSupport.gaussian(rnd, BATCH * IN, 1);
      out.add(new Batch(x, DjlTestSupport.linearTargets(x, IN, W_TRUE, 0.5f)));
    }
    return out;
  }

  /** A linear model behind a guard built by {@code guard} around its loss. */
  private static final class Run implements AutoCloseable {
    final Model model = DjlTestSupport.linearModel("peers");
    final List<StepReport> reports = new ArrayList<>();
    final StepGuard guard;
    final Trainer trainer;

    Run(Loss loss, StepGuard.Builder builder) {
      guard = builder.optReportListener(reports::add).build();
      trainer = DjlTestSupport.trainer(model, loss, guard.wrap(DjlTestSupport.adam(0.05f)), IN);
      DjlTestSupport.setParameter(model, "weight", new float[] {0.1f, 0.1f, 0.1f, 0.1f});
      DjlTestSupport.setParameter(model, "bias", new float[] {0});
    }

    StepReport step(Batch b) {
      DjlTestSupport.guardedStep(trainer, guard, b.x, b.y, BATCH, IN);
      return reports.get(reports.size() - 1);
    }

    float[] weights() {
      float[] w = DjlTestSupport.parameter(model, "weight");
      float[] b = DjlTestSupport.parameter(model, "bias");
      float[] all = Arrays.copyOf(w, w.length + 1);
      all[w.length] = b[0];
      return all;
    }

    @Override
    public void close() {
      trainer.close();
      model.close();
    }
  }

  /** Skip-step on both signals, window 8 (active from the 4th value), factor 3. */
  private static Run skipStepRun() {
    MonitoredLoss loss = MonitoredLoss.of(PerExampleLosses.batchMean(PerExampleLosses.mse()));
    return new Run(loss, StepGuard.builder()
        .optMonitoredLoss(loss)
        .optSkipOnSpikes(8, 3, SpikeSignal.BOTH)
        .optNonFiniteLimit(2));
  }

  @Test
  void aSpikeSkipsTheUpdateAdvancesTheMonitorsAndIsNotANonFiniteSkip() {
    List<Batch> data = batches(8);
    float[] clean;
    try (Run run = skipStepRun()) {
      for (int i : new int[] {0, 1, 2, 3, 4, 6, 7}) {
        assertThat(run.step(data.get(i)).applied()).isTrue();
      }
      clean = run.weights();
    }
    try (Run run = skipStepRun()) {
      for (int i = 0; i < 5; i++) {
        assertThat(run.step(data.get(i)).applied()).as("step %d", i + 1).isTrue();
      }
      float[] before = run.weights();
      SpikeSkipper.State lossBefore = run.guard.lossSpikeState().orElseThrow();
      StepReport spike = run.step(data.get(5).times(20));
      assertThat(spike.spikeSkipped()).isTrue();
      assertThat(spike.skipped()).as("not a non-finite skip").isFalse();
      assertThat(spike.applied()).isFalse();
      assertThat(spike.reason()).startsWith("loss ").contains("is a spike");
      assertThat(spike.lossSpike().clipped()).isEqualTo(1);
      assertThat(spike.lossSpike().observed()).isGreaterThan(spike.lossSpike().threshold());
      assertThat(spike.stabilizers()).isEmpty();
      assertThat(spike.skippedSteps()).isZero();
      assertThat(spike.spikeSkippedSteps()).isEqualTo(1);
      assertThat(run.guard.skippedSteps()).isZero();
      assertThat(run.weights()).as("no update").containsExactly(before);
      SpikeSkipper.State lossAfter = run.guard.lossSpikeState().orElseThrow();
      assertThat(lossAfter.steps()).as("the spike entered the window").isEqualTo(lossBefore.steps() + 1);
      assertThat(lossAfter.window()[lossAfter.size() - 1]).isEqualTo(spike.lossSpike().observed());
      assertThat(run.guard.gradientNormSpikeState().orElseThrow().steps()).isEqualTo(6);

      assertThat(run.step(data.get(6)).applied()).isTrue();
      assertThat(run.step(data.get(7)).applied()).isTrue();
      assertThat(run.weights())
          .as("continuing after the spike equals the run without it (Adam's moments and counts too)")
          .containsExactly(clean);

      // the spike skip neither counts towards the limit nor ends the row of non-finite steps
      assertThat(run.step(data.get(0).withNaNTarget(1)).consecutiveSkipped()).isEqualTo(1);
      StepReport another = run.step(data.get(1).times(1000));
      assertThat(another.spikeSkipped()).isTrue();
      assertThat(another.consecutiveSkipped()).isEqualTo(1);
      NonFiniteStepException e = catchThrowableOfType(
          NonFiniteStepException.class, () -> run.step(data.get(2).withNaNTarget(0)));
      assertThat(e).isNotNull();
      assertThat(e.consecutive()).isEqualTo(2);
      assertThat(run.guard.spikeSkippedSteps()).isEqualTo(2);
    }
  }

  @Test
  void aGuardWithTruncationCommitsOncePerStepAndDropsTheLargestLosses() {
    TruncatedLoss loss = TruncatedLoss.builder()
        .setBaseLoss(PerExampleLosses.mse())
        .optDropFraction(0.5)
        .optMinCount(0)
        .optRecompute(BATCH)
        .build();
    List<Batch> data = batches(4);
    try (Run run = new Run(loss, StepGuard.builder().optTruncatedLoss(loss))) {
      Metrics metrics = new Metrics();
      run.trainer.setMetrics(metrics);
      StepReport first = run.step(data.get(0));
      assertThat(first.truncation().clipped()).as("history not yet past recompute").isZero();
      assertThat(first.objective()).isCloseTo(first.unclippedLoss(), within(1e-9));
      StepReport second = run.step(data.get(1));
      assertThat(second.examples()).isEqualTo(BATCH);
      assertThat(second.truncation().clipped()).as("the losses at or above the median").isEqualTo(4);
      assertThat(second.dropFraction()).isEqualTo(0.5);
      assertThat(second.objective()).isLessThan(second.unclippedLoss() / 2);
      assertThat(second.truncation().threshold()).isEqualTo(loss.state().cutoff());
      StepReport nan = run.step(data.get(2).withNaNTarget(3));
      assertThat(nan.skipped()).isTrue();
      assertThat(nan.reason()).isEqualTo("loss of example 3 is NaN");
      run.step(data.get(3));
      assertThat(loss.state().steps()).as("three committed steps, the NaN one discarded").isEqualTo(3);
      assertThat(metrics.getMetric(GuardMetrics.TRUNCATION_DROP_FRACTION)).hasSize(3);
      assertThat(metrics.getMetric(GuardMetrics.TRUNCATION_DROP_FRACTION).get(1).getValue())
          .isEqualTo(0.5);
    }
  }

  @Test
  void snapshotsHoldTheMonitorsAndTheTruncationState() {
    List<Batch> data = batches(6);
    byte[] snapshot;
    SpikeSkipper.State loss;
    SpikeSkipper.State norm;
    try (Run run = skipStepRun()) {
      for (int i = 0; i < 5; i++) {
        run.step(data.get(i));
      }
      run.step(data.get(5).times(20));
      snapshot = run.guard.snapshot();
      loss = run.guard.lossSpikeState().orElseThrow();
      norm = run.guard.gradientNormSpikeState().orElseThrow();
    }
    try (Run resumed = skipStepRun()) {
      resumed.guard.restore(snapshot);
      assertThat(resumed.guard.lossSpikeState()).contains(loss);
      assertThat(resumed.guard.gradientNormSpikeState()).contains(norm);
      assertThat(resumed.guard.spikeSkippedSteps()).isEqualTo(1);
      assertThat(resumed.guard.steps()).isEqualTo(6);
    }
    StepGuard plain = StepGuard.builder().build();
    assertThatThrownBy(() -> plain.restore(snapshot))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot was taken with a skip-step loss monitor, this guard has none");
    try (Run other = skipStepRun()) {
      assertThatThrownBy(() -> other.guard.restore(plain.snapshot()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("snapshot was taken without a skip-step loss monitor, this guard has one");
    }

    TruncatedLoss t1 = TruncatedLoss.builder().setBaseLoss(PerExampleLosses.mse()).build();
    TruncatedLoss t2 = TruncatedLoss.builder().setBaseLoss(PerExampleLosses.mse()).build();
    try (Run run = new Run(t1, StepGuard.builder().optTruncatedLoss(t1))) {
      run.step(data.get(0));
      StepGuard copy = StepGuard.builder().optTruncatedLoss(t2).build();
      copy.restore(run.guard.snapshot());
      assertThat(t2.state()).isEqualTo(t1.state());
    }
  }

  @Test
  void theBuilderRefusesWhatCannotWork() {
    assertThatThrownBy(() -> StepGuard.builder().optSkipOnSpikes(8, 3, SpikeSignal.LOSS).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("optSkipOnSpikes(..., LOSS) watches the loss, and the guard has no"
            + " loss to read it from");
    StepGuard normOnly = StepGuard.builder().optSkipOnSpikes(8, 3, SpikeSignal.GRADIENT_NORM).build();
    assertThat(normOnly.lossSpikeState()).isEmpty();
    assertThat(normOnly.gradientNormSpikeState()).isPresent();
    assertThatThrownBy(() -> StepGuard.builder().optSkipOnSpikes(0, 3, SpikeSignal.BOTH))
        .hasMessage("interval (0) must be >= 1");
    assertThatThrownBy(() -> StepGuard.builder()
            .optAlrcLoss(AlrcLoss.wrap(PerExampleLosses.mse()))
            .optTruncatedLoss(TruncatedLoss.builder().setBaseLoss(PerExampleLosses.mse()).build())
            .build())
        .hasMessageContaining("a training has one loss");
    assertThat(StepGuard.builder().addStabilizer(GradientStabilizers.adaGc()).build().stabilizers())
        .hasSize(1);
  }
}
