package io.alrc;

import static org.assertj.core.api.Assertions.assertThat;

import io.alrc.snapshot.AlrcSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Properties of the auto start (jqwik): scale equivariance, the bound on what warm-up spikes can
 * do to the threshold, the clip rate on a stationary stream, and bit-identical snapshots in the
 * middle of the warm-up.
 */
class AutoStartPropertiesTest {

  // ---- generators

  /** One example loss: mostly moderate, with zeros, tiny values and spikes up to 1e15. */
  private static Arbitrary<Double> losses() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(0.0)),
        Tuple.of(12, Arbitraries.doubles().between(1e-3, 60).ofScale(6)),
        Tuple.of(3, Arbitraries.doubles().between(60, 1e4).ofScale(3)),
        Tuple.of(1, Arbitraries.doubles().between(1e6, 1e15).ofScale(0)),
        Tuple.of(1, Arbitraries.doubles().between(1e-9, 1e-6).ofScale(12)));
  }

  @Provide
  Arbitrary<List<double[]>> streams() {
    return losses()
        .list()
        .ofMinSize(1)
        .ofMaxSize(64)
        .map(l -> l.stream().mapToDouble(Double::doubleValue).toArray())
        .list()
        .ofMinSize(1)
        .ofMaxSize(60);
  }

  /** Auto-start configurations: n, beta, warm-up length, eps, with or without a lower threshold. */
  @Provide
  Arbitrary<AlrcConfig> autoConfigs() {
    Arbitrary<AlrcConfig> custom =
        Combinators.combine(
                Arbitraries.doubles().between(0.5, 6).ofScale(2),
                Arbitraries.of(0.5, 0.9, 0.99, 0.999, 0.9999),
                Arbitraries.of(8, 16, 64, 200),
                Arbitraries.of(0.0, 1e-8, 1e-4),
                Arbitraries.of(false, false, true))
            .as(
                (n, beta, k, eps, lower) -> {
                  AlrcConfig.Builder b = AlrcConfig.builder().n(n).beta(beta).warmup(k).eps(eps);
                  if (lower) {
                    b.lowerN(1);
                  }
                  return b.build();
                });
    return Arbitraries.oneOf(Arbitraries.just(AlrcConfig.auto()), custom)
        .edgeCases(e -> e.includeOnly(AlrcConfig.auto()));
  }

  /** Powers of two from about 1e-6 to 1e6: scaling by them is exact in floating point. */
  @Provide
  Arbitrary<Double> powersOfTwo() {
    return Arbitraries.integers().between(-20, 20).map(k -> Math.scalb(1.0, k));
  }

  @Provide
  Arbitrary<Double> factors() {
    return Arbitraries.doubles().between(-6, 6).map(e -> Math.pow(10, e));
  }

  private static List<AlrcStep> run(AlrcConfig config, List<double[]> stream, double c) {
    AlrcClipper clipper = new AlrcClipper(config);
    AlrcState state = clipper.init();
    List<AlrcStep> steps = new ArrayList<>();
    for (double[] batch : stream) {
      double[] scaled = new double[batch.length];
      for (int i = 0; i < batch.length; i++) {
        scaled[i] = batch[i] * c;
      }
      AlrcStep step = clipper.update(scaled, state);
      steps.add(step);
      state = step.state();
    }
    return steps;
  }

  // ---- scale equivariance

  /**
   * Multiplying every loss by a power of two {@code c} leaves every scale bit for bit and
   * multiplies every threshold, output and moment by exactly {@code c} (or {@code c^2}).
   */
  @Property
  void scalingByAPowerOfTwoIsExact(
      @ForAll("autoConfigs") AlrcConfig config,
      @ForAll("streams") List<double[]> stream,
      @ForAll("powersOfTwo") double c) {
    List<AlrcStep> base = run(config, stream, 1);
    List<AlrcStep> scaled = run(config, stream, c);
    for (int t = 0; t < base.size(); t++) {
      AlrcStep a = base.get(t);
      AlrcStep b = scaled.get(t);
      assertThat(b.scales()).as("step %d: the same scales, bit for bit", t + 1).isEqualTo(a.scales());
      assertThat(b.lmax()).as("step %d: lmax times c", t + 1).isEqualTo(a.lmax() * c);
      assertThat(b.lmin()).as("step %d: lmin times c", t + 1).isEqualTo(a.lmin() * c);
      for (int i = 0; i < a.size(); i++) {
        assertThat(b.output(i)).as("step %d, example %d: output times c", t + 1, i)
            .isEqualTo(a.output(i) * c);
      }
      assertThat(b.state().mu1()).isEqualTo(a.state().mu1() * c);
      assertThat(b.state().mu2()).isEqualTo(a.state().mu2() * c * c);
      assertThat(b.warmup()).isEqualTo(a.warmup());
    }
  }

  /**
   * For any factor {@code 1e-6 <= c <= 1e6}: every clip decision is the same and every scale
   * agrees to a relative 1e-9; thresholds and outputs are {@code c} times the unscaled ones to a relative
   * 1e-9 (the rounding of {@code c * L} compounds over the steps; observed errors are near 1e-15).
   * A decision may differ only for a loss within a relative 1e-9 of its threshold.
   */
  @Property
  void scalingByAnyFactorChangesNoDecisionAndScalesTheThreshold(
      @ForAll("autoConfigs") AlrcConfig config,
      @ForAll("streams") List<double[]> stream,
      @ForAll("factors") double c) {
    final double tol = 1e-9;
    List<AlrcStep> base = run(config, stream, 1);
    List<AlrcStep> scaled = run(config, stream, c);
    for (int t = 0; t < base.size(); t++) {
      AlrcStep a = base.get(t);
      AlrcStep b = scaled.get(t);
      double[] batch = stream.get(t);
      if (Double.isInfinite(a.lmax())) {
        assertThat(b.lmax()).as("step %d: no threshold either", t + 1).isInfinite();
      } else {
        assertThat(b.lmax() / c).as("step %d: lmax / c", t + 1)
            .isCloseTo(a.lmax(), org.assertj.core.api.Assertions.withinPercentage(100 * tol));
      }
      for (int i = 0; i < a.size(); i++) {
        boolean clippedA = a.scale(i) < 1;
        boolean clippedB = b.scale(i) < 1;
        if (clippedA != clippedB) {
          assertThat(Math.abs(batch[i] - a.lmax()))
              .as("step %d, example %d: only a loss at its threshold may flip", t + 1, i)
              .isLessThanOrEqualTo(tol * a.lmax());
        }
        assertThat(b.scale(i)).as("step %d, example %d: scale", t + 1, i)
            .isCloseTo(a.scale(i), org.assertj.core.api.Assertions.withinPercentage(100 * tol));
        if (a.output(i) > 0) {
          assertThat(b.output(i) / c).as("step %d, example %d: output / c", t + 1, i)
              .isCloseTo(a.output(i), org.assertj.core.api.Assertions.withinPercentage(100 * tol));
        }
      }
    }
  }

  // ---- spikes in the warm-up

  /**
   * Whatever j spikes of any size sit among the P positive warm-up losses, as long as {@code j <=
   * (P - 1) / 2}: the last warm-up bound is at most {@code c_m + 8.8956 * (c_m - c_1)} in the
   * order statistics of the clean losses ({@code m = ceil(P/2)}), and the first threshold after
   * the warm-up is at most {@code ((1 + sqrt(1 + n^2)) / 2 + n * sqrt(eps))} times that bound.
   */
  @Property(edgeCases = EdgeCasesMode.NONE)
  void spikesInTheWarmupCannotRaiseTheThresholdAboveTheCleanBound(
      @ForAll @IntRange(min = 8, max = 128) int k,
      @ForAll @IntRange(min = 1, max = 64) int batch,
      @ForAll @LongRange(min = 0, max = 1_000_000) long seed,
      @ForAll("spikeSizes") double spikeSize,
      @ForAll @IntRange(min = 0, max = 100) int spikePercent,
      @ForAll("ns") double n) {
    AlrcConfig config = AlrcConfig.builder().n(n).warmup(k).build();
    SplittableRandom r = new SplittableRandom(seed);
    int steps = (k + batch - 1) / batch;
    int total = steps * batch;
    // choose the spikes: at most (total - 1) / 2 of the losses (all of them positive)
    int maxSpikes = (total - 1) / 2;
    int j = (int) Math.round(maxSpikes * spikePercent / 100.0);
    boolean[] spike = new boolean[total];
    for (int placed = 0; placed < j; ) {
      int at = r.nextInt(total);
      if (!spike[at]) {
        spike[at] = true;
        placed++;
      }
    }
    double[] all = new double[total];
    List<Double> clean = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      double value = StrictMath.exp(r.nextGaussian()) * (1 + r.nextInt(3));
      if (spike[i]) {
        all[i] = value * spikeSize;
      } else {
        all[i] = value;
        clean.add(value);
      }
    }
    AlrcClipper clipper = new AlrcClipper(config);
    AlrcState state = clipper.init();
    AlrcStep last = null;
    for (int s = 0; s < steps; s++) {
      last = clipper.update(Arrays.copyOfRange(all, s * batch, (s + 1) * batch), state);
      state = last.state();
    }
    assertThat(last.warmup()).isTrue();
    assertThat(state.inWarmup(config)).as("the warm-up is over").isFalse();

    double[] c = clean.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int m = (total + 1) / 2;
    double cleanBound = c[m - 1] + 8.8956 * (c[m - 1] - c[0]);
    assertThat(last.lmax())
        .as("the last warm-up bound, %d spikes of %sx among %d losses", j, spikeSize, total)
        .isLessThanOrEqualTo(cleanBound * (1 + 1e-12));
    double factor = (1 + Math.sqrt(1 + n * n)) / 2 + n * Math.sqrt(config.eps());
    AlrcStep first = clipper.update(new double[] {1}, state);
    assertThat(first.warmup()).isFalse();
    assertThat(first.lmax())
        .as("the first threshold after the warm-up")
        .isLessThanOrEqualTo(factor * last.lmax() * (1 + 1e-12));
  }

  @Provide
  Arbitrary<Double> spikeSizes() {
    return Arbitraries.of(1e-3, 10.0, 1e3, 1e6, 1e12);
  }

  @Provide
  Arbitrary<Double> ns() {
    return Arbitraries.of(2.0, 3.0, 4.0);
  }

  // ---- the clip rate on a stationary stream

  /**
   * On exponential losses (any scale) the clip rate after a burn-in of 2,000 steps converges to
   * {@code p* = exp(-T*)}, {@code T*} the fixed point of {@code T = E[min(L, T)] + n sd(min(L, T))}
   * (9.05%, 2.52% and 0.79% at n 2, 3, 4; {@link #exponentialFixedPoint}); the observed rate lies
   * within 4 binomial standard deviations {@code sqrt(p*(1 - p*) / M)} of {@code p*}, M the
   * examples counted (the threshold's own noise is self-correcting: across seeds the rates spread
   * less than the binomial sd).
   */
  @Property(tries = 12, edgeCases = EdgeCasesMode.NONE)
  void theStationaryClipRateIsTheTailProbabilityAtTheFixedPoint(
      @ForAll("ns") double n,
      @ForAll("rateBatches") int batch,
      @ForAll("factors") double scale,
      @ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
    AlrcClipper clipper = new AlrcClipper(AlrcConfig.builder().n(n).build());
    SplittableRandom r = new SplittableRandom(seed);
    int burnIn = 2_000;
    int steps = burnIn + 60_000 / batch;
    AlrcState state = clipper.init();
    long counted = 0;
    long clipped = 0;
    double[] losses = new double[batch];
    for (int s = 0; s < steps; s++) {
      for (int i = 0; i < batch; i++) {
        losses[i] = -scale * StrictMath.log(1 - r.nextDouble());
      }
      AlrcStep step = clipper.update(losses, state);
      state = step.state();
      if (s >= burnIn) {
        counted += batch;
        clipped += step.clippedCount();
      }
    }
    double tStar = exponentialFixedPoint(n);
    double pStar = Math.exp(-tStar);
    double sd = Math.sqrt(pStar * (1 - pStar) / counted);
    assertThat((double) clipped / counted)
        .as("clip rate at n %s, batch %d, scale %s (p* %s, binomial sd %s)", n, batch, scale, pStar,
            sd)
        .isCloseTo(pStar, org.assertj.core.api.Assertions.within(4 * sd));
  }

  @Provide
  Arbitrary<Integer> rateBatches() {
    return Arbitraries.of(1, 8, 64);
  }

  /**
   * The fixed point for exponential losses of mean 1: {@code E[min(L, T)] = 1 - e^-T}, {@code
   * E[min(L, T)^2] = 2 - 2 e^-T (T + 1)}; T* is 2.4019 (n 2), 3.6813 (n 3), 4.8352 (n 4).
   */
  static double exponentialFixedPoint(double n) {
    double t = 1 + n;
    for (int i = 0; i < 200; i++) {
      double e = Math.exp(-t);
      double m1 = 1 - e;
      double m2 = 2 - 2 * e * (t + 1);
      t = m1 + n * Math.sqrt(m2 - m1 * m1);
    }
    return t;
  }

  // ---- snapshots in the middle of the warm-up

  /**
   * A snapshot taken after any step, in the warm-up or after it, restores to an equal state and
   * continues bit for bit.
   */
  @Property
  void snapshotsRoundTripBitIdenticallyMidWarmup(
      @ForAll("autoConfigs") AlrcConfig config,
      @ForAll("streams") List<double[]> stream,
      @ForAll @IntRange(min = 0, max = 60) int at) {
    AlrcClipper clipper = new AlrcClipper(config);
    int cut = Math.min(at, stream.size());
    AlrcState state = clipper.init();
    for (int t = 0; t < cut; t++) {
      state = clipper.update(stream.get(t), state).state();
    }
    byte[] bytes = new AlrcSnapshot(config, state).toBytes();
    AlrcSnapshot restored = AlrcSnapshot.fromBytes(bytes);
    assertThat(restored.config()).isEqualTo(config);
    assertThat(restored.state()).as("an equal state, warm-up buffer included").isEqualTo(state);
    assertThat(restored.toBytes()).as("the same bytes again").isEqualTo(bytes);
    AlrcState a = state;
    AlrcState b = restored.stateFor(config);
    AlrcClipper resumed = new AlrcClipper(restored.config());
    for (int t = cut; t < stream.size(); t++) {
      AlrcStep x = clipper.update(stream.get(t), a);
      AlrcStep y = resumed.update(stream.get(t), b);
      assertThat(bits(y.scales())).as("step %d scales", t + 1).containsExactly(bits(x.scales()));
      assertThat(Double.doubleToRawLongBits(y.lmax()))
          .as("step %d lmax", t + 1)
          .isEqualTo(Double.doubleToRawLongBits(x.lmax()));
      a = x.state();
      b = y.state();
      assertThat(b).as("step %d state", t + 1).isEqualTo(a);
    }
  }

  private static long[] bits(double[] values) {
    return Arrays.stream(values).mapToLong(Double::doubleToRawLongBits).toArray();
  }
}
