package io.alrc.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    TrainConfig c = config(stabilizer);
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
