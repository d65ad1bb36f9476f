package io.alrc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tests of {@link AlrcClipper}: the spec's test vectors for both profiles, the edge cases of the
 * spec and the two extensions (warm-up, lower threshold). The invariants over random loss streams
 * are in {@link AlrcClipperPropertiesTest}.
 */
class AlrcClipperTest {

  /**
   * The spec's vectors are float32 results, printed with at least 6 decimals. float32 arithmetic
   * (unit roundoff 6e-8, a few operations deep) is covered by a relative tolerance of 1e-6; the
   * printing itself may be off by half a unit of the 6th decimal (e.g. s = 0.374890 for 74.977928 /
   * 200 = 0.37488964), hence the absolute term.
   */
  private static final double FLOAT32_RELATIVE = 1e-6;

  private static final double PRINTED_ABSOLUTE = 5e-7;

  /** Asserts {@code actual} equals a float32 expectation of the spec to float32 precision. */
  private static void assertFloat32(double actual, double expected, String what) {
    double tolerance = Math.abs(expected) * FLOAT32_RELATIVE + PRINTED_ABSOLUTE;
    assertThat(actual)
        .as("%s should be %s to float32 precision (within %s)", what, expected, tolerance)
        .isCloseTo(expected, within(tolerance));
  }

  /** One row of the spec's sequence tables. */
  record VectorRow(
      double[] losses,
      double lmax,
      double[] out,
      double[] scales,
      double mu1After,
      double mu2After) {}

  private static final double[] STEP1 = {10};
  private static final double[] STEP2 = {100};
  private static final double[] STEP3 = {5, 80, 20, 200};

  private static final List<VectorRow> REFERENCE_ROWS =
      List.of(
          new VectorRow(
              STEP1, 74.749374, new double[] {10}, new double[] {1}, 24.985001, 899.200012),
          new VectorRow(
              STEP2,
              74.729828,
              new double[] {74.729828},
              new double[] {0.7472983},
              25.034746,
              903.885376),
          new VectorRow(
              STEP3,
              74.977928,
              new double[] {5, 74.977928, 20, 74.977928},
              new double[] {1, 0.937224, 1, 0.374890},
              25.053452,
              905.898621));

  private static final List<VectorRow> CIFAR2019_N2_ROWS =
      List.of(
          new VectorRow(
              STEP1, 44.641075, new double[] {10}, new double[] {1}, 9.980000, 398.899994),
          new VectorRow(
              STEP2,
              44.580612,
              new double[] {44.580612},
              new double[] {0.4458061},
              9.994639,
              399.690704),
          new VectorRow(
              STEP3,
              44.624043,
              new double[] {5, 44.624043, 20, 44.624043},
              new double[] {1, 0.5578005, 1, 0.2231202},
              9.993217,
              399.593536));

  static Stream<Arguments> specSequenceRows() {
    Stream.Builder<Arguments> rows = Stream.builder();
    for (int i = 0; i < REFERENCE_ROWS.size(); i++) {
      rows.add(Arguments.of("reference", AlrcConfig.reference(), REFERENCE_ROWS, i + 1));
    }
    for (int i = 0; i < CIFAR2019_N2_ROWS.size(); i++) {
      rows.add(Arguments.of("cifar2019 n=2", AlrcConfig.cifar2019(2), CIFAR2019_N2_ROWS, i + 1));
    }
    return rows.build();
  }

  @ParameterizedTest(name = "{0}, step {3}")
  @MethodSource("specSequenceRows")
  void matchesTheSpecVectorsWithStepsAppliedInSequence(
      String profile, AlrcConfig config, List<VectorRow> rows, int stepNumber) {
    AlrcClipper clipper = new AlrcClipper(config);
    AlrcState state = clipper.init();
    for (int i = 0; i < stepNumber - 1; i++) {
      state = clipper.update(rows.get(i).losses(), state).state();
    }
    VectorRow row = rows.get(stepNumber - 1);

    AlrcStep step = clipper.update(row.losses(), state);

    assertThat(step.skipped()).as("a finite step should not be skipped").isFalse();
    assertThat(step.step()).as("the step number should count from 1").isEqualTo(stepNumber);
    assertFloat32(step.lmax(), row.lmax(), "lmax");
    assertThat(step.size()).as("one scale per example").isEqualTo(row.losses().length);
    for (int i = 0; i < row.losses().length; i++) {
      assertFloat32(step.output(i), row.out()[i], "out_" + i);
      assertFloat32(step.scale(i), row.scales()[i], "s_" + i);
      if (row.scales()[i] == 1) {
        assertThat(step.scale(i))
            .as("an example below lmax should keep scale exactly 1")
            .isEqualTo(1);
      }
    }
    assertFloat32(step.state().mu1(), row.mu1After(), "mu1 after the step");
    assertFloat32(step.state().mu2(), row.mu2After(), "mu2 after the step");
  }

