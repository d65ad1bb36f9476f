package io.alrc.engine.javacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.alrc.NonFiniteLossException;
import io.alrc.NonFiniteStepException;
import io.alrc.experiments.train.Batch;
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
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JavacppStepEngineTest {
  static TrainConfig.Builder builder(String task, String stabilizer, String optimizer, double lr, int batch) {
    return RandomTask.config(StepEngines.JAVACPP, task, stabilizer, optimizer, lr, batch);
  }

  static TrainConfig config(String task, String stabilizer, String optimizer, double lr, int batch) {
    return builder(task, stabilizer, optimizer, lr, batch).build().validate();
  }

  static TrainConfig cifar(String stabilizer) {
    return config("cifar10-sr", stabilizer, "adam", 1e-3, 2);
  }

  static float[][] params(JavacppStepEngine e) {
    List<float[]> out = new ArrayList<>();
    for (ConvNet.Param p : e.net().params()) {
      out.add(p.read());
    }
    return out.toArray(new float[0][]);
  }

  static byte[] save(StepEngine e) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      e.save(out);
    }
    return bytes.toByteArray();
  }

  static void load(StepEngine e, byte[] bytes) throws IOException {
    e.load(new DataInputStream(new ByteArrayInputStream(bytes)));
  }

  @Test
  void paperNetworkAtWidthOneHasThePapersParameterCount() {
    TrainConfig wide = builder("cifar10-sr", "none", "adam", 1e-3, 1).width(1.0).build().validate();
    try (JavacppStepEngine e = new JavacppStepEngine(wide, RandomTask.cifar(1))) {
      assertThat(e.parameterCount()).isEqualTo(1_042_819L);
      assertThat(e.channelsLast()).isTrue();
    }
  }

  @Test
  void stepEnginesFindsTheEngineByName() {
    try (StepEngine e = StepEngines.create(cifar("none"), RandomTask.cifar(2))) {
      assertThat(e).isInstanceOf(JavacppStepEngine.class);
      assertThat(StepEngines.loaded()).isEqualTo("javacpp");
    }
  }

  @Test
  void evaluateIsTheWeightedMeanQuarticErrorOfPredict() {
    RandomTask task = RandomTask.cifar(3);
    try (JavacppStepEngine e = new JavacppStepEngine(cifar("none"), task)) {
      Batch b = task.evalBatch(0, 3);
      float[] out = e.predict(b);
      double[] errors = e.evaluate(b);
      int per = 3 * 8 * 8;
      for (int k = 0; k < 3; k++) {
        double s = 0;
        for (int i = 0; i < per; i++) {
          double d = out[k * per + i] - b.target()[k * per + i];
          s += d * d * d * d;
        }
        assertThat(errors[k]).isCloseTo(25 * s / per, within(1e-4 * (25 * s / per) + 1e-7));
      }
    }
  }

  @Test
  void trainingLowersTheLossOnAFixedBatch() {
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(cifar("alrc"), task)) {
      Batch b = task.trainBatch(1);
      double first = e.evaluate(b)[0] + e.evaluate(b)[1];
      for (int s = 1; s <= 40; s++) {
        StepResult r = e.train(s, b, 3e-3);
        assertThat(r.skipped()).isFalse();
        assertThat(r.gradNorm()).isPositive().isFinite();
      }
      double last = e.evaluate(b)[0] + e.evaluate(b)[1];
      assertThat(last).isLessThan(0.5 * first);
    }
  }

  @Test
  void gradientsAreReleasedAfterEachStep() {
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(cifar("none"), task)) {
      e.train(1, task.trainBatch(1), 1e-3);
      for (ConvNet.Param p : e.net().params()) {
        assertThat(p.tensor.grad().defined()).as(p.name).isFalse();
      }
    }
  }

  @Test
  void channelsLastAndNchwTrainTheSameFunction() {
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine cl = new JavacppStepEngine(cifar("alrc"), task, true);
        JavacppStepEngine nchw = new JavacppStepEngine(cifar("alrc"), task, false)) {
      for (int s = 1; s <= 3; s++) {
        StepResult a = cl.train(s, task.trainBatch(s), 1e-3);
        StepResult b = nchw.train(s, task.trainBatch(s), 1e-3);
        assertThat(a.unadjustedLoss()).isCloseTo(b.unadjustedLoss(), within(1e-4 * b.unadjustedLoss()));
        assertThat(a.gradNorm()).isCloseTo(b.gradNorm(), within(1e-3 * b.gradNorm()));
      }
      float[][] pa = params(cl);
      float[][] pb = params(nchw);
      for (int i = 0; i < pa.length; i++) {
        for (int j = 0; j < pa[i].length; j++) {
          assertThat(pa[i][j]).isCloseTo(pb[i][j], within(1e-4f));
        }
      }
    }
  }

  /** Every stabilizer (from Stabilizer.kinds(), so new ones are covered), and ALRC with SGD. */
  static Stream<String> stabilizers() {
    return Stream.concat(Stabilizer.names().stream(), Stream.of("sgd"));
  }

  @ParameterizedTest
  @MethodSource("stabilizers")
  void everyStabilizerBuildsTrainsAndResumesBitIdentically(String stabilizer) throws IOException {
    TrainConfig c = stabilizer.equals("sgd")
        ? config("cifar10-sr", "alrc", "sgd", 1e-3, 2)
        : cifar(stabilizer);
    RandomTask task = RandomTask.cifar(2);
    List<StepResult> straight = new ArrayList<>();
    float[][] expected;
    try (JavacppStepEngine a = new JavacppStepEngine(c, task)) {
      for (int s = 1; s <= 6; s++) {
        straight.add(a.train(s, task.trainBatch(s), 1e-3));
      }
      expected = params(a);
    }
    byte[] checkpoint;
    try (JavacppStepEngine b = new JavacppStepEngine(c, task)) {
      for (int s = 1; s <= 3; s++) {
        b.train(s, task.trainBatch(s), 1e-3);
      }
      checkpoint = save(b);
    }
    try (JavacppStepEngine resumed = new JavacppStepEngine(c, task)) {
      load(resumed, checkpoint);
      for (int s = 4; s <= 6; s++) {
        assertThat(resumed.train(s, task.trainBatch(s), 1e-3)).isEqualTo(straight.get(s - 1));
      }
      float[][] got = params(resumed);
      for (int i = 0; i < got.length; i++) {
        assertThat(got[i]).as("parameter %d", i).containsExactly(expected[i]);
      }
    }
  }

  @Test
  void stemNetworkTrainsAndResumes() throws IOException {
    TrainConfig c = config("stem-completion", "alrc", "adam", 1e-3, 2);
    RandomTask task = new RandomTask(2, 1, 1, 16, 50);
    try (JavacppStepEngine e = new JavacppStepEngine(c, task)) {
      assertThat(e.predict(task.evalBatch(0, 2))).hasSize(2 * 16 * 16);
      StepResult r = e.train(1, task.trainBatch(1), 1e-3);
      assertThat(r.skipped()).isFalse();
      byte[] saved = save(e);
      try (JavacppStepEngine other = new JavacppStepEngine(c, task)) {
        load(other, saved);
        assertThat(other.train(2, task.trainBatch(2), 1e-3)).isEqualTo(e.train(2, task.trainBatch(2), 1e-3));
      }
    }
  }

  @Test
  void alrcScalesDownASpikingExample() {
    TrainConfig c = builder("cifar10-sr", "alrc", "adam", 1e-3, 2)
        .safeguard(false)
        .stabilizer(new Stabilizer.Alrc(3, "reference", null, 1.0, 1.5, null, null, null, null))
        .build()
        .validate();
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(c, task)) {
      Batch b = task.trainBatch(1);
      float[] target = b.target().clone();
      for (int i = 0; i < target.length / 2; i++) {
        target[i] *= 20; // example 0 spikes
      }
      StepResult r = e.train(1, new Batch(b.input(), target, 2, 3, 3, 8, 8, 0), 1e-3);
      // lmax = mu1 + 3 * sqrt(mu2 - mu1^2 + eps) from the overridden initial moments
      assertThat(r.threshold()).isCloseTo(1 + 3 * Math.sqrt(0.5), within(1e-6));
      assertThat(r.clipped()).isPositive();
      assertThat(r.maxExampleLoss()).isGreaterThan(1e4);
      assertThat(r.minScale()).isCloseTo(r.threshold() / r.maxExampleLoss(), within(1e-9));
      assertThat(r.loss()).isLessThanOrEqualTo(r.threshold() + 1e-9); // every example at most lmax
      assertThat(r.unadjustedLoss()).isGreaterThan(100 * r.loss());
    }
  }

  @Test
  void aNonFiniteLossSkipsTheStepAndTheTenthInARowThrows() {
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(cifar("none"), task)) {
      Batch good = task.trainBatch(1);
      float[] target = good.target().clone();
      target[5] = Float.NaN;
      Batch bad = new Batch(good.input(), target, 2, 3, 3, 8, 8, -1);
      float[][] before = params(e);
      for (int s = 1; s <= 9; s++) {
        StepResult r = e.train(s, bad, 1e-3);
        assertThat(r.skipped()).isTrue();
        assertThat(r.loss()).isNaN();
      }
      float[][] after = params(e);
      for (int i = 0; i < before.length; i++) {
        assertThat(after[i]).containsExactly(before[i]);
      }
      assertThat(e.train(10, good, 1e-3).skipped()).isFalse(); // resets the count
      for (int s = 11; s <= 19; s++) {
        e.train(s, bad, 1e-3);
      }
      assertThatThrownBy(() -> e.train(20, bad, 1e-3))
          .isInstanceOf(NonFiniteStepException.class)
          .hasMessageContaining("10th non-finite step in a row");
    }
  }

  @Test
  void alrcCountsNonFiniteStepsItself() {
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(cifar("alrc"), task)) {
      Batch good = task.trainBatch(1);
      float[] target = good.target().clone();
      target[0] = Float.POSITIVE_INFINITY;
      Batch bad = new Batch(good.input(), target, 2, 3, 3, 8, 8, -1);
      for (int s = 1; s <= 9; s++) {
        assertThat(e.train(s, bad, 1e-3).skipped()).isTrue();
      }
      assertThatThrownBy(() -> e.train(10, bad, 1e-3)).isInstanceOf(NonFiniteLossException.class);
    }
  }

  @Test
  void globalNormClippingBoundsTheUpdateOfSgd() {
    TrainConfig c = config("cifar10-sr", "global-norm", "sgd", 1.0, 2);
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(c, task)) {
      float[][] before = params(e);
      StepResult r = e.train(1, task.trainBatch(1), 1.0);
      assertThat(r.gradNorm()).isGreaterThan(1.0);
      assertThat(r.clipped()).isEqualTo(1);
      float[][] after = params(e);
      double sq = 0;
      for (int i = 0; i < after.length; i++) {
        for (int j = 0; j < after[i].length; j++) {
          double d = after[i][j] - before[i][j];
          sq += d * d;
        }
      }
      assertThat(Math.sqrt(sq)).isCloseTo(1.0, within(1e-3)); // lr * maxNorm
    }
  }

  @Test
  void agcClipsUnitsWithLargeGradients() {
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(cifar("agc"), task)) {
      StepResult r = e.train(1, task.trainBatch(1), 1e-3);
      assertThat(r.skipped()).isFalse();
      assertThat(r.clipped()).isPositive();
      assertThat(r.minScale()).isLessThan(1);
      assertThat(r.threshold()).isEqualTo(0.01);
    }
  }

  @Test
  void loadRejectsForeignOrTruncatedCheckpointsAndKeepsTheWeights() throws IOException {
    RandomTask task = RandomTask.cifar(2);
    byte[] alrcCheckpoint;
    try (JavacppStepEngine a = new JavacppStepEngine(cifar("alrc"), task)) {
      a.train(1, task.trainBatch(1), 1e-3);
      alrcCheckpoint = save(a);
    }
    try (JavacppStepEngine e = new JavacppStepEngine(cifar("zclip"), task)) {
      float[][] before = params(e);
      assertThatThrownBy(() -> load(e, alrcCheckpoint))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("stabilizer alrc");
      assertThatThrownBy(() -> load(e, Arrays.copyOf(alrcCheckpoint, alrcCheckpoint.length / 2)))
          .isInstanceOf(IOException.class);
      ByteArrayOutputStream other = new ByteArrayOutputStream();
      new DataOutputStream(other).writeUTF("something else");
      assertThatThrownBy(() -> load(e, other.toByteArray()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("another engine");
      float[][] after = params(e);
      for (int i = 0; i < before.length; i++) {
        assertThat(after[i]).containsExactly(before[i]);
      }
    }
  }
}
