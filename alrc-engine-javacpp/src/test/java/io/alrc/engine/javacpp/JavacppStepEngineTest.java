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
import io.alrc.experiments.train.CpuInfo;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
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
    resumesBitIdentically(c);
  }

  /** The peers with settings under which they act within a few steps (spikes, drops, clipping). */
  static Stream<Stabilizer> activePeers() {
    return Stream.of(
        new Stabilizer.AdaGc(0.5, 1.05, 0.9, 2),
        new Stabilizer.SkipStep("both", 3, 0.1),
        new Stabilizer.SkipStep("loss", 3, 0.1),
        new Stabilizer.SkipStep("grad-norm", 3, 0.1),
        new Stabilizer.LossTruncation(0.4, 2, 2));
  }

  @ParameterizedTest
  @MethodSource("activePeers")
  void activePeersResumeBitIdentically(Stabilizer stabilizer) throws IOException {
    TrainConfig c = builder("cifar10-sr", "none", "adam", 1e-3, 2).stabilizer(stabilizer).build().validate();
    List<StepResult> steps = resumesBitIdentically(c);
    assertThat(steps).as("the peer acted in the 6 steps").anyMatch(r -> r.clipped() > 0);
  }

  private static List<StepResult> resumesBitIdentically(TrainConfig c) throws IOException {
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
    return straight;
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

  /** Batch {@code b} with example 0's target multiplied by {@code factor}. */
  static Batch spiking(Batch b, float factor) {
    float[] target = b.target().clone();
    for (int i = 0; i < target.length / b.batch(); i++) {
      target[i] *= factor;
    }
    return new Batch(b.input(), target, b.batch(), b.inputChannels(), b.targetChannels(),
        b.height(), b.width(), -1);
  }

  /** Everything an update changes: weights, Adam's moments and update counts. */
  record Optimizer(float[][] weights, float[][] means, float[][] variances, int[] updates) {
    static Optimizer of(JavacppStepEngine e) {
      List<ConvNet.Param> ps = e.net().params();
      float[][] m = new float[ps.size()][];
      float[][] v = new float[ps.size()][];
      int[] u = new int[ps.size()];
      for (int i = 0; i < ps.size(); i++) {
        m[i] = ps.get(i).mean.clone();
        v[i] = ps.get(i).variance.clone();
        u[i] = ps.get(i).updates;
      }
      return new Optimizer(params(e), m, v, u);
    }

    void assertSame(Optimizer o, String why) {
      for (int i = 0; i < weights.length; i++) {
        assertThat(o.weights[i]).as("%s: weights %d", why, i).containsExactly(weights[i]);
        assertThat(o.means[i]).as("%s: Adam m %d", why, i).containsExactly(means[i]);
        assertThat(o.variances[i]).as("%s: Adam v %d", why, i).containsExactly(variances[i]);
      }
      assertThat(o.updates).as("%s: update counts", why).containsExactly(updates);
    }
  }

  static Stream<String> skipSignals() {
    return Stream.of("loss", "grad-norm", "both");
  }

  @ParameterizedTest
  @MethodSource("skipSignals")
  void skipStepSkipsTheUpdateOnASpikeWithoutCountingItAsNonFinite(String signal) {
    // window of 8: active from the 4th value on (3 previous values)
    TrainConfig c = builder("cifar10-sr", "none", "adam", 1e-3, 2)
        .stabilizer(new Stabilizer.SkipStep(signal, 8, 3)).build().validate();
    RandomTask task = RandomTask.cifar(2);
    Batch good = task.trainBatch(1);
    float[] nanTarget = good.target().clone();
    nanTarget[3] = Float.NaN;
    Batch nan = new Batch(good.input(), nanTarget, 2, 3, 3, 8, 8, -1);
    StepResult twinAfter;
    try (JavacppStepEngine twin = new JavacppStepEngine(c, task)) { // the same run without the spike
      for (int s = 1; s <= 6; s++) {
        twin.train(s, good, 1e-3);
      }
      twinAfter = twin.train(7, good, 1e-3);
    }
    try (JavacppStepEngine e = new JavacppStepEngine(c, task)) {
      for (int s = 1; s <= 6; s++) {
        StepResult r = e.train(s, good, 1e-3);
        assertThat(r.clipped()).as("step %d", s).isZero();
        assertThat(r.minScale()).isEqualTo(1);
      }
      Optimizer before = Optimizer.of(e);
      for (int s = 7; s <= 15; s++) {
        assertThat(e.train(s, nan, 1e-3).skipped()).isTrue(); // 9 non-finite steps in a row
      }
      StepResult spike = e.train(16, spiking(good, 20), 1e-3);
      assertThat(spike.skipped()).as("a spike is not a non-finite skip").isFalse();
      assertThat(spike.clipped()).isEqualTo(1);
      assertThat(spike.minScale()).isZero();
      assertThat(spike.loss()).isEqualTo(spike.unadjustedLoss()).isFinite();
      assertThat(spike.threshold()).as("the window's mean + 3 std").isFinite()
          .isLessThan(signal.equals("grad-norm") ? spike.gradNorm() : spike.unadjustedLoss());
      if (signal.equals("loss")) {
        assertThat(spike.gradNorm()).as("no backward after a loss spike").isNaN();
      } else {
        assertThat(spike.gradNorm()).isFinite().isPositive();
      }
      before.assertSame(Optimizer.of(e), "after the spike skip");
      // the model is as in the run without the spike, but the spike entered the window
      StepResult after = e.train(17, good, 1e-3);
      assertThat(after.clipped()).isZero();
      assertThat(after.unadjustedLoss()).isEqualTo(twinAfter.unadjustedLoss());
      assertThat(after.gradNorm()).isEqualTo(twinAfter.gradNorm());
      assertThat(after.threshold()).as("the window holds the spike").isGreaterThan(twinAfter.threshold());
      // the spike neither counted nor ended the row: the 10th non-finite step throws
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
  void adaGcClipsAllTensorsGloballyInItsWarmUpThenEachTensorAgainstItsOwnHistory() {
    TrainConfig c = builder("cifar10-sr", "none", "sgd", 1.0, 2)
        .stabilizer(new Stabilizer.AdaGc(0.5, 1.05, 0.98, 1)).build().validate();
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(c, task)) {
      int tensors = e.net().params().size();
      float[][] w0 = params(e);
      StepResult warm = e.train(1, task.trainBatch(1), 1.0);
      float[][] w1 = params(e);
      assertThat(warm.gradNorm()).isGreaterThan(0.5);
      assertThat(warm.clipped()).as("the warm-up clips the global norm: every tensor").isEqualTo(tensors);
      assertThat(warm.threshold()).isEqualTo(0.5);
      assertThat(warm.minScale()).isCloseTo(0.5 / (warm.gradNorm() + 1e-6), within(1e-12));
      double[] gamma = new double[tensors]; // SGD at lr 1: the update is the clipped gradient
      double total = 0;
      for (int i = 0; i < tensors; i++) {
        gamma[i] = distance(w1[i], w0[i]);
        total += gamma[i] * gamma[i];
      }
      assertThat(Math.sqrt(total)).as("update norm = lambda_abs").isCloseTo(0.5, within(1e-3));

      StepResult big = e.train(2, spiking(task.trainBatch(2), 20), 1.0);
      float[][] w2 = params(e);
      assertThat(big.threshold()).isEqualTo(1.05);
      assertThat(big.clipped()).as("tensors above 1.05 gamma_i").isPositive();
      assertThat(big.minScale()).isLessThan(1);
      double largest = 0;
      for (int i = 0; i < tensors; i++) {
        double ratio = distance(w2[i], w1[i]) / gamma[i];
        assertThat(ratio).as("tensor %d: at most lambda_rel * gamma_i", i).isLessThan(1.05 * (1 + 1e-3));
        largest = Math.max(largest, ratio);
      }
      assertThat(largest).as("a clipped tensor sits at its bound").isGreaterThan(1.04);
    }
  }

  private static double distance(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      s += d * d;
    }
    return Math.sqrt(s);
  }

  @Test
  void lossTruncationDropsTheLargestExampleOnceItsHistoryIsFull() {
    TrainConfig c = builder("cifar10-sr", "none", "adam", 1e-3, 2)
        .stabilizer(new Stabilizer.LossTruncation(0.4, 2, 2)).build().validate();
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(c, task)) {
      StepResult first = e.train(1, spiking(task.trainBatch(1), 20), 1e-3);
      assertThat(first.clipped()).as("history not yet past recompute: nothing dropped").isZero();
      assertThat(first.threshold()).isInfinite();
      assertThat(first.loss()).isEqualTo(first.unadjustedLoss());

      StepResult second = e.train(2, spiking(task.trainBatch(2), 20), 1e-3);
      double big = second.maxExampleLoss();
      double small = 2 * second.unadjustedLoss() - big;
      // numpy.percentile([small, big], 60): rank 0.6, computed from the upper value
      assertThat(second.threshold()).isCloseTo(big - (big - small) * 0.4, within(1e-6 * big));
      assertThat(second.clipped()).as("the spiking example is dropped").isEqualTo(1);
      assertThat(second.minScale()).isZero();
      assertThat(second.loss()).as("mean over both examples, the dropped one counting 0")
          .isCloseTo(small / 2, within(1e-6 * big));
      assertThat(second.skipped()).isFalse();
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

  // ---- precision bf16 (skipped on CPUs without bfloat16 instructions) ----

  static void assumeBf16() {
    Assumptions.assumeTrue(CpuInfo.current().bf16(), "this CPU has no bfloat16 instructions");
  }

  static TrainConfig bf16(String stabilizer) {
    return builder("cifar10-sr", stabilizer, "adam", 1e-3, 2).precision(TrainConfig.BF16).build().validate();
  }

  /** Whether {@code v} is a bfloat16 value (its low 16 bits are zero). */
  static boolean isBf16(float v) {
    return (Float.floatToRawIntBits(v) & 0xFFFF) == 0;
  }

  @Test
  void bf16IsRefusedOnACpuWithoutBfloat16Instructions() {
    CpuInfo skylake = CpuInfo.parse("model name : Old Xeon\nflags : avx2 avx512f avx512bw\n");
    assertThatThrownBy(() -> JavacppStepEngine.requireBf16(skylake))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("precision bf16 needs a CPU with bfloat16 instructions (flag avx512_bf16 or amx_bf16 in"
            + " /proc/cpuinfo); this CPU, Old Xeon [avx2 avx512f], has neither: use --precision fp32");
    JavacppStepEngine.requireBf16(CpuInfo.parse("model name : Zen 4\nflags : avx512f avx512_bf16\n"));
  }

  @Test
  void bf16TrainingLowersTheLossOnAFixedBatch() {
    assumeBf16();
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(bf16("alrc"), task)) {
      assertThat(e.net().bf16()).isTrue();
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

  /**
   * The casts are inside the graph: parameters and their gradients are float32 tensors, the output
   * (and so the loss) is float32, and the activations in between are bfloat16 (the output differs
   * from the float32 network's, within bfloat16's resolution).
   */
  @Test
  void bf16KeepsParametersGradientsAndTheOutputInFloat32() {
    assumeBf16();
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(bf16("none"), task);
        JavacppStepEngine f = new JavacppStepEngine(cifar("none"), task);
        PointerScope scope = new PointerScope()) {
      Batch b = task.trainBatch(1);
      Tensor x = torch.empty(2, 3, 8, 8);
      x.data_ptr_float().put(b.input());
      x = x.contiguous(torch.MemoryFormat.ChannelsLast);
      Tensor out = e.net().forward(x);
      assertThat(out.scalar_type().value).isEqualTo(torch.ScalarType.Float.value);
      out.sum().backward();
      for (ConvNet.Param p : e.net().params()) {
        assertThat(p.tensor.scalar_type().value).as(p.name).isEqualTo(torch.ScalarType.Float.value);
        assertThat(p.tensor.grad().defined()).as(p.name).isTrue();
        assertThat(p.tensor.grad().scalar_type().value).as("gradient of %s", p.name)
            .isEqualTo(torch.ScalarType.Float.value);
        p.tensor.mutable_grad().reset();
      }
      float[] low = new float[2 * 3 * 8 * 8];
      float[] full = new float[low.length];
      out.contiguous().data_ptr_float().get(low);
      f.net().forward(x).contiguous().data_ptr_float().get(full);
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < low.length; i++) {
        diff += (low[i] - full[i]) * (double) (low[i] - full[i]);
        norm += full[i] * (double) full[i];
        assertThat(isBf16(low[i])).as("the output is a bfloat16 result, cast").isTrue();
      }
      // the same weights: the outputs agree to a few bfloat16 roundings (2^-9 relative), not exactly
      assertThat(Math.sqrt(diff / norm)).isGreaterThan(1e-4).isLessThan(0.02);
    }
  }

  /**
   * The same weights and batches, bf16 against fp32: every per-example loss differs, by bfloat16's
   * rounding and not more, and so does the first training step's loss and gradient norm.
   *
   * <p>Tolerance: inputs, weights and activations rounded to 8 significant bits (relative error up
   * to 2^-9 each; oneDNN accumulates in float32) leave the output with a relative error of a few
   * 2^-9 after ten layers (under 1% here, see the test above). The quartic loss is a mean of
   * {@code e^4} over the error {@code e = output - target}, so its relative change is at most
   * about 4 times the output's relative error where the output dominates the error, less where the
   * target does: 5% bounds it with a margin of about two. fp32 alone (other summation orders) stays
   * below 1e-4 relative (channelsLastAndNchwTrainTheSameFunction), and the largest difference here
   * must show bfloat16's rounding, above 1e-4.
   */
  @Test
  void bf16AndFp32LossesAreCloseButNotEqual() {
    assumeBf16();
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(bf16("alrc"), task);
        JavacppStepEngine f = new JavacppStepEngine(cifar("alrc"), task)) {
      double largest = 0;
      for (int s = 1; s <= 4; s++) {
        double[] a = e.evaluate(task.trainBatch(s));
        double[] b = f.evaluate(task.trainBatch(s));
        for (int i = 0; i < a.length; i++) {
          double rel = Math.abs(a[i] - b[i]) / b[i];
          assertThat(a[i]).as("batch %d example %d", s, i).isNotEqualTo(b[i]);
          assertThat(rel).as("batch %d example %d: %s vs %s", s, i, a[i], b[i]).isLessThan(0.05);
          largest = Math.max(largest, rel);
        }
      }
      assertThat(largest).isGreaterThan(1e-4);
      StepResult a = e.train(1, task.trainBatch(1), 1e-3);
      StepResult b = f.train(1, task.trainBatch(1), 1e-3);
      assertThat(a.unadjustedLoss()).isNotEqualTo(b.unadjustedLoss())
          .isCloseTo(b.unadjustedLoss(), within(0.05 * b.unadjustedLoss()));
      assertThat(a.gradNorm()).isNotEqualTo(b.gradNorm()).isCloseTo(b.gradNorm(), within(0.05 * b.gradNorm()));
    }
  }

  /**
   * The master weights stay float32: after updates smaller than bfloat16's resolution they are
   * not bfloat16 values, and the checkpoint holds exactly them (the fp32 engine's format: same
   * length); Adam's moments are float32 arrays.
   */
  @Test
  void bf16CheckpointsHoldTheFloat32MastersInTheUsualFormat() throws IOException {
    assumeBf16();
    RandomTask task = RandomTask.cifar(2);
    try (JavacppStepEngine e = new JavacppStepEngine(bf16("alrc"), task);
        JavacppStepEngine f = new JavacppStepEngine(cifar("alrc"), task)) {
      for (int s = 1; s <= 3; s++) {
        e.train(s, task.trainBatch(s), 1e-4);
        f.train(s, task.trainBatch(s), 1e-4);
      }
      float[][] masters = params(e);
      long notBf16 = Arrays.stream(masters).flatMap(p -> {
        List<Float> l = new ArrayList<>();
        for (float v : p) {
          l.add(v);
        }
        return l.stream();
      }).filter(v -> !isBf16(v)).count();
      assertThat(notBf16).as("float32 masters").isGreaterThan(masters[0].length / 2);
      for (ConvNet.Param p : e.net().params()) {
        assertThat(p.mean).hasSize(p.size);
        assertThat(p.variance).hasSize(p.size);
      }
      byte[] bf16Checkpoint = save(e);
      assertThat(bf16Checkpoint).hasSize(save(f).length);
      // the checkpoint's parameters, restored into a fresh fp32 engine, are the masters exactly
      try (JavacppStepEngine g = new JavacppStepEngine(cifar("alrc"), task)) {
        load(g, bf16Checkpoint);
        float[][] restored = params(g);
        for (int i = 0; i < masters.length; i++) {
          assertThat(restored[i]).as("parameter %d", i).containsExactly(masters[i]);
        }
      }
    }
  }

  @Test
  void bf16EvaluateIsTheWeightedMeanQuarticErrorOfPredict() {
    assumeBf16();
    RandomTask task = RandomTask.cifar(3);
    try (JavacppStepEngine e = new JavacppStepEngine(bf16("none"), task)) {
      Batch b = task.evalBatch(0, 3);
      float[] out = e.predict(b);
      double[] errors = e.evaluate(b);
      int per = 3 * 8 * 8;
      for (int k = 0; k < 3; k++) {
        double s = 0;
        for (int i = 0; i < per; i++) {
          assertThat(isBf16(out[k * per + i])).as("a bf16 forward pass").isTrue();
          double d = out[k * per + i] - b.target()[k * per + i];
          s += d * d * d * d;
        }
        assertThat(errors[k]).isCloseTo(25 * s / per, within(1e-4 * (25 * s / per) + 1e-7));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("stabilizers")
  void bf16ResumesBitIdentically(String stabilizer) throws IOException {
    assumeBf16();
    TrainConfig c = stabilizer.equals("sgd")
        ? builder("cifar10-sr", "alrc", "sgd", 1e-3, 2).precision(TrainConfig.BF16).build().validate()
        : bf16(stabilizer);
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
  void bf16StemNetworkTrains() {
    assumeBf16();
    TrainConfig c = builder("stem-completion", "alrc", "adam", 1e-3, 2).precision(TrainConfig.BF16).build().validate();
    RandomTask task = new RandomTask(2, 1, 1, 16, 50);
    try (JavacppStepEngine e = new JavacppStepEngine(c, task)) {
      assertThat(e.predict(task.evalBatch(0, 2))).hasSize(2 * 16 * 16);
      assertThat(e.train(1, task.trainBatch(1), 1e-3).skipped()).isFalse();
    }
  }
}