  @Test
  void matchesTheSpecVectorForOneStepFromAFreshReferenceState() {
    AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());
    double[] losses = {5, 80, 20, 200};

    AlrcStep step = clipper.update(losses, clipper.init());

    double[] expectedOut = {5, 74.749374, 20, 74.749374};
    // d objective / d L_i with objective = mean_i(L_i * s_i) and s_i held constant: s_i / B
    double[] expectedGradient = {0.25, 0.23359178, 0.25, 0.09343672};
    for (int i = 0; i < losses.length; i++) {
      assertFloat32(step.output(i), expectedOut[i], "out_" + i);
      assertFloat32(step.scale(i) / losses.length, expectedGradient[i], "gradient w.r.t. L_" + i);
    }
    assertFloat32(step.objective(), (5 + 74.749374 + 20 + 74.749374) / 4, "the objective");
    assertFloat32(step.state().mu1(), 25.018625, "mu1 after the step");
    assertFloat32(step.state().mu2(), 902.0, "mu2 after the step");
    assertThat(step.clippedCount()).as("80 and 200 are above lmax").isEqualTo(2);
  }

  @Test
  void objectiveGradientIsTheScaleOverTheBatchSizeByFiniteDifferences() {
    AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());
    double[] losses = {5, 80, 20, 200};
    AlrcStep step = clipper.update(losses, clipper.init());
    double[] scales = step.scales();
    double h = 1e-3;
    for (int i = 0; i < losses.length; i++) {
      // the scales are constants of the objective (stop-gradient): perturb L_i, keep s fixed
      double[] bumped = losses.clone();
      bumped[i] += h;
      double slope = (frozenObjective(bumped, scales) - frozenObjective(losses, scales)) / h;
      assertThat(slope)
          .as("d objective / d L_%d should equal s_%d / B", i, i)
          .isCloseTo(scales[i] / losses.length, within(1e-9));
    }
  }

  private static double frozenObjective(double[] losses, double[] scales) {
    double sum = 0;
    for (int i = 0; i < losses.length; i++) {
      sum += losses[i] * scales[i];
    }
    return sum / losses.length;
  }

  @Test
  void floatInputsGiveTheSameStepAsTheirWidenedDoubles() {
    AlrcClipper clipper = new AlrcClipper(AlrcConfig.cifar2019(2));
    float[] floats = {5f, 80.25f, 0f, 200.125f};
    double[] doubles = {5, 80.25, 0, 200.125};

    AlrcStep fromFloats = clipper.update(floats, clipper.init());
    AlrcStep fromDoubles = clipper.update(doubles, clipper.init());

    assertThat(fromFloats.scales()).as("same scales").containsExactly(fromDoubles.scales());
    assertThat(fromFloats.outputs()).as("same outputs").containsExactly(fromDoubles.outputs());
    assertThat(fromFloats.state()).as("same next state").isEqualTo(fromDoubles.state());
  }

  @Test
  void doesNotModifyTheInputArrays() {
    AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());
    double[] losses = {5, 80, 20, 200};
    float[] floats = {5, 80, 20, 200};

    clipper.update(losses, clipper.init());
    clipper.update(floats, clipper.init());

    assertThat(losses)
        .as("the double losses should be left as given")
        .containsExactly(5, 80, 20, 200);
    assertThat(floats)
        .as("the float losses should be left as given")
        .containsExactly(5, 80, 20, 200);
  }

  @Test
  void initReturnsTheConfiguredInitialMoments() {
    AlrcConfig config = AlrcConfig.cifar2019(3);
    AlrcState state = new AlrcClipper(config).init();

    assertThat(state)
        .as("the fresh state of the configuration")
        .isEqualTo(AlrcState.initial(config));
    assertThat(state.mu1()).as("mu1(0) of cifar2019").isEqualTo(10);
    assertThat(state.mu2()).as("mu2(0) of cifar2019").isEqualTo(400);
  }

  @Test
  void rejectsMissingArguments() {
    AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());

    assertThatThrownBy(() -> new AlrcClipper(null))
        .as("a clipper needs a configuration")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("config must not be null");
    assertThatThrownBy(() -> clipper.update((double[]) null, clipper.init()))
        .as("losses are required")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("losses and state must not be null");
    assertThatThrownBy(() -> clipper.update(new double[] {1}, null))
        .as("a state is required: init() gives the first")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("losses and state must not be null");
    assertThatThrownBy(() -> clipper.update((float[]) null, clipper.init()))
        .as("float losses are required")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("losses must not be null");
  }

  @Nested
  class ZeroLoss {

    @Test
    void getsScaleOneAndOutputZero() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());

      AlrcStep step = clipper.update(new double[] {0, 0, 0}, clipper.init());

      for (int i = 0; i < 3; i++) {
        assertThat(step.scale(i)).as("a zero loss should keep scale 1, never 0/0").isEqualTo(1);
        assertThat(step.output(i)).as("a zero loss should stay 0").isEqualTo(0);
      }
      assertThat(step.state().mu1()).as("mu1 decays towards 0").isEqualTo(0.999 * 25);
    }

    @Test
    void getsScaleOneWhenTheThresholdItselfIsZero() {
      // eps 0 and mu1(0) 0: sigma comes only from the tiny mu2(0), and after it has decayed to 0
      // the threshold is exactly 0 (halving 2^-1022 reaches 0 within 53 steps), so a zero loss sits
      // on it: the naive L / (L / lmax) is then 0 / 0
      AlrcConfig config =
          AlrcConfig.Profile.REFERENCE.builder()
              .eps(0)
              .initialMoments(0, Double.MIN_NORMAL)
              .beta(0.5)
              .build();
      AlrcClipper clipper = new AlrcClipper(config);
      AlrcState state = clipper.init();
      double[] zeros = {0, 0};
      for (int i = 0; i < 60; i++) {
        AlrcStep step = clipper.update(zeros, state);
        assertThat(step.scales())
            .as("zero losses should keep scale 1 at step %d", i + 1)
            .containsOnly(1.0);
        assertThat(step.outputs())
            .as("zero losses should stay 0 at step %d", i + 1)
            .containsOnly(0.0);
        assertThat(step.lmax()).as("lmax should never be NaN").isNotNaN();
        state = step.state();
      }
      assertThat(state.mu2()).as("mu2(0) should have decayed to exactly 0").isZero();
      assertThat(clipper.update(zeros, state).lmax()).as("the threshold should now be 0").isZero();

      // the hazard documented at AlrcConfig#eps: a positive loss now gets scale 0, and the
      // moments, fed only zeros, never move again
      AlrcStep stuck = clipper.update(new double[] {0, 2}, state);
      assertThat(stuck.scale(0)).as("the zero loss still keeps scale 1").isEqualTo(1);
      assertThat(stuck.scale(1)).as("with eps 0 and lmax 0 a positive loss gets scale 0").isZero();
      assertThat(stuck.state().mu1()).as("mu1 stays 0").isZero();
      assertThat(stuck.state().mu2()).as("mu2 stays 0").isZero();
    }

    @Test
    void getsScaleOneInABatchWithAClippedSpike() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.cifar2019(2));

      AlrcStep step = clipper.update(new double[] {0, 1e9}, clipper.init());

      assertThat(step.scale(0)).as("the zero loss keeps scale 1").isEqualTo(1);
      assertThat(step.scale(1)).as("the spike is scaled to lmax").isEqualTo(step.lmax() / 1e9);
      assertThat(step.minScale()).as("the smallest scale is the spike's").isEqualTo(step.scale(1));
    }
  }

  @Nested
  class InvalidLosses {

    @Test
    void rejectsANegativeLossNamingTheExampleAndItsValue() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());

      assertThatThrownBy(() -> clipper.update(new double[] {1, 2, -0.5, 3}, clipper.init()))
          .as("a negative loss is outside ALRC's domain")
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("loss of example 2 (-0.5) at step 1 is negative: ALRC needs losses >= 0");
    }

    @Test
    void namesTheStepOfANegativeLoss() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());
      AlrcState state = clipper.update(new double[] {1}, clipper.init()).state();

      assertThatThrownBy(() -> clipper.update(new float[] {-2f}, state))
          .as("the message names the step that brought the negative loss")
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("loss of example 0 (-2.0) at step 2 is negative: ALRC needs losses >= 0");
    }

    @Test
    void rejectsAnEmptyBatch() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());

      assertThatThrownBy(() -> clipper.update(new double[0], clipper.init()))
          .as("an empty batch has no loss to clip")
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("losses must hold at least one example loss, got none");
      assertThatThrownBy(() -> clipper.update(new float[0], clipper.init()))
          .as("an empty float batch has no loss to clip")
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("losses must hold at least one example loss, got none");
    }
  }

  @Nested
  class NonFiniteLosses {

    @ParameterizedTest(name = "{0}")
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void skipTheStepLeavingTheMomentsUntouched(double bad) {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());
      AlrcState before = clipper.update(new double[] {10, 100}, clipper.init()).state();

      AlrcStep step = clipper.update(new double[] {5, bad, 20}, before);

      assertThat(step.skipped()).as("a step with a %s loss should be skipped", bad).isTrue();
      assertThat(step.scales()).as("nothing may be updated: every scale is 0").containsOnly(0.0);
      assertThat(step.clippedCount()).as("nothing counts as clipped").isZero();
      assertThat(step.objective()).as("a skipped step has no objective").isNaN();
      AlrcState after = step.state();
      assertThat(after.mu1()).as("mu1 untouched").isEqualTo(before.mu1());
      assertThat(after.mu2()).as("mu2 untouched").isEqualTo(before.mu2());
      assertThat(after.steps()).as("the step still counts").isEqualTo(2);
      assertThat(after.skippedSteps()).as("the skip is counted").isEqualTo(1);
      assertThat(after.consecutiveSkipped()).as("one skip in a row").isEqualTo(1);
      assertThat(step.lmax())
          .as("the threshold that would have applied is reported")
          .isEqualTo(before.mu1() + 3 * before.sigma(1e-8));
    }

    @Test
    void aFiniteStepResetsTheConsecutiveCounterButNotTheTotal() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.Profile.REFERENCE.builder().nonFiniteLimit(3).build());
      AlrcState state = clipper.init();
      double[] nan = {Double.NaN};

      state = clipper.update(nan, state).state();
      state = clipper.update(nan, state).state();
      assertThat(state.consecutiveSkipped()).as("two skips in a row").isEqualTo(2);
      state = clipper.update(new double[] {7}, state).state();
      assertThat(state.consecutiveSkipped()).as("a finite step resets the run of skips").isZero();
      assertThat(state.skippedSteps()).as("the total keeps both skips").isEqualTo(2);
      state = clipper.update(nan, state).state();
      state = clipper.update(nan, state).state();

      assertThat(state.consecutiveSkipped())
          .as("the limit 3 is not reached by two new skips after the reset")
          .isEqualTo(2);
      assertThat(state.steps()).as("five steps in all").isEqualTo(5);
      assertThat(state.skippedSteps()).as("four skipped in all").isEqualTo(4);
    }

    @Test
    void theKthConsecutiveNonFiniteStepThrowsNamingTheStep() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.Profile.REFERENCE.builder().nonFiniteLimit(3).build());
      AlrcState state = clipper.update(new double[] {7}, clipper.init()).state();
      state = clipper.update(new double[] {Double.NaN}, state).state();
      state = clipper.update(new double[] {1, Double.POSITIVE_INFINITY}, state).state();
      AlrcState beforeFailure = state;

      assertThatThrownBy(
              () -> clipper.update(new double[] {1, 2, Double.NaN, Double.NaN}, beforeFailure))
          .as("the third non-finite step in a row ends training")
          .isInstanceOf(NonFiniteLossException.class)
          .hasMessage(
              "step 4: loss of example 2 is NaN, the 3rd non-finite step in a row (limit 3):"
                  + " training has diverged; lower the learning rate or raise nonFiniteLimit")
          .satisfies(
              e -> {
                NonFiniteLossException failure = (NonFiniteLossException) e;
                assertThat(failure.step()).as("the failing step").isEqualTo(4);
                assertThat(failure.consecutive()).as("the run of non-finite steps").isEqualTo(3);
              });
    }

    @Test
    void aLimitOfOneThrowsOnTheFirstNonFiniteStep() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.Profile.REFERENCE.builder().nonFiniteLimit(1).build());

      assertThatThrownBy(
              () -> clipper.update(new double[] {Double.NEGATIVE_INFINITY}, clipper.init()))
          .as("with limit 1 no non-finite step is tolerated")
          .isInstanceOf(NonFiniteLossException.class)
          .hasMessage(
              "step 1: loss of example 0 is -Infinity, the 1st non-finite step in a row (limit 1):"
                  + " training has diverged; lower the learning rate or raise nonFiniteLimit");
    }

    @Test
    void theDefaultLimitIsTenConsecutiveSteps() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());
      AlrcState state = clipper.init();
      for (int i = 0; i < 9; i++) {
        state = clipper.update(new double[] {Double.NaN}, state).state();
      }
      AlrcState nineSkipped = state;

      assertThatThrownBy(() -> clipper.update(new double[] {Double.NaN}, nineSkipped))
          .as("the 10th non-finite step in a row throws")
          .isInstanceOf(NonFiniteLossException.class)
          .hasMessageStartingWith("step 10: loss of example 0 is NaN, the 10th non-finite step");
    }

    @Test
    void aNegativeLossIsRejectedEvenInAStepWithANonFiniteOne() {
      AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());

      assertThatThrownBy(() -> clipper.update(new double[] {Double.NaN, -1}, clipper.init()))
          .as("a negative loss is a caller error, not divergence")
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("loss of example 1 (-1.0) at step 1 is negative: ALRC needs losses >= 0");
    }
  }

  /** The legacy plain-mean warm-up, kept for runs and snapshots that use it. */
  @Nested
  @SuppressWarnings("deprecation")
  class Warmup {
    private final AlrcConfig config = AlrcConfig.Profile.REFERENCE.builder().warmupLosses(6).build();
    private final AlrcClipper clipper = new AlrcClipper(config);

    @Test
    void clipsNothingDuringWarmupThenStartsFromTheSampleMoments() {
      double[] first = {1, 2, 3};
      double[] second = {1000, 4, 5};

      AlrcStep step1 = clipper.update(first, clipper.init());
      AlrcStep step2 = clipper.update(second, step1.state());

      for (AlrcStep step : List.of(step1, step2)) {
        assertThat(step.lmax())
            .as("no threshold during warm-up")
            .isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(step.scales()).as("nothing is clipped during warm-up").containsOnly(1.0);
        assertThat(step.clippedCount()).as("no example counts as clipped").isZero();
      }
      assertThat(step1.state().mu1()).as("mu1(0) is kept until K losses are seen").isEqualTo(25);
      assertThat(step1.state().warmupCount()).as("three losses seen").isEqualTo(3);
      double mean = (1 + 2 + 3 + 1000 + 4 + 5) / 6.0;
      double meanSquare = (1 + 4 + 9 + 1e6 + 16 + 25) / 6.0;
      AlrcState warm = step2.state();
      assertThat(warm.mu1())
          .as("mu1 equals the sample mean of the K losses")
          .isCloseTo(mean, within(1e-12));
      assertThat(warm.mu2())
          .as("mu2 equals the sample mean square of the K losses")
          .isCloseTo(meanSquare, within(1e-9));
      assertThat(warm.warmupCount()).as("warm-up is over").isEqualTo(6);

      AlrcStep step3 = clipper.update(new double[] {10_000}, warm);
      double sigma = Math.sqrt(meanSquare - mean * mean + 1e-8);
      assertThat(step3.lmax())
          .as("the first step after warm-up clips at the sample moments")
          .isCloseTo(mean + 3 * sigma, within(1e-9));
      assertThat(step3.scale(0)).as("a spike after warm-up is clipped").isLessThan(1);
      assertThat(step3.state().mu1())
          .as("after warm-up the moments follow the running-mean update")
          .isCloseTo(0.999 * mean + 0.001 * step3.lmax(), within(1e-9));
    }

    @Test
    void theStepThatCompletesWarmupContributesAllItsLosses() {
      // documented: a batch that crosses K counts whole, so here the moments come from 8 losses
      AlrcStep step1 = clipper.update(new double[] {1, 2, 3, 4}, clipper.init());
      AlrcStep step2 = clipper.update(new double[] {5, 6, 7, 8}, step1.state());

      assertThat(step2.scales()).as("nothing clipped in the completing step").containsOnly(1.0);
      assertThat(step2.state().mu1())
          .as("mean of all 8 warm-up losses")
          .isCloseTo(4.5, within(1e-12));
      assertThat(step2.state().mu2())
          .as("mean square of all 8 warm-up losses")
          .isCloseTo(204.0 / 8, within(1e-12));
      assertThat(step2.state().warmupCount()).as("the count is capped at K").isEqualTo(6);
    }

    @Test
    void constantWarmupLossesGiveZeroVarianceAndSigmaSqrtEps() {
      AlrcStep step = clipper.update(new double[] {3, 3, 3, 3, 3, 3}, clipper.init());

      assertThat(step.state().mu1()).as("mean of constant losses").isEqualTo(3);
      assertThat(step.state().mu2()).as("mean square of constant losses").isEqualTo(9);
      AlrcStep next = clipper.update(new double[] {3}, step.state());
      assertThat(next.sigma()).as("sigma falls back to sqrt(eps)").isEqualTo(Math.sqrt(1e-8));
    }

    @Test
    void aSkippedStepDuringWarmupLeavesTheWarmupSumsUntouched() {
      AlrcState state = clipper.update(new double[] {1, 2, 3}, clipper.init()).state();

      AlrcStep skipped = clipper.update(new double[] {Double.NaN, 4}, state);

      assertThat(skipped.skipped()).as("the non-finite step is skipped").isTrue();
      assertThat(skipped.lmax()).as("still no threshold").isEqualTo(Double.POSITIVE_INFINITY);
      AlrcState after = skipped.state();
      assertThat(after.warmupCount()).as("count untouched").isEqualTo(3);
      assertThat(after.warmupSum()).as("sum untouched").isEqualTo(6);
      assertThat(after.warmupSumSq()).as("sum of squares untouched").isEqualTo(14);
    }

    @Test
    void theLowerThresholdWaitsForTheEndOfWarmup() {
      AlrcClipper twoSided =
          new AlrcClipper(AlrcConfig.Profile.REFERENCE.builder().warmupLosses(2).lowerN(1).build());

      AlrcStep step = twoSided.update(new double[] {0.001}, twoSided.init());

      assertThat(step.lmin())
          .as("no lower threshold during warm-up")
          .isEqualTo(Double.NEGATIVE_INFINITY);
      assertThat(step.scale(0)).as("a small loss is not raised during warm-up").isEqualTo(1);
    }
  }

  @Nested
  class LowerThreshold {
    private final AlrcClipper clipper = new AlrcClipper(AlrcConfig.Profile.REFERENCE.builder().lowerN(1).build());

    @Test
    void raisesAPositiveLossBelowTheLowerThresholdAndLeavesTheRest() {
      AlrcStep step = clipper.update(new double[] {5, 0, 20, 200}, clipper.init());

      double sigma = Math.sqrt(900 - 625 + 1e-8);
      double lmin = 25 - sigma;
      double lmax = 25 + 3 * sigma;
      assertThat(step.lmin()).as("lmin = mu1 - lowerN * sigma").isCloseTo(lmin, within(1e-12));
      assertThat(step.lmax()).as("lmax as without the extension").isCloseTo(lmax, within(1e-12));
      assertThat(step.output(0)).as("5 is raised to lmin").isEqualTo(step.lmin());
      assertThat(step.scale(0)).as("its scale is lmin / 5, above 1").isEqualTo(step.lmin() / 5);
      assertThat(step.scale(0)).as("a raised loss has scale above 1").isGreaterThan(1);
      assertThat(step.output(1)).as("a zero loss stays 0").isZero();
      assertThat(step.scale(1)).as("a zero loss keeps scale 1").isEqualTo(1);
      assertThat(step.output(2)).as("20 lies between the thresholds").isEqualTo(20);
      assertThat(step.scale(2)).as("20 keeps scale 1").isEqualTo(1);
      assertThat(step.output(3)).as("200 is clipped to lmax").isEqualTo(step.lmax());
      assertThat(step.clippedCount()).as("only examples scaled down count as clipped").isEqualTo(1);
      double meanOut = (step.lmin() + 0 + 20 + step.lmax()) / 4;
      assertThat(step.state().mu1())
          .as("the moments are updated with the raised and clipped values")
          .isCloseTo(0.999 * 25 + (1 - 0.999) * meanOut, within(1e-12));
    }

    @Test
    void isOffByDefault() {
      AlrcClipper oneSided = new AlrcClipper(AlrcConfig.reference());

      AlrcStep step = oneSided.update(new double[] {0.5}, oneSided.init());

      assertThat(step.lmin()).as("no lower threshold").isEqualTo(Double.NEGATIVE_INFINITY);
      assertThat(step.scale(0)).as("a small loss keeps scale 1").isEqualTo(1);
    }

    @Test
    void hasNoEffectWhileItIsNegative() {
      AlrcClipper wide = new AlrcClipper(AlrcConfig.Profile.REFERENCE.builder().lowerN(3).build());

      AlrcStep step = wide.update(new double[] {0.5}, wide.init());

      assertThat(step.lmin()).as("25 - 3 sigma is below 0").isNegative();
      assertThat(step.scale(0)).as("no non-negative loss lies below a negative lmin").isEqualTo(1);
    }
  }
}
