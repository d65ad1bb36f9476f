package io.alrc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.OptionalDouble;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tests of {@link AlrcConfig}: the two profiles, the builder and the validation messages. */
class AlrcConfigTest {

  @Test
  void referenceProfileHasTheAuthorsLibraryDefaults() {
    AlrcConfig config = AlrcConfig.reference();

    assertThat(config.n()).as("n").isEqualTo(3);
    assertThat(config.beta1()).as("beta1").isEqualTo(0.999);
    assertThat(config.beta2()).as("beta2").isEqualTo(0.999);
    assertThat(config.gamma1()).as("gamma1 = 1 - beta1").isEqualTo(1 - 0.999);
    assertThat(config.gamma2()).as("gamma2 = 1 - beta2").isEqualTo(1 - 0.999);
    assertThat(config.initialMu1()).as("mu1(0)").isEqualTo(25);
    assertThat(config.initialMu2()).as("mu2(0)").isEqualTo(900);
    assertThat(config.eps()).as("eps").isEqualTo(1e-8);
    assertThat(config.nonFiniteLimit()).as("non-finite limit").isEqualTo(10);
    assertThat(config.warmupLosses()).as("warm-up off").isZero();
    assertThat(config.lowerN()).as("lower threshold off").isEmpty();
    assertThat(AlrcConfig.Profile.REFERENCE.builder().build())
        .as("the reference builder without changes")
        .isEqualTo(config);
    assertThat(config.autoStart()).as("fixed initial moments").isFalse();
    assertThat(config.warmup()).as("no auto start").isZero();
  }

  @Test
  void cifar2019ProfileHasTheAuthorsScriptConstants() {
    AlrcConfig config = AlrcConfig.cifar2019(2);

    assertThat(config.n()).as("n from the caller").isEqualTo(2);
    assertThat(config.beta1()).as("beta1").isEqualTo(0.997);
    assertThat(config.beta2()).as("beta2").isEqualTo(0.997);
    assertThat(config.gamma1()).as("gamma1 is 0.001, not 1 - beta1").isEqualTo(0.001);
    assertThat(config.gamma2()).as("gamma2 is 0.001, not 1 - beta2").isEqualTo(0.001);
    assertThat(config.initialMu1()).as("mu1(0)").isEqualTo(10);
    assertThat(config.initialMu2()).as("mu2(0)").isEqualTo(400);
    assertThat(config.eps()).as("eps").isEqualTo(1e-3);
    assertThat(config.nonFiniteLimit()).as("non-finite limit").isEqualTo(10);
  }

  @Test
  void settingBetaInReferenceAlsoSetsGammaUnlessGiven() {
    AlrcConfig derived = AlrcConfig.Profile.REFERENCE.builder().beta(0.99).build();
    AlrcConfig explicit = AlrcConfig.Profile.REFERENCE.builder().beta(0.99).gamma(0.005).build();
    AlrcConfig split = AlrcConfig.Profile.REFERENCE.builder().beta1(0.9).beta2(0.99).build();

    assertThat(derived.gamma1()).as("gamma1 follows 1 - beta1").isEqualTo(1 - 0.99);
    assertThat(derived.gamma2()).as("gamma2 follows 1 - beta2").isEqualTo(1 - 0.99);
    assertThat(explicit.gamma1()).as("an explicit gamma wins").isEqualTo(0.005);
    assertThat(split.gamma1()).as("gamma1 follows beta1").isEqualTo(1 - 0.9);
    assertThat(split.gamma2()).as("gamma2 follows beta2").isEqualTo(1 - 0.99);
  }

  @Test
  void settingBetaInCifar2019KeepsGammaAt0001() {
    AlrcConfig config = AlrcConfig.Profile.CIFAR2019.builder().beta(0.99).build();

    assertThat(config.gamma1()).as("the profile's weight stays").isEqualTo(0.001);
    assertThat(config.gamma2()).as("the profile's weight stays").isEqualTo(0.001);
  }

