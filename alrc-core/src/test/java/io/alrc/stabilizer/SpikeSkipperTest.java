package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpikeSkipperTest {
  private static SpikeSkipper.State feed(SpikeSkipper skipper, double... values) {
    SpikeSkipper.State s = skipper.init();
    for (double v : values) {
      s = skipper.update(v, s).state();
    }
    return s;
  }

  @Test
  void skipsAValueMoreThanFactorSampleStdsAboveTheMeanOfThePreviousOnes() {
    // interval 8 -> active from the max(2, 8 / 2) = 4th value on
    SpikeSkipper skipper = new SpikeSkipper(8, 2.0);
    SpikeSkipper.State s = skipper.init();
    for (double v : new double[] {1, 3, 100}) {
      SpikeSkipper.Decision d = skipper.update(v, s);
      assertThat(d.skip()).as("value %s before activation", v).isFalse();
      assertThat(d.telemetry().threshold()).isEqualTo(Double.POSITIVE_INFINITY);
      s = d.state();
    }
    s = feed(skipper, 1, 3, 2);
    // 4th value 10: window [1, 3, 2] (the current value excluded): mean 2,
    // sample variance (1 + 1 + 0) / (3 - 1) = 1, std 1, threshold 2 + 2 * 1 = 4
    SpikeSkipper.Decision d = skipper.update(10, s);
    assertThat(d.skip()).isTrue();
    assertThat(d.spike()).isTrue();
    assertThat(d.nonFinite()).isFalse();
    assertThat(d.stepFactor()).isZero();
    assertThat(d.telemetry().observed()).isEqualTo(10.0);
    assertThat(d.telemetry().mean()).isEqualTo(2.0);
    assertThat(d.telemetry().sigma()).isEqualTo(1.0);
    assertThat(d.telemetry().threshold()).isEqualTo(4.0);
    assertThat(d.telemetry().clipped()).isEqualTo(1);
    assertThat(d.telemetry().minScale()).isZero();
    assertThat(d.telemetry().skipped()).as("skipped marks non-finite input only").isFalse();
    // the spike still enters the window, and the state counts it
    assertThat(d.state().window()).containsExactly(1, 3, 2, 10);
    assertThat(d.state().spikes()).isEqualTo(1);
    assertThat(d.state().steps()).isEqualTo(4);
    // 5th value 4: window [1, 3, 2, 10]: mean 4, sum of squares 9 + 1 + 4 + 36 = 50,
    // std sqrt(50 / 3) ~ 4.08 -> threshold ~ 12.2; 4 is taken
    SpikeSkipper.Decision next = skipper.update(4, d.state());
    assertThat(next.skip()).isFalse();
    assertThat(next.stepFactor()).isEqualTo(1.0);
    assertThat(next.telemetry().mean()).isEqualTo(4.0);
    assertThat(next.telemetry().sigma()).isEqualTo(Math.sqrt(50.0 / 3));
    assertThat(next.telemetry().threshold()).isEqualTo(4 + 2 * Math.sqrt(50.0 / 3));
    assertThat(next.telemetry().clipped()).isZero();
    assertThat(next.telemetry().minScale()).isEqualTo(1.0);
  }

  @Test
  void aValueExactlyAtTheThresholdIsTaken() {
    SpikeSkipper skipper = new SpikeSkipper(8, 2.0);
    // window [1, 3, 2]: mean 2, std 1; 4 - 2 = 2 <= 2 * 1 (the references' "ok" test)
    assertThat(skipper.update(4, feed(skipper, 1, 3, 2)).skip()).isFalse();
    assertThat(skipper.update(Math.nextUp(4.0), feed(skipper, 1, 3, 2)).skip()).isTrue();
  }

  @Test
  void withTheDefaultsTheFirstSkipCanComeAtThe64thValue() {
    SpikeSkipper skipper = new SpikeSkipper();
    assertThat(skipper.minValues()).isEqualTo(64);
    double[] calm = new double[63];
    for (int i = 0; i < calm.length; i++) {
      calm[i] = 1 + (i % 2); // 1, 2, 1, 2, ...
    }
    SpikeSkipper.State s62 = feed(skipper, java.util.Arrays.copyOf(calm, 62));
    assertThat(skipper.update(1000, s62).skip()).as("63rd value: not yet active").isFalse();
    SpikeSkipper.State s63 = feed(skipper, calm);
    assertThat(skipper.update(1000, s63).skip()).as("64th value: 63 previous ones").isTrue();
  }

  @Test
  void windowKeepsTheLastIntervalValues() {
    SpikeSkipper skipper = new SpikeSkipper(3, 1.0);
    SpikeSkipper.State s = feed(skipper, 9, 1, 2, 3, 4);
    assertThat(s.window()).containsExactly(2, 3, 4);
    assertThat(s.size()).isEqualTo(3);
    assertThat(s.steps()).isEqualTo(5);
  }

  @Test
  void aLastingLevelShiftBecomesTheNewBaseline() {
    // the spikes enter the window, so a permanent jump is skipped a few times, then accepted
    SpikeSkipper skipper = new SpikeSkipper(8, 2.0);
    SpikeSkipper.State s = feed(skipper, 1, 1.1, 0.9, 1, 1.1, 0.9, 1, 1.1);
    int skipped = 0;
    for (int i = 0; i < 8; i++) {
      SpikeSkipper.Decision d = skipper.update(5, s);
      skipped += d.skip() ? 1 : 0;
      s = d.state();
    }
    assertThat(skipped).isBetween(1, 7);
    assertThat(skipper.update(5, s).skip()).isFalse();
  }

  @Test
  void oneValueInTheWindowHasStdZeroAsInMaxText() {
    // interval 2: active from the 2nd value, compared with the single first one (std 0)
    SpikeSkipper skipper = new SpikeSkipper(2, 6.0);
    SpikeSkipper.State s = feed(skipper, 5);
    assertThat(skipper.update(5, s).skip()).as("5 - 5 <= 6 * 0").isFalse();
    SpikeSkipper.Decision d = skipper.update(5.5, s);
    assertThat(d.skip()).isTrue();
    assertThat(d.telemetry().sigma()).isZero();
    assertThat(d.telemetry().threshold()).isEqualTo(5.0);
  }

  @Test
  void nonFiniteValueSkipsAndNeverEntersTheWindow() {
    SpikeSkipper skipper = new SpikeSkipper(8, 2.0);
    SpikeSkipper.State s = feed(skipper, 1, 3, 2);
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY}) {
      SpikeSkipper.Decision d = skipper.update(bad, s);
      assertThat(d.skip()).isTrue();
      assertThat(d.nonFinite()).isTrue();
      assertThat(d.spike()).isFalse();
      assertThat(d.stepFactor()).isZero();
      assertThat(d.state()).isSameAs(s);
      assertThat(d.telemetry().skipped()).isTrue();
      assertThat(d.telemetry().step()).isEqualTo(4);
      assertThat(d.telemetry().threshold()).isEqualTo(4.0);
      assertThat(d.telemetry().clipped()).isZero();
      assertThat(d.telemetry().minScale()).isNaN();
    }
    // before anything was seen the statistics are NaN and there is no threshold
    SpikeSkipper.Decision first = skipper.update(Double.NaN, skipper.init());
    assertThat(first.telemetry().mean()).isNaN();
    assertThat(first.telemetry().threshold()).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void acceptsNegativeValuesAsLossesMayBe() {
    SpikeSkipper skipper = new SpikeSkipper(4, 1.0);
    SpikeSkipper.Decision d = skipper.update(-1, feed(skipper, -3, -2, -4));
    // window [-3, -2, -4]: mean -3, std 1, threshold -2; -1 is a spike
    assertThat(d.telemetry().threshold()).isEqualTo(-2.0);
    assertThat(d.skip()).isTrue();
  }

  @Test
  void defaultsAreOlmoCoresAndMaxTexts() {
    SpikeSkipper skipper = new SpikeSkipper();
    assertThat(skipper.interval()).isEqualTo(128);
    assertThat(skipper.factor()).isEqualTo(6.0);
    assertThat(skipper.kind()).isEqualTo("skip-step");
  }

  @Test
  void rejectsBadConfiguration() {
    assertThatThrownBy(() -> new SpikeSkipper(0, 6)).hasMessage("interval (0) must be >= 1");
    assertThatThrownBy(() -> new SpikeSkipper(128, 0))
        .hasMessage("factor (0.0) must be finite and > 0");
    assertThatThrownBy(() -> new SpikeSkipper(128, Double.POSITIVE_INFINITY))
        .hasMessage("factor (Infinity) must be finite and > 0");
  }

  @Test
  void snapshotRejectsAnotherConfiguration() {
    SpikeSkipper skipper = new SpikeSkipper(8, 2.0);
    SpikeSkipper.State s = feed(skipper, 1, 3, 2, 10);
    byte[] bytes = skipper.snapshot(s);
    assertThat(skipper.restore(bytes)).isEqualTo(s);
    assertThatThrownBy(() -> new SpikeSkipper(16, 2.0).restore(bytes))
        .hasMessage("snapshot was taken with interval 8, this stabilizer has 16");
    assertThatThrownBy(() -> new SpikeSkipper(8, 6.0).restore(bytes))
        .hasMessage("snapshot was taken with factor 2.0, this stabilizer has 6.0");
  }
}
