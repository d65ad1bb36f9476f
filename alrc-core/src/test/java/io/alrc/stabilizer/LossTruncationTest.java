package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LossTruncationTest {
  @Test
  void dropsLossesAtOrAboveTheQuantileOfTheRecentHistory() {
    // drop 0.5 -> the median; history and recomputation every 4 examples; no minCount
    LossTruncation lt = new LossTruncation(0.5, 0, 4);
    // step 1: 2 of 4 history slots filled -> nothing dropped, even a large loss
    LossTruncation.Step s = lt.update(new double[] {1, 2}, lt.init());
    assertThat(s.scales()).containsExactly(1.0, 1.0);
    assertThat(s.cutoff()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(s.objective()).isEqualTo(1.5);
    // step 2: history full [1, 2, 3, 4], but only 4 examples since the start, not more than 4:
    // no cutoff yet (the reference's 1e8 sentinel)
    s = lt.update(new double[] {3, 4}, s.state());
    assertThat(s.scales()).containsExactly(1.0, 1.0);
    assertThat(s.state().history()).containsExactly(1, 2, 3, 4);
    assertThat(s.cutoff()).isEqualTo(Double.POSITIVE_INFINITY);
    // step 3: history [3, 4, 10, 2.5] (this step's losses included), 6 > 4 examples since the
    // start -> cutoff = median: sorted [2.5, 3, 4, 10], rank 0.5 * 3 = 1.5 -> 3.5
    s = lt.update(new double[] {10, 2.5}, s.state());
    assertThat(s.state().history()).containsExactly(3, 4, 10, 2.5);
    assertThat(s.cutoff()).isEqualTo(3.5);
    assertThat(s.scales()).containsExactly(0.0, 1.0);
    assertThat(s.droppedCount()).isEqualTo(1);
    assertThat(s.objective()).as("mean over both examples: (0 + 2.5) / 2").isEqualTo(1.25);
    assertThat(s.telemetry().observed()).isEqualTo(10.0);
    assertThat(s.telemetry().threshold()).isEqualTo(3.5);
    assertThat(s.telemetry().clipped()).isEqualTo(1);
    assertThat(s.telemetry().minScale()).isZero();
    assertThat(s.state().sinceRecompute()).isZero();
    // step 4: 2 examples since the last cutoff: it stays 3.5; a loss equal to it is dropped
    s = lt.update(new double[] {3.5, 1}, s.state());
    assertThat(s.cutoff()).isEqualTo(3.5);
    assertThat(s.scales()).containsExactly(0.0, 1.0);
    assertThat(s.objective()).isEqualTo(0.5);
    // step 5: 3 since: still 3.5; the only example is dropped, objective 0
    s = lt.update(new double[] {5}, s.state());
    assertThat(s.scales()).containsExactly(0.0);
    assertThat(s.objective()).isZero();
    assertThat(s.telemetry().minScale()).isZero();
    // step 6: 5 > 4 since -> recomputed on [1, 5, 0, 0]: sorted [0, 0, 1, 5], rank 1.5 -> 0.5
    s = lt.update(new double[] {0, 0}, s.state());
    assertThat(s.state().history()).containsExactly(1, 5, 0, 0);
    assertThat(s.cutoff()).isEqualTo(0.5);
    assertThat(s.scales()).containsExactly(1.0, 1.0);
    assertThat(s.telemetry().clipped()).isZero();
    assertThat(s.telemetry().minScale()).isEqualTo(1.0);
    assertThat(s.state().steps()).isEqualTo(6);
    assertThat(s.state().count()).isEqualTo(11);
  }

  @Test
  void minCountDelaysTheFirstCutoff() {
    LossTruncation lt = new LossTruncation(0.5, 6, 2);
    LossTruncation.State s = lt.update(new double[] {1, 2}, lt.init()).state();
    LossTruncation.Step step = lt.update(new double[] {9, 9}, s);
    assertThat(step.scales()).as("4 < minCount 6").containsExactly(1.0, 1.0);
    assertThat(step.cutoff()).isEqualTo(Double.POSITIVE_INFINITY);
    // 6 examples: history [1, 9], 6 since the start > 2 -> median of [1, 9] = 5
    step = lt.update(new double[] {1, 9}, step.state());
    assertThat(step.cutoff()).isEqualTo(5.0);
    assertThat(step.scales()).containsExactly(1.0, 0.0);
  }

  @Test
  void aBatchLargerThanTheHistoryKeepsItsLastLosses() {
    LossTruncation lt = new LossTruncation(0.5, 0, 3);
    // 5 examples at once: the history keeps the last 3, [3, 4, 5]; 5 > 3 -> cutoff median 4
    LossTruncation.Step s = lt.update(new double[] {1, 2, 3, 4, 5}, lt.init());
    assertThat(s.state().history()).containsExactly(3, 4, 5);
    assertThat(s.cutoff()).isEqualTo(4.0);
    assertThat(s.scales()).containsExactly(1.0, 1.0, 1.0, 0.0, 0.0);
  }

  @Test
  void withoutDroppingTheLargestLossInTheHistoryIsStillDroppedAsInTheReference() {
    // dropFraction 0 -> the 100th percentile, the maximum; "loss < cutoff" drops it
    LossTruncation lt = new LossTruncation(0, 0, 2);
    LossTruncation.Step s = lt.update(new double[] {1, 2, 3}, lt.init());
    assertThat(s.cutoff()).isEqualTo(3.0);
    assertThat(s.scales()).containsExactly(1.0, 1.0, 0.0);
  }

  @Test
  void quantileIsNumpysLinearPercentile() {
    // numpy.percentile(range(1, 12), 60) == 7.0; rank 0.6 * 10 = 6
    double[] v = {11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertThat(LossTruncation.quantile(v, 0.6)).isEqualTo(7.0);
    // numpy.percentile([0, 10], 25) == 2.5 and numpy.percentile([0, 10], 75) == 7.5
    // (the latter through numpy's "b - (b - a) * (1 - t)" branch for t >= 0.5)
    assertThat(LossTruncation.quantile(new double[] {10, 0}, 0.25)).isEqualTo(2.5);
    assertThat(LossTruncation.quantile(new double[] {10, 0}, 0.75)).isEqualTo(7.5);
    assertThat(LossTruncation.quantile(new double[] {4}, 0.6)).isEqualTo(4.0);
    assertThat(LossTruncation.quantile(new double[] {1, 2}, 1.0)).isEqualTo(2.0);
    assertThat(v).as("the input is not sorted in place").startsWith(11, 1);
  }

  @Test
  void nonFiniteLossSkipsTheStepAndLeavesTheStateUnchanged() {
    LossTruncation lt = new LossTruncation(0.5, 0, 4);
    LossTruncation.State s = lt.update(new double[] {1, 2, 3, 4, 5}, lt.init()).state();
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY}) {
      LossTruncation.Step step = lt.update(new double[] {1, bad}, s);
      assertThat(step.skipped()).isTrue();
      assertThat(step.scales()).containsExactly(0.0, 0.0);
      assertThat(step.state()).isSameAs(s);
      assertThat(step.objective()).isNaN();
      assertThat(step.step()).isEqualTo(2);
      assertThat(step.telemetry().skipped()).isTrue();
      assertThat(step.telemetry().threshold()).isEqualTo(s.cutoff());
      assertThat(step.telemetry().minScale()).isNaN();
    }
  }

  @Test
  void floatLossesAreWidenedExactly() {
    LossTruncation lt = new LossTruncation(0.5, 0, 2);
    float[] f = {0.1f, 0.7f, 0.3f};
    LossTruncation.Step a = lt.update(f, lt.init());
    LossTruncation.Step b = lt.update(new double[] {0.1f, 0.7f, 0.3f}, lt.init());
    assertThat(a.state()).isEqualTo(b.state());
    assertThat(a.scales()).containsExactly(b.scales());
    float[] dst = new float[3];
    a.copyScalesTo(dst);
    assertThat(dst).containsExactly(1f, 0f, 1f);
  }

  @Test
  void acceptsZeroAndNegativeLosses() {
    LossTruncation lt = new LossTruncation(0.5, 0, 2);
    LossTruncation.Step s = lt.update(new double[] {-3, 0, -1}, lt.init());
    // history [0, -1], median -0.5: -3 kept, 0 and -1 ... -1 < -0.5 kept, 0 dropped
    assertThat(s.cutoff()).isEqualTo(-0.5);
    assertThat(s.scales()).containsExactly(1.0, 0.0, 1.0);
    assertThat(s.objective()).isEqualTo((-3 + -1) / 3.0);
  }

  @Test
  void defaultsAreTheReferences() {
    LossTruncation lt = new LossTruncation();
    assertThat(lt.dropFraction()).isEqualTo(0.4);
    assertThat(lt.minCount()).isEqualTo(10_000);
    assertThat(lt.recompute()).isEqualTo(10_000);
    assertThat(lt.kind()).isEqualTo("loss-truncation");
  }

  @Test
  void rejectsBadConfigurationAndInput() {
    assertThatThrownBy(() -> new LossTruncation(1, 0, 10))
        .hasMessage("dropFraction (1.0) must be in [0, 1)");
    assertThatThrownBy(() -> new LossTruncation(-0.1, 0, 10))
        .hasMessage("dropFraction (-0.1) must be in [0, 1)");
    assertThatThrownBy(() -> new LossTruncation(0.4, -1, 10))
        .hasMessage("minCount (-1) must be >= 0");
    assertThatThrownBy(() -> new LossTruncation(0.4, 0, 0))
        .hasMessage("recompute (0) must be >= 1");
    LossTruncation lt = new LossTruncation();
    assertThatThrownBy(() -> lt.update(new double[0], lt.init()))
        .hasMessage("losses must hold at least one example loss, got none");
    assertThatThrownBy(() -> lt.update((double[]) null, lt.init()))
        .hasMessage("losses and state must not be null");
  }

  @Test
  void snapshotRejectsAnotherConfiguration() {
    LossTruncation lt = new LossTruncation(0.5, 0, 4);
    LossTruncation.State s = lt.update(new double[] {1, 2, 3, 4, 5}, lt.init()).state();
    byte[] bytes = lt.snapshot(s);
    assertThat(lt.restore(bytes)).isEqualTo(s);
    assertThatThrownBy(() -> new LossTruncation(0.4, 0, 4).restore(bytes))
        .hasMessage("snapshot was taken with dropFraction 0.5, this stabilizer has 0.4");
    assertThatThrownBy(() -> new LossTruncation(0.5, 10, 4).restore(bytes))
        .hasMessage("snapshot was taken with minCount 0, this stabilizer has 10");
  }
}
