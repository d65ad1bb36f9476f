package io.alrc.stabilizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.alrc.stabilizer.PeerSubjects.Outcome;
import io.alrc.stabilizer.PeerSubjects.Subject;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Exact resume of {@link AdaGC}, {@link SpikeSkipper} and {@link LossTruncation} (jqwik): for a
 * random stream (spikes, zeros and the odd non-finite step mixed in) and a random split point,
 * taking a snapshot there, restoring it and continuing gives the same scales (bit for bit),
 * telemetry and states as the uninterrupted run. Split points cover the warm-ups, fill phases and
 * activation boundaries of the small configurations in {@link PeerSubjects}.
 */
class PeerStabilizerPropertiesTest {
  private static final int STEPS = 70;

  @Provide
  Arbitrary<Subject<?>> subjects() {
    return Arbitraries.of(PeerSubjects.all());
  }

  @Property(tries = 300)
  void snapshotAtAnyStepContinuesBitIdentically(
      @ForAll("subjects") Subject<?> subject,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = STEPS - 1) int split) {
    check(subject, seed, split);
  }

  private static <S> void check(Subject<S> subject, long seed, int split) {
    Random r = new Random(seed);
    double[][] stream = new double[STEPS][];
    for (int i = 0; i < STEPS; i++) {
      stream[i] = subject.input(r);
      if (r.nextInt(30) == 0) {
        stream[i][0] = r.nextBoolean() ? Double.NaN : Double.POSITIVE_INFINITY;
      }
    }
    S straight = subject.init();
    S resumed = subject.init();
    for (int i = 0; i < STEPS; i++) {
      if (i == split) {
        resumed = subject.restore(subject.snapshot(resumed));
      }
      Outcome<S> a = subject.update(stream[i], straight);
      Outcome<S> b = subject.update(stream[i], resumed);
      assertThat(bits(b.scales())).as("scales at step %d", i + 1).isEqualTo(bits(a.scales()));
      assertThat(b.telemetry()).isEqualTo(a.telemetry());
      assertThat(b.state()).isEqualTo(a.state());
      straight = a.state();
      resumed = b.state();
    }
    assertThat(subject.snapshot(resumed)).isEqualTo(subject.snapshot(straight));
  }

  private static long[] bits(double[] values) {
    return Arrays.stream(values).mapToLong(Double::doubleToRawLongBits).toArray();
  }
}
