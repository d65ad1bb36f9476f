package io.alrc.experiments.train;

import io.alrc.experiments.cifar.CifarSupersamplingTask;
import io.alrc.experiments.stem.StemTask;
import java.io.IOException;

/** Creates the task a configuration names. */
public final class Tasks {
  private Tasks() {}

  /**
   * Opens the task of {@code config}, with its data.
   *
   * @throws IOException naming missing or corrupt data
   * @throws IllegalArgumentException for an unknown task
   */
  public static Task open(TrainConfig config) throws IOException {
    return switch (config.task()) {
      case CifarSupersamplingTask.NAME -> new CifarSupersamplingTask(config);
      case StemTask.COMPLETION, StemTask.SUPERSAMPLING -> new StemTask(config);
      default -> throw new IllegalArgumentException(
          "unknown task '" + config.task() + "': expected one of " + String.join(", ", TrainConfig.TASKS));
    };
  }
}
