package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.alrc.AlrcConfig;
import io.alrc.experiments.sweep.SpecException;
import io.alrc.experiments.sweep.SweepRun;
import io.alrc.experiments.sweep.SweepSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The parsers a user feeds in this module, on arbitrary input: loss logs ({@code alrc replay}) and
 * sweep specs ({@code alrc sweep}). Each either succeeds or throws its documented exception with a
 * message naming the input, never anything else.
 */
class ParserFuzzTest {
  private static final TrainOptionsCatalog OPTIONS = new TrainOptionsCatalog();

  // ---- loss logs

  @Provide
  Arbitrary<String> logs() {
    Arbitrary<String> token = Arbitraries.oneOf(
        Arbitraries.doubles().between(0, 1e6).map(String::valueOf),
        Arbitraries.of("nan", "inf", "-inf", "Infinity", "-0", "1e400", "-1e-400", ".5", "5.", "e5",
            "1e", "+", "-", "#", "0x10", "1_000", "\uFEFF", "\uFEFF1", "\u0000", "\u001B[2J", "\uD800",
            "١٢", "NaN(1)", "", "--", "1,", ",1"),
        Arbitraries.strings().ofMaxLength(6));
    Arbitrary<String> separator = Arbitraries.of(" ", ",", ", ", "\t", ",,", "  ", "\u00A0", "\u000B");
    Arbitrary<String> line = Arbitraries.oneOf(
        token.list().ofMaxSize(6).flatMap(ts -> separator.list().ofSize(ts.size()).map(ss -> {
          StringBuilder b = new StringBuilder();
          for (int i = 0; i < ts.size(); i++) {
            b.append(ts.get(i)).append(i + 1 < ts.size() ? ss.get(i) : "");
          }
          return b.toString();
        })),
        Arbitraries.of("", "# comment", "   ", "\r"));
    Arbitrary<String> end = Arbitraries.of("\n", "\r\n", "\r");
    return line.list().ofMaxSize(12).flatMap(ls -> end.list().ofSize(ls.size()).map(es -> {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < ls.size(); i++) {
        b.append(ls.get(i)).append(es.get(i));
      }
      return b.toString();
    }));
  }

  @Property(tries = 400)
  void aLossLogReplaysOrNamesTheLine(@ForAll("logs") String log, @ForAll boolean reference) throws IOException {
    AlrcConfig config = reference ? AlrcConfig.reference() : AlrcConfig.cifar2019(3);
    StringWriter csv = new StringWriter();
    try {
      long steps = new LossLogReplay(config).run(new StringReader(log), "log.txt", new PrintWriter(csv));
      assertThat(csv.toString().lines().count()).isGreaterThanOrEqualTo(steps + 1);
    } catch (CliException e) {
      assertThat(e.exitCode()).isEqualTo(2);
      assertThat(e.getMessage()).matches("(?s)log\\.txt line \\d+: .+");
    }
  }

  @Property(tries = 100)
  void aValidLogGivesOneRowPerLoss(@ForAll("validLogs") List<List<Double>> steps) throws IOException {
    StringBuilder log = new StringBuilder();
    long losses = 0;
    for (List<Double> step : steps) {
      for (int i = 0; i < step.size(); i++) {
        log.append(i == 0 ? "" : ", ").append(step.get(i));
      }
      log.append('\n');
      losses += step.size();
    }
    StringWriter csv = new StringWriter();
    long n = new LossLogReplay(AlrcConfig.reference()).run(new StringReader(log.toString()), "log",
        new PrintWriter(csv));
    assertThat(n).isEqualTo(steps.size());
    assertThat(csv.toString().lines().count()).isEqualTo(losses + 1);
  }

  @Provide
  Arbitrary<List<List<Double>>> validLogs() {
    return Arbitraries.doubles().between(0, 1e9).list().ofMinSize(1).ofMaxSize(5).list().ofMaxSize(20);
  }

  // ---- sweep specs

  @Provide
  Arbitrary<String> specs() {
    Arbitrary<String> key = Arbitraries.of("task", "fixed", "grid", "variants", "seeds", "repeats",
        "description", "steps", "batch", "n", "loss", "stabilizer", "name", "spike_steps", "out",
        "bogus", "max-norm", "eval_data", "&a", "<<", "?");
    Arbitrary<String> scalar = Arbitraries.of("stem-completion", "cifar10-sr", "off", "3", "-1", "0",
        "1e400", "true", "null", "~", "''", "\"\\u0000\"", "!!binary AAAA", "*a", "&a 1", "[", "]", "{",
        "0x10", "1_000", "10000000000000000000000", ".inf", "2.5", "quartic", "\u001B", "@");
    Arbitrary<String> value = Arbitraries.oneOf(scalar,
        scalar.list().ofMaxSize(4).map(l -> "[" + String.join(", ", l) + "]"),
        Arbitraries.lazy(() -> key.flatMap(k -> scalar.map(v -> "{" + k + ": " + v + "}"))));
    Arbitrary<String> line = Arbitraries.oneOf(
        key.flatMap(k -> value.map(v -> k + ": " + v)),
        key.flatMap(k -> key.flatMap(k2 -> value.map(v -> k + ":\n  " + k2 + ": " + v))),
        Arbitraries.of("- a", "---", "...", "  - {n: 3}", "%YAML 1.2", "\t", "task: stem-completion"));
    return line.list().ofMaxSize(8).map(ls -> String.join("\n", ls) + "\n");
  }

  /** Structured specs, written as JSON (which YAML reads too): they get past the syntax. */
  @Provide
  Arbitrary<String> structuredSpecs() {
    Arbitrary<String> option = Arbitraries.of("steps", "batch", "n", "loss", "stabilizer", "lr",
        "spike_steps", "max_norm", "image_size", "width", "eval_every", "profile", "seed", "out",
        "threads", "unknown_option", "max-norm", "safeguard", "task");
    Arbitrary<String> scalar = Arbitraries.of("\"stem-completion\"", "\"stem-sr\"", "\"off\"", "3",
        "0", "-2", "1e400", "0.5", "true", "false", "null", "\"quartic\"", "\"alrc\"", "\"zclip\"",
        "\"\"", "\"x\\u0000y\"", "\"1,2\"", "[]", "{}", "10000000000000000000", "2.5e-3",
        "\"cifar2019\"", "\"none\"", "[1, 2]");
    Arbitrary<String> list = scalar.list().ofMaxSize(4).map(l -> "[" + String.join(", ", l) + "]");
    Arbitrary<String> map = Arbitraries.maps(option, Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, scalar), net.jqwik.api.Tuple.of(1, list)))
        .ofMaxSize(4).map(ParserFuzzTest::json);
    Arbitrary<String> anything = Arbitraries.oneOf(scalar, list, map);
    Arbitrary<String> task = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, Arbitraries.of("\"stem-completion\"", "\"stem-sr\"", "\"cifar10-sr\"")),
        net.jqwik.api.Tuple.of(1, anything));
    Arbitrary<String> grid = Arbitraries.maps(option, Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, list), net.jqwik.api.Tuple.of(1, anything)))
        .ofMaxSize(3).map(ParserFuzzTest::json);
    Arbitrary<String> variants = map.list().ofMaxSize(3).map(l -> "[" + String.join(", ", l) + "]");
    Arbitrary<String> seeds = Arbitraries.oneOf(
        Arbitraries.integers().between(-3, 5).list().ofMaxSize(3).map(l -> l.toString()), anything);
    Arbitrary<Map<String, String>> fields = Combinators.combine(
            field(task, 9), field(map, 6), field(grid, 6), field(variants, 3), field(seeds, 2),
            field(Arbitraries.oneOf(Arbitraries.integers().between(-1, 4).map(String::valueOf), anything), 2),
            field(anything, 1))
        .as((t, f, g, v, se, r, x) -> {
          Map<String, String> m = new java.util.LinkedHashMap<>();
          t.ifPresent(a -> m.put("task", a));
          f.ifPresent(a -> m.put("fixed", a));
          g.ifPresent(a -> m.put("grid", a));
          v.ifPresent(a -> m.put("variants", a));
          se.ifPresent(a -> m.put("seeds", a));
          r.ifPresent(a -> m.put("repeats", a));
          x.ifPresent(a -> m.put("extra", a));
          return m;
        });
    return fields.map(m -> json(m) + "\n");
  }

  /** The value in {@code of} with the given odds out of 10, else absent. */
  private static Arbitrary<java.util.Optional<String>> field(Arbitrary<String> of, int inTen) {
    return Arbitraries.integers().between(1, 10).flatMap(
        k -> k <= inTen ? of.map(java.util.Optional::of) : Arbitraries.just(java.util.Optional.empty()));
  }

  private static String json(Map<String, String> fields) {
    StringBuilder b = new StringBuilder("{");
    fields.forEach((k, v) -> b.append(b.length() > 1 ? ", " : "").append('"').append(k).append("\": ").append(v));
    return b.append('}').toString();
  }

  @Property(tries = 400)
  void aStructuredSpecParsesAndExpandsOrNamesTheProblem(@ForAll("structuredSpecs") String text,
      @ForAll boolean json) {
    aSpecParsesAndExpandsOrNamesTheProblem(text, json);
  }

  @Property(tries = 300)
  void aSpecParsesAndExpandsOrNamesTheProblem(@ForAll("specs") String text, @ForAll boolean json) {
    SweepSpec.Format format = json ? SweepSpec.Format.JSON : SweepSpec.Format.YAML;
    try {
      SweepSpec spec = SweepSpec.parse(text, format, "spec.yaml", OPTIONS);
      List<SweepRun> runs = spec.expand(Map.of("threads", "1"), 50);
      assertThat(runs).hasSize((int) spec.runCount());
    } catch (SpecException e) {
      assertThat(e.getMessage()).startsWith("spec.yaml: ");
    }
  }
}
