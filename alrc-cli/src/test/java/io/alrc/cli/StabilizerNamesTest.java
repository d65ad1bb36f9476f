package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.train.Stabilizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every stabilizer, in any letter case, through every command that takes one ({@code train}, a
 * {@code sweep} spec, {@code bench}): accepted alike, and rejected alike (the same message, exit 2)
 * for an unknown name or a bad parameter. The stabilizers come from {@link Stabilizer#kinds()}, so a
 * new one is covered without touching this test.
 */
class StabilizerNamesTest {
  @TempDir Path tmp;

  /** Each stabilizer's name in lower, upper and mixed case. */
  static Stream<String> spellings() {
    return Stabilizer.kinds().stream().flatMap(k -> Stream.of(
        k.name(), k.name().toUpperCase(Locale.ROOT), mixed(k.name())));
  }

  private static String mixed(String name) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      s.append(i % 2 == 0 ? Character.toUpperCase(c) : c);
    }
    return s.toString();
  }

  /** A one-step STEM run: no data needed. */
  private static List<String> tinyTrain(Path out, String... extra) {
    List<String> args = new ArrayList<>(List.of(
        "train", "--task", "stem-completion", "--image-size", "16", "--width", "0.125",
        "--batch", "1", "--steps", "1", "--eval-every", "1", "--eval-examples", "1",
        "--checkpoint-every", "1", "--threads", "1", "--out", out.toString()));
    args.addAll(List.of(extra));
    return args;
  }

  private Path spec(String name, Map<String, String> options) throws Exception {
    StringBuilder s = new StringBuilder("task: stem-completion\nfixed:\n  steps: 1\n  image_size: 16\n");
    for (Map.Entry<String, String> e : options.entrySet()) {
      s.append("  ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    return Files.writeString(tmp.resolve(name + ".yaml"), s.toString());
  }

  private Cli.Result sweepDryRun(Path spec) {
    return Cli.run("sweep", spec.toString(), "--out", tmp.resolve("sweep-out").toString(), "--dry-run");
  }

  private static Cli.Result bench(String... stabilizerArgs) {
    List<String> args = new ArrayList<>(List.of(
        "bench", "--batch", "1", "--steps", "1", "--warmup", "0", "--width", "0.125", "--threads", "1"));
    args.addAll(List.of(stabilizerArgs));
    return Cli.run(args.toArray(String[]::new));
  }

  @ParameterizedTest
  @MethodSource("spellings")
  void everySpellingIsAcceptedByTrainSweepAndBench(String spelling) throws Exception {
    String name = spelling.toLowerCase(Locale.ROOT);
    Path run = tmp.resolve("run");
    Cli.Result train = Cli.run(tinyTrain(run, "--stabilizer", spelling).toArray(String[]::new));
    assertThat(train.exitCode()).as(train.err()).isZero();
    JsonNode config = RunFiles.readJson(run.resolve("config.json"));
    assertThat(config.get("stabilizer").asText()).isEqualTo(name);
    for (Stabilizer.Param p : Stabilizer.kind(name).params()) {
      if (p.defaultValue() != null) {
        assertThat(config.has(p.key())).as("config.json records %s", p.key()).isTrue();
      }
    }

    Cli.Result sweep = sweepDryRun(spec("ok", Map.of("stabilizer", spelling)));
    assertThat(sweep.exitCode()).as(sweep.err()).isZero();

    Cli.Result bench = bench("--stabilizer", spelling);
    assertThat(bench.exitCode()).as(bench.err()).isZero();
    assertThat(bench.out()).contains("stabilizer=" + name);
  }

  @Test
  void aParameterGivenWithAnUpperCaseNameIsKept() throws Exception {
    Path run = tmp.resolve("agc");
    Cli.Result r = Cli.run(tinyTrain(run, "--stabilizer", "AGC", "--agc-lambda", "0.5").toArray(String[]::new));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(RunFiles.readJson(run.resolve("config.json")).get("agc_lambda").asDouble()).isEqualTo(0.5);
  }

  /** Invalid stabilizer settings: the options (train, bench) and the same as spec keys (sweep). */
  static Stream<Arguments> badSettings() {
    return Stream.of(
        Arguments.of("GLOBAL_NORM", Map.of(), "unknown stabilizer 'GLOBAL_NORM': expected one of "
            + String.join(", ", Stabilizer.names())),
        Arguments.of("alrcx", Map.of(), "unknown stabilizer 'alrcx'"),
        Arguments.of("ALRC", Map.of("n", "-1"), "stabilizer alrc: n (-1.0) must be finite and > 0"),
        Arguments.of("alrc", Map.of("profile", "paper"), "stabilizer alrc: unknown ALRC profile 'paper'"),
        Arguments.of("global-norm", Map.of("max_norm", "0"), "stabilizer global-norm: maxNorm (0.0) must be finite and > 0"),
        Arguments.of("autoclip", Map.of("percentile", "101"), "stabilizer autoclip: percentile (101.0) must be in [0, 100]"),
        Arguments.of("autoclip", Map.of("window", "0"), "stabilizer autoclip: window (0) must be >= 1"),
        Arguments.of("ZClip", Map.of("z_alpha", "1"), "stabilizer zclip: alpha (1.0) must be in (0, 1)"),
        Arguments.of("zclip", Map.of("z_threshold", "0"), "stabilizer zclip: zThreshold (0.0) must be finite and > 0"),
        Arguments.of("zclip", Map.of("z_warmup", "0"), "stabilizer zclip: warmup (0) must be >= 1"),
        Arguments.of("agc", Map.of("agc_lambda", "0"), "stabilizer agc: lambda (0.0) must be finite and > 0"),
        Arguments.of("AdaGC", Map.of("adagc_lambda_abs", "0"),
            "stabilizer adagc: lambdaAbs (0.0) must be finite and > 0 (set with --adagc-lambda-abs"),
        Arguments.of("adagc", Map.of("adagc_lambda_rel", "0.5"), "stabilizer adagc: lambdaRel (0.5) must be finite and >= 1"),
        Arguments.of("adagc", Map.of("adagc_beta", "1"), "stabilizer adagc: beta (1.0) must be in [0, 1)"),
        Arguments.of("adagc", Map.of("adagc_warmup", "-1"), "stabilizer adagc: warmup (-1) must be >= 0"),
        Arguments.of("Skip-Step", Map.of("skip_signal", "weights"),
            "stabilizer skip-step: signal ('weights') must be loss, grad-norm or both (set with --skip-signal"),
        Arguments.of("skip-step", Map.of("skip_interval", "0"), "stabilizer skip-step: interval (0) must be >= 1"),
        Arguments.of("skip-step", Map.of("skip_factor", "0"), "stabilizer skip-step: factor (0.0) must be finite and > 0"),
        Arguments.of("loss-truncation", Map.of("truncation_drop", "1"),
            "stabilizer loss-truncation: dropFraction (1.0) must be in [0, 1) (set with --truncation-drop"),
        Arguments.of("loss-truncation", Map.of("truncation_min_count", "-1"),
            "stabilizer loss-truncation: minCount (-1) must be >= 0"),
        Arguments.of("LOSS-TRUNCATION", Map.of("truncation_recompute", "0"),
            "stabilizer loss-truncation: recompute (0) must be >= 1"));
  }

  @ParameterizedTest
  @MethodSource("badSettings")
  void badSettingsAreRejectedAlikeWithExitCode2(String stabilizer, Map<String, String> params,
      String message) throws Exception {
    List<String> options = new ArrayList<>(List.of("--stabilizer", stabilizer));
    params.forEach((k, v) -> options.addAll(List.of("--" + k.replace('_', '-'), v)));

    Path run = tmp.resolve("bad");
    Cli.Result train = Cli.run(tinyTrain(run, options.toArray(String[]::new)).toArray(String[]::new));
    Map<String, String> keys = new java.util.LinkedHashMap<>(params);
    keys.put("stabilizer", stabilizer);
    Cli.Result sweep = sweepDryRun(spec("bad", keys));
    Cli.Result bench = bench(options.toArray(String[]::new));

    for (Cli.Result r : List.of(train, sweep, bench)) {
      assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
      assertThat(r.errLines()).as(r.err()).hasSize(1);
      assertThat(r.err()).contains(message);
    }
    assertThat(train.err()).startsWith("alrc train: " + message);
    assertThat(bench.err()).startsWith("alrc bench: " + message);
    assertThat(Files.exists(run)).as("nothing written on bad input").isFalse();
  }
}
