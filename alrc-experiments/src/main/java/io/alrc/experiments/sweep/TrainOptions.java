package io.alrc.experiments.sweep;

import io.alrc.experiments.train.TrainConfig;
import java.util.List;
import java.util.Optional;

/**
 * The options of {@code alrc train} as a sweep spec sees them: their names, kinds, how to write
 * them as arguments, and how to check them. The command line implements it from the {@code train}
 * command itself, so a spec can set every training option, including ones added later, and checks
 * values exactly as {@code alrc train} would.
 *
 * <p>Names are canonical: snake_case, as in {@code config.json} (e.g. {@code max_norm} for {@code
 * --max-norm}; {@code safeguard} for {@code --no-safeguard}).
 */
public interface TrainOptions {
  /** How an option takes its value. */
  enum Kind {
    /** One value, e.g. {@code --batch 16}. */
    VALUE,
    /** A boolean flag, written {@code true} or {@code false} in a spec. */
    FLAG,
    /** Several values, written as a list in a spec and comma-joined on the command line. */
    LIST
  }

  /**
   * The canonical name of a spec key: snake_case or kebab-case, with or without a leading {@code
   * --}; empty if no option has that name.
   */
  Optional<String> canonical(String key);

  /** The canonical names of every option a spec may set, sorted, for messages. */
  List<String> names();

  /** The kind of option {@code name} (canonical). */
  Kind kind(String name);

  /**
   * Why a spec may not set option {@code name} (canonical), e.g. because the sweep sets it for
   * each run; empty if a spec may set it.
   */
  Optional<String> reserved(String name);

  /**
   * The arguments of {@code alrc train} that give option {@code name} the value {@code value}:
   * flags take {@code true} or {@code false}, lists their comma-joined values.
   */
  List<String> args(String name, String value);

  /**
   * Checks one value on its own, with every other option at its default: its type and, where the
   * configuration checks it, its range.
   *
   * @throws IllegalArgumentException with a message naming the option and what is wrong
   */
  void check(String name, String value);

  /**
   * The validated configuration that {@code alrc train ARGS --out DIR} would run.
   *
   * @throws IllegalArgumentException with a message naming the first bad option
   */
  TrainConfig config(List<String> args);
}
