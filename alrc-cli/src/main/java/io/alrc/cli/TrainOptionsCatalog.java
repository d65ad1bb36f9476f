package io.alrc.cli;

import io.alrc.experiments.sweep.TrainOptions;
import io.alrc.experiments.train.TrainConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * The options of {@code alrc train}, read from {@link TrainCommand}'s own declaration, for sweep
 * specs: every option of {@code train} can be set in a spec under its long name in snake_case
 * (flags under their positive name: {@code safeguard} for {@code --no-safeguard}), and values are
 * checked by parsing them with the {@code train} command itself.
 *
 * <p>Thread-safe: every check parses with a fresh command.
 */
final class TrainOptionsCatalog implements TrainOptions {
  /** Options a spec may not set, and why. */
  private static final Map<String, String> RESERVED = Map.of(
      "out", "each run's directory is OUT/RUN_NAME",
      "resume", "a rerun of the sweep resumes its unfinished runs",
      "threads", "use 'alrc sweep --threads N'",
      "seed", "give 'seeds: [0, 1, ...]' or 'repeats: K' at the top level");

  private final Map<String, OptionSpec> byName = new TreeMap<>();
  private final Map<String, List<String>> trueArgs = new LinkedHashMap<>();
  private final Map<String, List<String>> falseArgs = new LinkedHashMap<>();

  TrainOptionsCatalog() {
    CommandLine cl = command();
    Map<String, OptionSpec> negated = cl.getCommandSpec().negatedOptionsMap();
    for (OptionSpec o : cl.getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      String name = snake(o.longestName());
      if (kindOf(o) == Kind.FLAG) {
        List<String> forms = new ArrayList<>(List.of(o.longestName()));
        negated.forEach((alias, option) -> {
          if (option == o) {
            forms.add(alias);
          }
        });
        for (String form : forms) {
          boolean value = flagValue(o.longestName(), form);
          (value ? trueArgs : falseArgs).put(name(o, forms), List.of(form));
        }
        name = name(o, forms);
      }
      byName.put(name, o);
    }
  }

  /** A flag's spec name: its form without a {@code no-} prefix, in snake_case. */
  private static String name(OptionSpec o, List<String> forms) {
    for (String form : forms) {
      if (!form.startsWith("--no-")) {
        return snake(form);
      }
    }
    return snake(o.longestName());
  }

  /** The value option {@code longName} has after parsing just {@code form}. */
  private static boolean flagValue(String longName, String form) {
    CommandLine cl = command();
    cl.parseArgs(form);
    return Boolean.TRUE.equals(cl.getCommandSpec().findOption(longName).getValue());
  }

  private static CommandLine command() {
    return TrainCommand.commandLine();
  }

  private static String snake(String option) {
    String s = option.startsWith("--") ? option.substring(2) : option;
    return s.toLowerCase(Locale.ROOT).replace('-', '_');
  }

  private static Kind kindOf(OptionSpec o) {
    if (o.arity().max() == 0) {
      return Kind.FLAG;
    }
    return o.isMultiValue() ? Kind.LIST : Kind.VALUE;
  }

  @Override
  public Optional<String> canonical(String key) {
    String name = snake(key.strip());
    return byName.containsKey(name) ? Optional.of(name) : Optional.empty();
  }

  @Override
  public List<String> names() {
    List<String> names = new ArrayList<>(byName.keySet());
    names.removeAll(RESERVED.keySet());
    return List.copyOf(names);
  }

  @Override
  public Kind kind(String name) {
    return kindOf(option(name));
  }

  @Override
  public Optional<String> reserved(String name) {
    return Optional.ofNullable(RESERVED.get(name));
  }

  @Override
  public List<String> args(String name, String value) {
    OptionSpec o = option(name);
    return switch (kindOf(o)) {
      case FLAG -> {
        Map<String, List<String>> forms = Boolean.parseBoolean(value) ? trueArgs : falseArgs;
        List<String> args = forms.get(name);
        if (args == null) {
          throw new IllegalArgumentException("option '" + name + "' cannot be set to " + value);
        }
        yield args;
      }
      case LIST -> value.isEmpty() ? List.of() : List.of(o.longestName(), value);
      case VALUE -> List.of(o.longestName(), value);
    };
  }

  @Override
  public void check(String name, String value) {
    config(args(name, value));
  }

  @Override
  public TrainConfig config(List<String> args) {
    CommandLine cl = command();
    try {
      cl.parseArgs(args.toArray(String[]::new));
    } catch (ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    TrainCommand train = cl.getCommand();
    return train.buildConfig().validate();
  }

  private OptionSpec option(String name) {
    OptionSpec o = byName.get(name);
    if (o == null) {
      throw new IllegalArgumentException("alrc train has no option '" + name + "'");
    }
    return o;
  }
}
