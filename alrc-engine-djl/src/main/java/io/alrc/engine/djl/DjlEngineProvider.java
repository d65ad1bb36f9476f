package io.alrc.engine.djl;

import io.alrc.experiments.train.StepEngine;
import io.alrc.experiments.train.StepEngineProvider;
import io.alrc.experiments.train.StepEngines;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.TrainConfig;

/** Provides {@link DjlStepEngine} as the engine {@code djl} (found by ServiceLoader). */
public final class DjlEngineProvider implements StepEngineProvider {
  /** For ServiceLoader. */
  public DjlEngineProvider() {}

  @Override
  public String name() {
    return StepEngines.DJL;
  }

  @Override
  public StepEngine create(TrainConfig config, Task task) {
    return new DjlStepEngine(config, task);
  }
}
