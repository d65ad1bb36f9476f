package io.alrc.engine.javacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alrc.experiments.train.RandomTask;
import io.alrc.experiments.train.StepEngines;
import io.alrc.experiments.train.TrainConfig;
import org.junit.jupiter.api.Test;

/** {@code loss_weight} replaces the task's factor w of {@code w * mean(err^p)}. */
class LossWeightTest {
  @Test
  void theLossWeightScalesEveryExampleLoss() {
    RandomTask task = RandomTask.cifar(2);
    TrainConfig paper = RandomTask.config(StepEngines.JAVACPP, "cifar10-sr", "none", "adam", 1e-3, 2)
        .safeguard(false).build().validate();
    TrainConfig scaled = paper.toBuilder().lossWeight(0.025).build().validate();
    double[] a;
    double[] b;
    try (JavacppStepEngine e = new JavacppStepEngine(paper, task)) {
      a = e.evaluate(task.evalBatch(0, 2));
    }
    try (JavacppStepEngine e = new JavacppStepEngine(scaled, task)) {
      b = e.evaluate(task.evalBatch(0, 2));
    }
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i] * 1000).isCloseTo(a[i], within(1e-5 * a[i])); // 25 / 0.025
    }
  }
}
