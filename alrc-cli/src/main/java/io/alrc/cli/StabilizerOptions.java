package io.alrc.cli;

import io.alrc.experiments.train.Stabilizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command-line options of the stabilizers: {@code --stabilizer NAME} and one option per
 * parameter of every {@link Stabilizer.Kind}, generated from the kinds' {@link Stabilizer.Param}s,
 * so a new stabilizer's options appear in {@code alrc train}, {@code alrc bench} and sweep specs
 * without being spelled here. Options of other stabilizers than the chosen one are ignored (a
 * sweep may set {@code profile} for all its runs, of which some run without ALRC).
 */
final class StabilizerOptions {
  /** The option that names the stabilizer. */
  static final String STABILIZER = "--stabilizer";

  private StabilizerOptions() {}

  /** Adds {@code --stabilizer} (default {@code defaultName}) and every parameter's option. */
  static void addTo(CommandSpec spec, String defaultName) {
    spec.addOption(OptionSpec.builder(STABILIZER)
        .paramLabel("NAME")
        .type(String.class)
        .defaultValue(defaultName)
        .description(description())
        .build());
    for (Stabilizer.Kind kind : Stabilizer.kinds()) {
      addParams(spec, kind);
    }
  }

  /** Adds one option per parameter of {@code kind} (e.g. ALRC's to {@code alrc replay}). */
  static void addParams(CommandSpec spec, Stabilizer.Kind kind) {
    for (Stabilizer.Param p : kind.params()) {
      OptionSpec.Builder b = OptionSpec.builder(p.option())
          .paramLabel(p.label())
          .type(p.type())
          .description(p.description());
      if (p.defaultValue() != null) {
        b.defaultValue(p.defaultValue().toString());
      }
      spec.addOption(b.build());
    }
  }

  private static String description() {
    StringBuilder s = new StringBuilder("The stabilizer (any letter case): ");
    List<Stabilizer.Kind> kinds = Stabilizer.kinds();
    for (int i = 0; i < kinds.size(); i++) {
      Stabilizer.Kind k = kinds.get(i);
      s.append(k.name()).append(" (").append(k.summary()).append(')');
      s.append(i + 1 < kinds.size() ? ", " : ".");
    }
    return s.toString();
  }

  /**
   * The stabilizer the parsed options of {@code spec} give: the named kind with its parameters'
   * values (given or default).
   *
   * @throws IllegalArgumentException for an unknown name or a bad value (the message names it)
   */
  static Stabilizer parse(CommandSpec spec) {
    return parse(spec, Stabilizer.kind(spec.findOption(STABILIZER).getValue()));
  }

  /**
   * The stabilizer of {@code kind} with the parsed values of its parameters' options (given or
   * default).
   *
   * @throws IllegalArgumentException for a bad value (the message names it)
   */
  static Stabilizer parse(CommandSpec spec, Stabilizer.Kind kind) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Stabilizer.Param p : kind.params()) {
      Object v = spec.findOption(p.option()).getValue();
      if (v != null) {
        values.put(p.key(), v);
      }
    }
    return kind.create(values);
  }
}
