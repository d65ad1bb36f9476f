package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.snapshot.SnapshotFormat;
import io.alrc.stabilizer.PeerSubjects.Outcome;
import io.alrc.stabilizer.PeerSubjects.Subject;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of the stabilizers that do not fit {@link NormStabilizer}, run over all of them:
 * {@link AdaGC} (per-tensor norms in, per-tensor scales out), {@link SpikeSkipper} (a decision
 * about the optimizer update, whose state must advance on a skipped step) and {@link
 * LossTruncation} (per-example losses in, per-example scales out). The same clauses as {@link
 * NormStabilizerContractTest}: exact resume, non-finite input leaves the state unchanged, numbered
 * steps, scales in [0, 1], and snapshots that reject other kinds, other configurations and
 * truncated bytes. {@link PeerStabilizerPropertiesTest} checks exact resume at random split points.
 */
class PeerStabilizerContractTest {
  static Stream<Subject<?>> subjects() {
    return PeerSubjects.all().stream();
  }

  private static <S> S run(Subject<S> subject, S state, Random r, int steps) {
    for (int i = 0; i < steps; i++) {
      state = subject.update(subject.input(r), state).state();
    }
    return state;
  }

  @ParameterizedTest
  @MethodSource("subjects")
  <S> void snapshotMidStreamContinuesBitIdentically(Subject<S> subject) {
    Random inputs = new Random(7);
    double[][] stream = new double[80][];
    for (int i = 0; i < stream.length; i++) {
      stream[i] = subject.input(inputs);
    }
    S state = subject.init();
    for (int i = 0; i < 40; i++) {
      state = subject.update(stream[i], state).state();
    }
    byte[] bytes = subject.snapshot(state);
    S restored = subject.restore(bytes);
    assertThat(restored).as("restored state equals the saved one").isEqualTo(state);
    assertThat(subject.snapshot(restored)).as("re-encoding gives the same bytes").isEqualTo(bytes);
    for (int i = 40; i < stream.length; i++) {
      Outcome<S> a = subject.update(stream[i], state);
      Outcome<S> b = subject.update(stream[i], restored);
      assertThat(bits(b.scales())).as("scales at step %d", i + 1).isEqualTo(bits(a.scales()));
      assertThat(b.telemetry()).isEqualTo(a.telemetry());
      assertThat(b.state()).isEqualTo(a.state());
      state = a.state();
      restored = b.state();
    }
  }

  @ParameterizedTest
  @MethodSource("subjects")
  <S> void scalesAreInZeroOneAndStepsAreNumbered(Subject<S> subject) {
    Random r = new Random(11);
    S state = subject.init();
    long step = 0;
    int clippedSteps = 0;
    for (int i = 0; i < 300; i++) {
      double[] input = subject.input(r);
      double[] copy = input.clone();
      Outcome<S> o = subject.update(input, state);
      assertThat(input).as("the input is not modified").isEqualTo(copy);
      assertThat(o.scales()).hasSize(subject.kind().equals(SpikeSkipper.KIND) ? 1 : input.length);
      for (double s : o.scales()) {
        assertThat(s).isBetween(0.0, 1.0);
      }
      assertThat(o.telemetry().step()).isEqualTo(++step);
      assertThat(o.telemetry().skipped()).isFalse();
      boolean scaledDown = Arrays.stream(o.scales()).anyMatch(s -> s < 1);
      assertThat(o.telemetry().clipped() > 0).as("clipped iff a scale < 1").isEqualTo(scaledDown);
      if (scaledDown) {
        clippedSteps++;
        assertThat(o.telemetry().minScale())
            .isEqualTo(Arrays.stream(o.scales()).min().orElseThrow());
      } else {
        assertThat(o.telemetry().minScale()).isEqualTo(1.0);
      }
      assertThat(subject.update(input, state)).as("a pure function of input and state")
          .satisfies(again -> {
            assertThat(again.state()).isEqualTo(o.state());
            assertThat(again.telemetry()).isEqualTo(o.telemetry());
          });
      state = o.state();
    }
    assertThat(clippedSteps).as("the spiky stream makes %s act", subject.kind()).isPositive();
  }

  @ParameterizedTest
  @MethodSource("subjects")
  <S> void nonFiniteInputSkipsTheStepAndLeavesTheStateUnchanged(Subject<S> subject) {
    Random r = new Random(3);
    for (int steps : new int[] {0, 3, 40}) {
      S state = run(subject, subject.init(), r, steps);
      for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
        double[] input = subject.input(r);
        input[input.length - 1] = bad;
        Outcome<S> o = subject.update(input, state);
        assertThat(o.telemetry().skipped()).isTrue();
        assertThat(o.telemetry().step()).as("numbered as the next step").isEqualTo(steps + 1L);
        assertThat(o.scales()).as("nothing may be applied").containsOnly(0.0);
        assertThat(o.state()).isEqualTo(state);
        assertThat(subject.snapshot(o.state())).isEqualTo(subject.snapshot(state));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("subjects")
  <S> void restoreRejectsOtherKindsNamingBoth(Subject<S> subject) {
    S state = run(subject, subject.init(), new Random(5), 20);
    byte[] bytes = subject.snapshot(state);
    for (Subject<?> other : PeerSubjects.all()) {
      if (!other.kind().equals(subject.kind())) {
        assertThatThrownBy(() -> other.restore(bytes))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage(
                "snapshot holds a '" + subject.kind() + "' state, expected '" + other.kind() + "'");
      }
    }
    byte[] zclip = new ZClip().snapshot(new ZClip().init());
    assertThatThrownBy(() -> subject.restore(zclip))
        .hasMessage("snapshot holds a 'zclip' state, expected '" + subject.kind() + "'");
    assertThat(SnapshotFormat.kindOf(bytes)).isEqualTo(subject.kind());
  }

  @ParameterizedTest
  @MethodSource("subjects")
  <S> void restoreRejectsAnotherConfiguration(Subject<S> subject) {
    byte[] bytes = subject.snapshot(run(subject, subject.init(), new Random(5), 20));
    assertThatThrownBy(() -> subject.other().restore(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("snapshot was taken with ")
        .hasMessageContaining(", this stabilizer has ");
  }

  @ParameterizedTest
  @MethodSource("subjects")
  <S> void restoreRejectsTruncatedAndExtendedBytes(Subject<S> subject) {
    byte[] bytes = subject.snapshot(run(subject, subject.init(), new Random(5), 20));
    for (int n = 0; n < bytes.length; n++) {
      byte[] cut = Arrays.copyOf(bytes, n);
      assertThatThrownBy(() -> subject.restore(cut))
          .as("%d of %d bytes", n, bytes.length)
          .isInstanceOf(IllegalArgumentException.class);
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> subject.restore(longer))
        .hasMessage("snapshot of '" + subject.kind() + "' has 1 unexpected trailing bytes");
    assertThatThrownBy(() -> subject.restore(null))
        .hasMessage("snapshot bytes must not be null");
  }

  private static long[] bits(double[] values) {
    return Arrays.stream(values).mapToLong(Double::doubleToRawLongBits).toArray();
  }
}
