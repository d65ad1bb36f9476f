package io.alrc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.alrc.telemetry.StepTelemetry;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The auto start ({@link AlrcConfig#warmup()} &gt; 0) on hand-computed steps, and the
 * configuration rules around it: profiles, the pair of initial moments, the builder's default.
 */
class AutoStartTest {
  private static final double ROBUST_SD = AlrcConfig.WARMUP_SPREAD * AlrcConfig.MAD_SCALE; // 8.8956

  private final AlrcConfig config = AlrcConfig.builder().warmup(8).build();
  private final AlrcClipper clipper = new AlrcClipper(config);

  @Nested
  class Warmup {
    @Test
    void clipsAtTheRobustBoundThenStartsFromTheClippedWarmupMoments() {
      // step 1: P = 4 positives [1, 2, 3, 4]: med 2 (2nd smallest), |L - 2| = [0, 1, 1, 2] -> mad 1
      AlrcStep s1 = clipper.update(new double[] {1, 2, 3, 4}, clipper.init());
      assertThat(s1.warmup()).as("step 1 is a warm-up step").isTrue();
      assertThat(s1.lmax()).as("bound = 2 + 6 * 1.4826 * 1").isEqualTo(2 + ROBUST_SD);
      assertThat(s1.clippedCount()).as("nothing reaches the bound").isZero();
      assertThat(s1.state().mu1()).as("provisional mean of the 4 losses").isEqualTo(2.5);
      assertThat(s1.state().mu2()).as("provisional mean square").isEqualTo(7.5);
      assertThat(s1.state().warmupBuffer()).containsExactly(1, 2, 3, 4);
      assertThat(s1.state().inWarmup(config)).as("4 of 8 losses seen").isTrue();

      // step 2 completes the warm-up: positives [1, 2, 2, 3, 3, 4, 100] (the zero is not one):
      // med 3 (4th smallest), deviations [0, 0, 1, 1, 1, 2, 97] -> mad 1, bound 3 + 8.8956
      AlrcStep s2 = clipper.update(new double[] {0, 100, 2, 3}, s1.state());
      double bound = 3 + ROBUST_SD;
      assertThat(s2.warmup()).as("the step that completes the warm-up is one").isTrue();
      assertThat(s2.lmax()).as("the bound of all warm-up losses so far").isEqualTo(bound);
      assertThat(s2.scale(1)).as("the spike is clipped to the bound").isEqualTo(bound / 100);
      assertThat(s2.scale(0)).as("a zero loss keeps scale 1").isEqualTo(1);
      assertThat(s2.clippedCount()).isEqualTo(1);
      double sum = 1 + 2 + 2 + 3 + 3 + 4 + bound;
      double sumSq = 1 + 4 + 4 + 9 + 9 + 16 + bound * bound;
      AlrcState warm = s2.state();
      assertThat(warm.mu1()).as("mean of the 8 warm-up losses, clipped").isCloseTo(sum / 8, within(1e-12));
      assertThat(warm.mu2()).as("mean square, clipped").isCloseTo(sumSq / 8, within(1e-12));
      assertThat(warm.warmupCount()).isEqualTo(8);
      assertThat(warm.warmupBuffer()).as("the buffer is dropped after the warm-up").isEmpty();
      assertThat(warm.inWarmup(config)).isFalse();

      // step 3: ALRC with the relative variance floor and the bias-corrected weight of step 3
      double mu1 = warm.mu1();
      double mu2 = warm.mu2();
      double sigma = Math.sqrt(mu2 - mu1 * mu1 + 1e-8 * mu2);
      double lmax = mu1 + 3 * sigma;
      AlrcStep s3 = clipper.update(new double[] {5, 40}, warm);
      assertThat(s3.warmup()).as("the first step after the warm-up").isFalse();
      assertThat(s3.lmax()).as("mu1 + 3 sigma").isCloseTo(lmax, within(1e-12));
      assertThat(s3.sigma()).isCloseTo(sigma, within(1e-12));
      assertThat(s3.scale(1)).as("40 is above lmax %s", lmax).isCloseTo(lmax / 40, within(1e-12));
      double w = 0.001 / (1 - 0.999 * 0.999 * 0.999);
      assertThat(AlrcClipper.biasCorrectedWeight(0.999, 3))
          .as("(1 - beta) / (1 - beta^3)")
          .isCloseTo(w, within(1e-15));
      double meanOut = (5 + lmax) / 2;
      double meanOutSq = (25 + lmax * lmax) / 2;
      assertThat(s3.state().mu1()).isCloseTo(mu1 + w * (meanOut - mu1), within(1e-12));
      assertThat(s3.state().mu2()).isCloseTo(mu2 + w * (meanOutSq - mu2), within(1e-11));
    }

    @Test
    void aSpikeAmongTheFirstLossesIsClippedInTheStatisticsOnceTheBoundKnowsBetter() {
      // batch 1: the very first loss cannot be judged, but the moments re-clip it at the end
      AlrcState state = clipper.init();
      double[] stream = {1000, 1, 2, 3, 4, 2, 3, 1};
      AlrcStep step = null;
      for (double l : stream) {
        step = clipper.update(new double[] {l}, state);
        state = step.state();
      }
      assertThat(step.warmup()).isTrue();
      // positives [1, 1, 2, 2, 3, 3, 4, 1000]: med 2, deviations [0,0,1,1,1,1,2,998] -> mad 1
      double bound = 2 + ROBUST_SD;
      assertThat(step.lmax()).isEqualTo(bound);
      assertThat(state.mu1())
          .as("the spike counts as the bound, not as 1000")
          .isCloseTo((1 + 1 + 2 + 2 + 3 + 3 + 4 + bound) / 8, within(1e-12));
      assertThat(state.mu1() + 3 * Math.sqrt(state.mu2() - state.mu1() * state.mu1()))
          .as("the first threshold after the warm-up stays near the clean losses")
          .isLessThan(15);
    }

    @Test
    void clipsNothingBeforeFourPositiveLosses() {
      AlrcStep step = clipper.update(new double[] {0, 0, 1, 1000}, clipper.init());
      assertThat(step.lmax()).as("2 positive losses: no bound yet").isEqualTo(Double.POSITIVE_INFINITY);
      assertThat(step.clippedCount()).isZero();
      assertThat(step.telemetry().warmup()).as("the telemetry says warm-up").isTrue();
    }

    @Test
    void onlyZeroLossesClipNothingBeforeAndAfterTheWarmup() {
      AlrcState state = clipper.init();
      for (int i = 0; i < 3; i++) {
        state = clipper.update(new double[] {0, 0, 0, 0}, state).state();
      }
      assertThat(state.mu1()).isZero();
      assertThat(state.mu2()).isZero();
      AlrcStep after = clipper.update(new double[] {5}, state);
      assertThat(after.warmup()).isFalse();
      assertThat(after.lmax()).as("a threshold of 0 means no scale is known yet").isInfinite();
      assertThat(after.scale(0)).isEqualTo(1);
      assertThat(after.state().mu1()).as("the first positive loss moves the mean").isPositive();
    }

    @Test
    void aSkippedStepLeavesTheBufferAndTheBiasCorrectionCount() {
      AlrcState s1 = clipper.update(new double[] {1, 2, 3, 4}, clipper.init()).state();
      AlrcStep skipped = clipper.update(new double[] {Double.NaN, 7}, s1);
      assertThat(skipped.skipped()).isTrue();
      assertThat(skipped.warmup()).isTrue();
      assertThat(skipped.lmax()).as("the bound of the buffer so far").isEqualTo(2 + ROBUST_SD);
      AlrcState s2 = skipped.state();
      assertThat(s2.warmupBuffer()).containsExactly(1, 2, 3, 4);
      assertThat(s2.warmupCount()).isEqualTo(4);
      assertThat(s2.mu1()).isEqualTo(s1.mu1());

      AlrcState warm = clipper.update(new double[] {1, 2, 3, 4}, s2).state();
      AlrcStep next = clipper.update(new double[] {2}, warm);
      double w = AlrcClipper.biasCorrectedWeight(0.999, 3); // finite steps 1, 3 and this one
      assertThat(next.state().mu1())
          .as("the skipped step does not count for the bias correction")
          .isCloseTo(warm.mu1() + w * (2 - warm.mu1()), within(1e-12));
    }

    @Test
    void theLowerThresholdWaitsForTheEndOfTheWarmup() {
      AlrcClipper lower = new AlrcClipper(AlrcConfig.builder().warmup(8).lowerN(1).build());
      AlrcStep s1 = lower.update(new double[] {1, 2, 3, 4, 5, 6, 7, 0.001}, lower.init());
      assertThat(s1.lmin()).isEqualTo(Double.NEGATIVE_INFINITY);
      assertThat(s1.scale(7)).as("not raised during the warm-up").isEqualTo(1);
      AlrcStep s2 = lower.update(new double[] {0.001}, s1.state());
      assertThat(s2.lmin()).as("mu1 - sigma afterwards").isPositive();
      assertThat(s2.scale(0)).as("raised to lmin").isGreaterThan(1);
    }

    @Test
    void theBiasCorrectedWeightDecaysToOneMinusBeta() {
      assertThat(AlrcClipper.biasCorrectedWeight(0.999, 1)).as("t = 1: the first mean").isEqualTo(1);
      assertThat(AlrcClipper.biasCorrectedWeight(0.999, 1_000_000))
          .as("far out: the authors' weight")
          .isEqualTo(1 - 0.999);
      assertThat(AlrcClipper.biasCorrectedWeight(0.999, 40_000))
          .as("where beta^t is below 2^-54 the power is skipped, with the same result")
          .isEqualTo((1 - 0.999) / (1 - StrictMath.pow(0.999, 40_000)));
    }
  }

  @Nested
  class Configuration {
    @Test
    void theAutoProfileIsTheDefault() {
      AlrcConfig auto = AlrcConfig.auto();
      assertThat(auto.n()).isEqualTo(3);
      assertThat(auto.beta1()).isEqualTo(0.999);
      assertThat(auto.beta2()).isEqualTo(0.999);
      assertThat(auto.gamma1()).isEqualTo(1 - 0.999);
      assertThat(auto.warmup()).isEqualTo(AlrcConfig.DEFAULT_WARMUP).isEqualTo(64);
      assertThat(auto.autoStart()).isTrue();
      assertThat(auto.initialMu1()).as("no initial moments").isNaN();
      assertThat(auto.initialMu2()).isNaN();
      assertThat(auto.initialSigma()).isNaN();
      assertThat(auto.eps()).as("relative with the auto start").isEqualTo(1e-8);
      assertThat(auto.warmupLosses()).isZero();
      assertThat(auto.lowerN()).isEmpty();
      assertThat(AlrcConfig.builder().build()).as("the plain builder").isEqualTo(auto);
      assertThat(AlrcConfig.Profile.AUTO.builder().build()).isEqualTo(auto);
      assertThat(AlrcConfig.Profile.parse("auto")).isEqualTo(AlrcConfig.Profile.AUTO);
      assertThat(AlrcConfig.Profile.AUTO.id()).isEqualTo("auto");
      assertThat(AlrcState.initial(auto)).isEqualTo(new AlrcState(0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void initialMomentsReplaceTheAutoStartAndWarmupReplacesAProfilesMoments() {
      AlrcConfig fixed = AlrcConfig.builder().initialMoments(0.1, 0.02).build();
      assertThat(fixed.autoStart()).isFalse();
      assertThat(fixed.initialMu1()).isEqualTo(0.1);
      assertThat(fixed.initialMu2()).isEqualTo(0.02);
      assertThat(fixed.n()).as("the auto profile's other constants").isEqualTo(3);

      AlrcConfig referenceAuto = AlrcConfig.Profile.REFERENCE.builder().warmup(32).build();
      assertThat(referenceAuto.autoStart()).isTrue();
      assertThat(referenceAuto.warmup()).isEqualTo(32);
      assertThat(referenceAuto.initialMu1()).isNaN();
      assertThat(AlrcConfig.Profile.REFERENCE.builder().warmup(0).build())
          .as("warmup 0 keeps a profile's fixed moments")
          .isEqualTo(AlrcConfig.reference());
    }

    @Test
    @SuppressWarnings("deprecation")
    void oneInitialMomentAloneIsAnErrorThatSaysToSetBoth() {
      assertThatThrownBy(() -> AlrcConfig.Profile.REFERENCE.builder().initialMu1(0.1).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "initialMu1 (0.1) was set without initialMu2: the initial moments are a pair (mu1(0)"
                  + " the mean, mu2(0) the mean square of the loss); set both with"
                  + " initialMoments(mu1, mu2), or neither for the auto start");
      assertThatThrownBy(() -> AlrcConfig.builder().initialMu2(400).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("initialMu2 (400.0) was set without initialMu1: ");
      assertThat(AlrcConfig.builder().initialMu1(1).initialMu2(2).build())
          .as("both halves make the pair")
          .isEqualTo(AlrcConfig.builder().initialMoments(1, 2).build());
    }

    @Test
    void initialMomentsAndAWarmupExcludeEachOther() {
      assertThatThrownBy(() -> AlrcConfig.builder().initialMoments(1, 2).warmup(64).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "initialMoments(1.0, 2.0) and warmup(64) exclude each other: the auto start"
                  + " estimates the moments from the first losses; set one of them");
      assertThatThrownBy(
              () ->
                  new AlrcConfig(
                      3, 0.999, 0.999, 0.001, 0.001, 25, 900, 1e-8, 10, 0, OptionalDouble.empty(),
                      64))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("initial moments (25.0, 900.0) and warmup (64) exclude each other");
    }

    @Test
    void rejectsAutoStartSettingsItCannotHonour() {
      assertThatThrownBy(() -> AlrcConfig.builder().warmup(4).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("warmup (4) must be >= 8 example losses, or 0 for fixed initial moments");
      assertThatThrownBy(() -> AlrcConfig.builder().warmup(-1).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("warmup (-1) must be >= 0 (0 for fixed initial moments)");
      assertThatThrownBy(() -> AlrcConfig.builder().warmup(0).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("warmup (0) needs fixed initial moments, and the auto profile");
      assertThatThrownBy(() -> AlrcConfig.Profile.CIFAR2019.builder().warmup(64).build())
          .as("cifar2019's leaky weights cannot be bias-corrected")
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "gamma1 (0.001) must be 1 - beta1 (0.0030000000000000027) with the auto start: its"
                  + " bias correction assumes weights that add up to 1");
    }

    @Test
    @SuppressWarnings("deprecation")
    void theLegacyMeanWarmupNeedsFixedMoments() {
      assertThatThrownBy(() -> AlrcConfig.builder().warmupLosses(50).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "warmupLosses (50) is the legacy plain-mean warm-up of fixed initial moments and"
                  + " cannot be combined with the auto start (warmup 64): use warmup(K) alone, or"
                  + " a profile with initial moments");
      assertThat(AlrcConfig.Profile.REFERENCE.builder().warmupLosses(50).build().warmupLosses())
          .isEqualTo(50);
    }

    @Test
    @SuppressWarnings("deprecation")
    void theLegacyWarmupReportsItsWarmupSteps() {
      AlrcConfig legacy = AlrcConfig.Profile.REFERENCE.builder().warmupLosses(2).build();
      AlrcClipper c = new AlrcClipper(legacy);
      AlrcStep s1 = c.update(new double[] {1}, c.init());
      AlrcStep s2 = c.update(new double[] {2}, s1.state());
      AlrcStep s3 = c.update(new double[] {3}, s2.state());
      assertThat(new boolean[] {s1.warmup(), s2.warmup(), s3.warmup()})
          .containsExactly(true, true, false);
      StepTelemetry t = s3.telemetry();
      assertThat(t.warmup()).isFalse();
      assertThat(s1.telemetry().warmup()).isTrue();
      assertThat(new AlrcClipper(AlrcConfig.reference()).update(new double[] {1}, AlrcState
              .initial(AlrcConfig.reference())).warmup())
          .as("fixed moments without a warm-up: never")
          .isFalse();
    }
  }
}