  @Test
  @SuppressWarnings("deprecation")
  void builderSetsEveryField() {
    AlrcConfig config =
        AlrcConfig.Profile.REFERENCE.builder()
            .n(2.5)
            .beta1(0.9)
            .beta2(0.95)
            .gamma1(0.1)
            .gamma2(0.05)
            .initialMoments(1, 2)
            .eps(0)
            .nonFiniteLimit(4)
            .warmupLosses(100)
            .lowerN(1.5)
            .build();

    assertThat(config)
        .as("every builder setter reaches its field")
        .isEqualTo(
            new AlrcConfig(2.5, 0.9, 0.95, 0.1, 0.05, 1, 2, 0, 4, 100, OptionalDouble.of(1.5)));
  }

  @Test
  void initialSigmaUsesTheInitialMomentsAndEps() {
    assertThat(AlrcConfig.reference().initialSigma())
        .as("sqrt(900 - 625 + 1e-8)")
        .isCloseTo(Math.sqrt(275 + 1e-8), within(1e-12));
    assertThat(AlrcConfig.cifar2019(2).initialSigma())
        .as("sqrt(400 - 100 + 1e-3)")
        .isCloseTo(Math.sqrt(300.001), within(1e-12));
  }

  @Test
  void profilesParseCaseInsensitivelyAndHaveLowerCaseIds() {
    assertThat(AlrcConfig.Profile.parse("reference"))
        .as("reference")
        .isEqualTo(AlrcConfig.Profile.REFERENCE);
    assertThat(AlrcConfig.Profile.parse(" CIFAR2019 "))
        .as("cifar2019, any case, trimmed")
        .isEqualTo(AlrcConfig.Profile.CIFAR2019);
    assertThat(AlrcConfig.Profile.CIFAR2019.id())
        .as("the id as the CLI spells it")
        .isEqualTo("cifar2019");
    assertThatThrownBy(() -> AlrcConfig.Profile.parse("paper"))
        .as("an unknown profile names the allowed ones")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown ALRC profile 'paper': expected 'auto', 'reference' or 'cifar2019'");
    assertThat(AlrcConfig.Profile.parse("Auto")).as("auto").isEqualTo(AlrcConfig.Profile.AUTO);
  }

