package io.alrc.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.alrc.NonFiniteStepException;
import io.alrc.experiments.train.Batch;

import io.alrc.experiments.stem.StemTask;
import io.alrc.experiments.train.RandomTask;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.StepEngine;
import io.alrc.experiments.train.StepEngines;
import io.alrc.experiments.train.StepResult;
import io.alrc.experiments.train.TrainConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The DJL engine builds every stabilizer, trains, and resumes from a checkpoint bit-identically. */
class DjlStepEngineTest {
  /** Every stabilizer (from Stabilizer.kinds(), so new ones are covered), and ALRC with SGD. */
  static Stream<String> stabilizers() {
    return Stream.concat(Stabilizer.names().stream(), Stream.of("sgd"));
  }

  private static TrainConfig config(String stabilizer) {
    return stabilizer.equals("sgd")
        ? RandomTask.config(StepEngines.DJL, "cifar10-sr", "alrc", "sgd", 1e-3, 2).build().validate()
        : RandomTask.config(StepEngines.DJL, "cifar10-sr", stabilizer, "adam", 1e-3, 2).build().validate();
  }

  private static byte[] save(StepEngine e) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      e.save(out);
    }
    return bytes.toByteArray();
  }

  @ParameterizedTest
  @MethodSource("stabilizers")
  void everyStabilizerBuildsTrainsAndResumesBitIdentically(String stabilizer) throws IOException {
    resumesBitIdentically(config(stabilizer));
  }

  private static TrainConfig with(Stabilizer stabilizer, String optimizer, double lr) {
    return RandomTask.config(StepEngines.DJL, "cifar10-sr", "none", optimizer, lr, 2)
        .stabilizer(stabilizer).build().validate();
  }

  /** The peers with settings under which they act within a few steps (spikes, drops, clipping). */
  static Stream<Stabilizer> activePeers() {
    return Stream.of(
        new Stabilizer.AdaGc(0.5, 1.05, 0.9, 2),
        new Stabilizer.SkipStep("both", 3, 0.1),
        new Stabilizer.SkipStep("grad-norm", 1, 0.01), // one previous norm: any rise is a spike
        new Stabilizer.LossTruncation(0.4, 2, 2));
  }

  @ParameterizedTest
  @MethodSource("activePeers")
  void activePeersResumeBitIdentically(Stabilizer stabilizer) throws IOException {
    List<StepResult> steps = resumesBitIdentically(with(stabilizer, "adam", 1e-3));
    assertThat(steps).as("the peer acted in the 6 steps").anyMatch(r -> r.clipped() > 0);
  }

  /** Batch {@code b} with example 0's target multiplied by {@code factor}. */
  static Batch spiking(Batch b, float factor) {
    float[] target = b.target().clone();
    for (int i = 0; i < target.length / b.batch(); i++) {
      target[i] *= factor;
    }
    return new Batch(b.input(), target, b.batch(), b.inputChannels(), b.targetChannels(),
        b.height(), b.width(), -1);
  }

  @Test
  void skipStepSkipsTheUpdateOnASpikeWithoutCountingItAsNonFinite() {
    TrainConfig c = with(new Stabilizer.SkipStep("both", 8, 3), "adam", 1e-3);
    RandomTask task = RandomTask.cifar(2);
    Batch good = task.trainBatch(1);
    float[] nanTarget = good.target().clone();
    nanTarget[3] = Float.NaN;
    Batch nan = new Batch(good.input(), nanTarget, 2, 3, 3, 8, 8, -1);
    StepResult twinAfter;
    float[] twinPrediction;
    try (DjlStepEngine twin = new DjlStepEngine(c, task)) { // the same run without the spike
      for (int s = 1; s <= 6; s++) {
        twin.train(s, good, 1e-3);
      }
      twinAfter = twin.train(7, good, 1e-3);
      twinPrediction = twin.predict(task.evalBatch(0, 2));
    }
    try (DjlStepEngine e = new DjlStepEngine(c, task)) {
      for (int s = 1; s <= 6; s++) {
        assertThat(e.train(s, good, 1e-3).clipped()).as("step %d", s).isZero();
      }
      float[] before = e.predict(task.evalBatch(0, 2));
      for (int s = 7; s <= 15; s++) {
        assertThat(e.train(s, nan, 1e-3).skipped()).isTrue(); // 9 non-finite steps in a row
      }
      StepResult spike = e.train(16, spiking(good, 20), 1e-3);
      assertThat(spike.skipped()).as("a spike is not a non-finite skip").isFalse();
      assertThat(spike.clipped()).isEqualTo(1);
      assertThat(spike.minScale()).isZero();
      assertThat(spike.loss()).isEqualTo(spike.unadjustedLoss()).isFinite();
      assertThat(spike.threshold()).as("the loss window's mean + 3 std").isLessThan(spike.unadjustedLoss());
      assertThat(e.predict(task.evalBatch(0, 2))).as("no update").containsExactly(before);
      StepResult after = e.train(17, good, 1e-3);
      assertThat(after.unadjustedLoss()).isEqualTo(twinAfter.unadjustedLoss());
      assertThat(after.threshold()).as("the window holds the spike").isGreaterThan(twinAfter.threshold());
      assertThat(e.predict(task.evalBatch(0, 2)))
          .as("after one more step: as the run without the spike (Adam's state untouched)")
          .containsExactly(twinPrediction);
      for (int s = 18; s <= 26; s++) {
        e.train(s, nan, 1e-3);
      }
      assertThat(e.train(27, spiking(good, 1000), 1e-3).clipped()).as("another spike").isEqualTo(1);
      assertThatThrownBy(() -> e.train(28, nan, 1e-3))
          .isInstanceOf(NonFiniteStepException.class)
          .hasMessageContaining("10th non-finite step in a row");
    }
  }

  @Test
  void adaGcClipsEveryTensorInItsWarmUpThenTensorsWithLargeGradients() {
    TrainConfig c = with(new Stabilizer.AdaGc(0.5, 1.05, 0.98, 1), "adam", 1e-3);
    RandomTask task = RandomTask.cifar(2);
    try (DjlStepEngine e = new DjlStepEngine(c, task)) {
      StepResult warm = e.train(1, task.trainBatch(1), 1e-3);
      assertThat(warm.gradNorm()).isGreaterThan(0.5);
      assertThat(warm.clipped()).as("every tensor").isGreaterThan(1);
      assertThat(warm.threshold()).isEqualTo(0.5);
      assertThat(warm.minScale()).isCloseTo(0.5 / (warm.gradNorm() + 1e-6), within(1e-12));
      StepResult big = e.train(2, spiking(task.trainBatch(2), 20), 1e-3);
      assertThat(big.threshold()).isEqualTo(1.05);
      assertThat(big.clipped()).isPositive().isLessThanOrEqualTo(warm.clipped());
      assertThat(big.minScale()).isLessThan(1);
    }
  }

  @Test
  void lossTruncationDropsTheLargestExampleOnceItsHistoryIsFull() {
    TrainConfig c = with(new Stabilizer.LossTruncation(0.4, 2, 2), "adam", 1e-3);
    RandomTask task = RandomTask.cifar(2);
    try (DjlStepEngine e = new DjlStepEngine(c, task)) {
      StepResult first = e.train(1, spiking(task.trainBatch(1), 20), 1e-3);
      assertThat(first.clipped()).isZero();
      assertThat(first.threshold()).isInfinite();
      StepResult second = e.train(2, spiking(task.trainBatch(2), 20), 1e-3);
      double big = second.maxExampleLoss();
      double small = 2 * second.unadjustedLoss() - big;
      assertThat(second.threshold()).isCloseTo(big - (big - small) * 0.4, within(1e-6 * big));
      assertThat(second.clipped()).isEqualTo(1);
      assertThat(second.minScale()).isZero();
      assertThat(second.loss()).isCloseTo(small / 2, within(1e-6 * big));
    }
  }

  private static List<StepResult> resumesBitIdentically(TrainConfig c) throws IOException {
    RandomTask task = RandomTask.cifar(2);
    List<StepResult> straight = new ArrayList<>();
    float[] expected;
    try (DjlStepEngine a = new DjlStepEngine(c, task)) {
      for (int s = 1; s <= 6; s++) {
        straight.add(a.train(s, task.trainBatch(s), 1e-3));
      }
      expected = a.predict(task.evalBatch(0, 2));
    }
    assertThat(straight).allSatisfy(r -> assertThat(r.skipped()).isFalse());
    byte[] checkpoint;
    try (DjlStepEngine b = new DjlStepEngine(c, task)) {
      for (int s = 1; s <= 3; s++) {
        b.train(s, task.trainBatch(s), 1e-3);
      }
      checkpoint = save(b);
    }
    try (DjlStepEngine resumed = new DjlStepEngine(c, task)) {
      resumed.load(new DataInputStream(new ByteArrayInputStream(checkpoint)));
      for (int s = 4; s <= 6; s++) {
        assertThat(resumed.train(s, task.trainBatch(s), 1e-3)).isEqualTo(straight.get(s - 1));
      }
      assertThat(resumed.predict(task.evalBatch(0, 2))).containsExactly(expected);
    }
    return straight;
  }

  @Test
  void bf16IsRejectedClearly() {
    TrainConfig bf16 = RandomTask.config(StepEngines.DJL, "cifar10-sr", "none", "adam", 1e-3, 2)
        .precision(TrainConfig.BF16).build();
    assertThatThrownBy(bf16::validate)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("precision bf16 needs the javacpp engine; the djl engine trains in fp32 only"
            + " (use --engine javacpp or --precision fp32)");
    assertThatThrownBy(() -> new DjlStepEngine(bf16, RandomTask.cifar(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the djl engine trains in fp32 only");
  }

  @Test
  void theNetworkHasItsDescriptionsParameterCount() {
    TrainConfig c = RandomTask.config(StepEngines.DJL, "stem-completion", "none", "adam", 1e-3, 1)
        .build().validate();
    RandomTask task = new RandomTask(1, 2, 1, 16, 50);
    try (DjlStepEngine e = new DjlStepEngine(c, task)) {
      assertThat(e.parameterCount()).isEqualTo(StemTask.stemNetwork(2, 1, 0.125).parameterCount());
      assertThat(e.predict(task.evalBatch(0, 1))).hasSize(16 * 16);
    }
  }

  @Test
  void aCheckpointOfAnotherNetworkIsRejected() throws IOException {
    byte[] stem;
    TrainConfig sc = RandomTask.config(StepEngines.DJL, "stem-completion", "none", "adam", 1e-3, 1)
        .build().validate();
    try (DjlStepEngine e = new DjlStepEngine(sc, new RandomTask(1, 2, 1, 16, 50))) {
      stem = save(e);
    }
    try (DjlStepEngine e = new DjlStepEngine(config("none"), RandomTask.cifar(2))) {
      assertThatThrownBy(() -> e.load(new DataInputStream(new ByteArrayInputStream(stem))))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("checkpoint");
    }
  }
}
