package io.alrc.experiments.train;

/**
 * Creates the {@link StepEngine} of one engine kind ({@code djl}, {@code javacpp}). Each engine
 * lives in a module of its own and is found with {@link java.util.ServiceLoader}: the module
 * lists its provider in {@code META-INF/services/io.alrc.experiments.train.StepEngineProvider}.
 */
public interface StepEngineProvider {
  /** The engine's name as {@code --engine} and {@code config.json} spell it. */
  String name();

  /**
   * The engine for one run: the task's network initialised from the run's seed, its loss,
   * stabilizer and optimizer.
   */
  StepEngine create(TrainConfig config, Task task);
}
