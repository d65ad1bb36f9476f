package io.alrc.experiments.train;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Creates the training engine a run's configuration names ({@link TrainConfig#engineName()}).
 * Engines are plug-ins: each engine module provides a {@link StepEngineProvider}, found with {@link
 * ServiceLoader}.
 *
 * <p>Each engine brings its own copy of libtorch (DJL's and JavaCPP's builds), and two copies in
 * one process would share global symbols: a JVM therefore uses one engine kind for its whole life.
 * {@link #create} refuses a second kind with a message that says so; runs with different engines
 * are separate processes (as sweeps already run them).
 */
public final class StepEngines {
  /** DJL with its PyTorch engine (module alrc-engine-djl, on the library's integration). */
  public static final String DJL = "djl";

  /** libtorch through the JavaCPP presets, channels-last (module alrc-engine-javacpp). */
  public static final String JAVACPP = "javacpp";

  /** The engine of new runs: {@value #JAVACPP}, the fastest (docs/performance.md). */
  public static final String DEFAULT = JAVACPP;

  /** The engine names {@code --engine} accepts. */
  public static final List<String> NAMES = List.of(JAVACPP, DJL);

  private static String loaded;

  private StepEngines() {}

  /**
   * The engine of {@code config} for {@code task}.
   *
   * @throws IllegalArgumentException if the engine is not on the class path (naming the module)
   * @throws IllegalStateException if this JVM already created an engine of another kind
   */
  public static synchronized StepEngine create(TrainConfig config, Task task) {
    String name = config.engineName();
    if (loaded != null && !loaded.equals(name)) {
      throw new IllegalStateException(
          "this process already uses the " + loaded + " engine; a " + name + " run needs its own"
              + " process (two libtorch builds cannot share one)");
    }
    StepEngineProvider provider = provider(name);
    // recorded before construction: a constructor that fails after loading its libtorch still
    // leaves that libtorch in the process
    loaded = name;
    return provider.create(config, task);
  }

  /** The engine kind this JVM has created, or null before the first. */
  public static synchronized String loaded() {
    return loaded;
  }

  private static StepEngineProvider provider(String name) {
    List<String> found = new ArrayList<>();
    for (StepEngineProvider p : ServiceLoader.load(StepEngineProvider.class)) {
      if (p.name().equals(name)) {
        return p;
      }
      found.add(p.name());
    }
    throw new IllegalArgumentException(
        "engine '" + name + "' is not on the class path (found: " + (found.isEmpty() ? "none" : String.join(", ", found))
            + "); engines are the modules alrc-engine-" + JAVACPP + " and alrc-engine-" + DJL);
  }
}
