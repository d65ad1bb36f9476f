package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The contract every {@link NormStabilizer} keeps, run over all of them. */
class NormStabilizerContractTest {
  static Stream<NormStabilizer<?>> stabilizers() {
    return Stream.of(new GlobalNormClipper(2.0), new AutoClip(10, 16), new ZClip(0.9, 2.5, 5));
  }

  private static double[] norms(long seed, int n) {
    Random r = new Random(seed);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.abs(1 + 0.2 * r.nextGaussian()) * (r.nextInt(20) == 0 ? 50 : 1);
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("stabilizers")
  <S> void snapshotMidStreamContinuesIdentically(NormStabilizer<S> stabilizer) {
    double[] norms = norms(7, 60);
    S state = stabilizer.init();
    for (int i = 0; i < 30; i++) {
      state = stabilizer.update(norms[i], state).state();
    }
    S restored = stabilizer.restore(stabilizer.snapshot(state));
    assertThat(restored).as("restored state equals the saved one").isEqualTo(state);
    for (int i = 30; i < 60; i++) {
      NormStep<S> a = stabilizer.update(norms[i], state);
      NormStep<S> b = stabilizer.update(norms[i], restored);
      assertThat(Double.doubleToLongBits(b.scale()))
          .as("scale at step %d is bit-identical", i + 1)
          .isEqualTo(Double.doubleToLongBits(a.scale()));
      assertThat(b.telemetry()).isEqualTo(a.telemetry());
      state = a.state();
      restored = b.state();
    }
  }

  @ParameterizedTest
  @MethodSource("stabilizers")
  <S> void scalesAreInZeroOneAndStepsAreNumbered(NormStabilizer<S> stabilizer) {
    S state = stabilizer.init();
    long step = 0;
    for (double norm : norms(11, 200)) {
      NormStep<S> s = stabilizer.update(norm, state);
      assertThat(s.scale()).as("scale of norm %s", norm).isGreaterThan(0).isLessThanOrEqualTo(1);
      assertThat(s.telemetry().step()).isEqualTo(++step);
      assertThat(s.telemetry().clipped() > 0).isEqualTo(s.scale() < 1);
      state = s.state();
    }
    assertThat(List.of(stabilizer.kind())).doesNotContainNull();
  }

  @ParameterizedTest
  @MethodSource("stabilizers")
  <S> void nonFiniteNormLeavesTheStateUnchanged(NormStabilizer<S> stabilizer) {
    S state = stabilizer.init();
    for (double norm : norms(3, 40)) {
      state = stabilizer.update(norm, state).state();
    }
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
      NormStep<S> s = stabilizer.update(bad, state);
      assertThat(s.skipped()).isTrue();
      assertThat(s.scale()).isZero();
      assertThat(s.state()).isEqualTo(state);
    }
  }
}