  @SuppressWarnings("deprecation")
  static Stream<Arguments> invalidConfigurations() {
    return Stream.of(
        invalid("n = 0", b -> b.n(0), "n (0.0) must be finite and > 0"),
        invalid("n < 0", b -> b.n(-1), "n (-1.0) must be finite and > 0"),
        invalid("n NaN", b -> b.n(Double.NaN), "n (NaN) must be finite and > 0"),
        invalid(
            "n infinite",
            b -> b.n(Double.POSITIVE_INFINITY),
            "n (Infinity) must be finite and > 0"),
        invalid("beta1 = 0", b -> b.beta1(0), "beta1 (0.0) must be in (0, 1)"),
        invalid("beta1 = 1", b -> b.beta1(1), "beta1 (1.0) must be in (0, 1)"),
        invalid("beta2 > 1", b -> b.beta2(1.5), "beta2 (1.5) must be in (0, 1)"),
        invalid("beta NaN", b -> b.beta(Double.NaN), "beta1 (NaN) must be in (0, 1)"),
        invalid("gamma1 = 0", b -> b.gamma1(0), "gamma1 (0.0) must be in (0, 1]"),
        invalid("gamma2 > 1", b -> b.gamma2(1.5), "gamma2 (1.5) must be in (0, 1]"),
        invalid("gamma NaN", b -> b.gamma(Double.NaN), "gamma1 (NaN) must be in (0, 1]"),
        invalid(
            "beta1 + gamma1 > 1",
            b -> b.beta1(0.9).gamma1(0.2),
            "beta1 + gamma1 (0.9 + 0.2) must be <= 1, or the running moments grow without bound"),
        invalid(
            "beta2 + gamma2 > 1",
            b -> b.beta2(0.999).gamma2(0.002),
            "beta2 + gamma2 (0.999 + 0.002) must be <= 1, or the running moments grow without"
                + " bound"),
        invalid(
            "mu1(0) < 0",
            b -> b.initialMoments(-1, 900),
            "initialMu1 (-1.0) must be finite and >= 0"),
        invalid(
            "mu1(0) NaN",
            b -> b.initialMoments(Double.NaN, 900),
            "initialMu1 (NaN) must be finite and >= 0"),
        invalid(
            "mu2(0) < mu1(0)^2",
            b -> b.initialMoments(25, 400),
            "initialMu2 (400.0) must be finite and exceed initialMu1^2 (625.0): the initial"
                + " variance must be positive"),
        invalid(
            "mu2(0) = mu1(0)^2",
            b -> b.initialMoments(25, 625),
            "initialMu2 (625.0) must be finite and exceed initialMu1^2 (625.0): the initial"
                + " variance must be positive"),
        invalid(
            "mu2(0) infinite",
            b -> b.initialMoments(25, Double.POSITIVE_INFINITY),
            "initialMu2 (Infinity) must be finite and exceed initialMu1^2 (625.0): the initial"
                + " variance must be positive"),
        invalid("eps < 0", b -> b.eps(-1e-9), "eps (-1.0E-9) must be finite and >= 0"),
        invalid("eps NaN", b -> b.eps(Double.NaN), "eps (NaN) must be finite and >= 0"),
        invalid("nonFiniteLimit = 0", b -> b.nonFiniteLimit(0), "nonFiniteLimit (0) must be >= 1"),
        invalid(
            "warmupLosses < 0",
            b -> b.warmupLosses(-1),
            "warmupLosses (-1) must be >= 0 (0 turns the extension off)"),
        invalid("lowerN = 0", b -> b.lowerN(0), "lowerN (0.0) must be finite and > 0 when present"),
        invalid(
            "lowerN < 0", b -> b.lowerN(-2), "lowerN (-2.0) must be finite and > 0 when present"),
        invalid(
            "lowerN NaN",
            b -> b.lowerN(Double.NaN),
            "lowerN (NaN) must be finite and > 0 when present"));
  }

  private static Arguments invalid(
      String what, UnaryOperator<AlrcConfig.Builder> change, String message) {
    return Arguments.of(what, change, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidConfigurations")
  void rejectsAnInvalidParameterNamingItAndItsRange(
      String what, UnaryOperator<AlrcConfig.Builder> change, String message) {
    AlrcConfig.Builder builder = change.apply(AlrcConfig.Profile.REFERENCE.builder());

    assertThatThrownBy(builder::build)
        .as("%s should be rejected with a message naming the parameter and its range", what)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void rejectsANullLowerN() {
    assertThatThrownBy(
            () -> new AlrcConfig(3, 0.999, 0.999, 0.001, 0.001, 25, 900, 1e-8, 10, 0, null))
        .as("an absent lower threshold is OptionalDouble.empty(), not null")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lowerN must not be null: use OptionalDouble.empty()");
  }

  @Test
  void acceptsTheBoundaryValues() {
    AlrcConfig config =
        AlrcConfig.Profile.REFERENCE.builder()
            .eps(0)
            .initialMoments(0, Double.MIN_VALUE)
            .gamma(1 - 0.999)
            .build();

    assertThat(config.eps()).as("eps = 0 is allowed").isZero();
    assertThat(config.initialMu1()).as("mu1(0) = 0 is allowed").isZero();
    assertThat(AlrcConfig.Profile.REFERENCE.builder().beta(0.5).gamma(0.5).build().gamma1())
        .as("beta + gamma = 1 is allowed")
        .isEqualTo(0.5);
    assertThat(AlrcConfig.Profile.REFERENCE.builder().nonFiniteLimit(1).build().nonFiniteLimit())
        .as("a limit of 1 is allowed")
        .isEqualTo(1);
  }
}
