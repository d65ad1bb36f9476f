package io.alrc.engine.javacpp;

import io.alrc.experiments.train.StepEngine;
import io.alrc.experiments.train.StepEngineProvider;
import io.alrc.experiments.train.StepEngines;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.TrainConfig;

/** Provides {@link JavacppStepEngine} as the engine {@code javacpp} (found by ServiceLoader). */
public final class JavacppEngineProvider implements StepEngineProvider {
  /** For ServiceLoader. */
  public JavacppEngineProvider() {}

  @Override
  public String name() {
    return StepEngines.JAVACPP;
  }

  @Override
  public StepEngine create(TrainConfig config, Task task) {
    return new JavacppStepEngine(config, task);
  }
}
