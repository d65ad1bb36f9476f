package io.alrc.engine.javacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alrc.experiments.train.Batch;
import io.alrc.experiments.train.RandomTask;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.StepEngines;
import io.alrc.experiments.train.StepResult;
import io.alrc.experiments.train.TrainConfig;
import org.junit.jupiter.api.Test;

/**
 * Huberized squared error with ALRC: by default ALRC clips the raw squared error and the root
 * {@code x < 1 ? x : sqrt(x)} follows on the clipped value (the authors' partial-STEM order); with
 * {@code huber_after_clipping} false the root comes first and ALRC clips the transformed loss.
 */
class HuberOrderTest {
  private static final double LMAX = 1 + 3 * Math.sqrt(0.5 + 1e-8); // mu1(0) 1, mu2(0) 1.5, eps

  private static TrainConfig config(boolean after) {
    return RandomTask.config(StepEngines.JAVACPP, "stem-completion", "alrc", "adam", 1e-3, 2)
        .loss("huber")
        .stabilizer(new Stabilizer.Alrc(3, "reference", null, 1.0, 1.5, null, null, null, null))
        .huberAfterClipping(after)
        .build()
        .validate();
  }

  private static double huber(double x) {
    return x < 1 ? x : Math.sqrt(x);
  }

  private static StepResult firstStep(boolean after, double[] rawOut) {
    RandomTask task = new RandomTask(2, 2, 1, 16, 50);
    Batch b = task.trainBatch(1);
    float[] target = b.target().clone();
    for (int i = 0; i < target.length / 2; i++) {
      target[i] *= 20; // example 0 spikes
    }
    Batch spiked = new Batch(b.input(), target, 2, 2, 1, 16, 16, -1);
    try (JavacppStepEngine e = new JavacppStepEngine(config(after), task)) {
      double[] raw = e.evaluate(spiked); // 50 * mean(err^2), no root: the raw loss
      System.arraycopy(raw, 0, rawOut, 0, raw.length);
      return e.train(1, spiked, 1e-3);
    }
  }

  @Test
  void byDefaultAlrcClipsTheRawErrorAndTheRootFollows() {
    double[] raw = new double[2];
    StepResult r = firstStep(true, raw);
    assertThat(raw[0]).isGreaterThan(LMAX);
    assertThat(r.threshold()).isCloseTo(LMAX, within(1e-9));
    double expected = (huber(Math.min(raw[0], LMAX)) + huber(Math.min(raw[1], LMAX))) / 2;
    assertThat(r.loss()).isCloseTo(expected, within(1e-5 * expected));
    assertThat(r.unadjustedLoss()).isCloseTo((huber(raw[0]) + huber(raw[1])) / 2, within(1e-4));
  }

  @Test
  void theOtherOrderClipsTheRootedLoss() {
    double[] raw = new double[2];
    StepResult r = firstStep(false, raw);
    double h0 = huber(raw[0]);
    double h1 = huber(raw[1]);
    double expected = (Math.min(h0, LMAX) + Math.min(h1, LMAX)) / 2;
    assertThat(r.threshold()).isCloseTo(LMAX, within(1e-9));
    assertThat(r.loss()).isCloseTo(expected, within(1e-5 * expected));
  }
}
