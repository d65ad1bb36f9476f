package io.alrc.djl.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.alrc.djl.DjlTestSupport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link CheckpointableAdam} against DJL's Adam, its two write paths, and its saved state. */
class CheckpointableAdamTest {
  static {
    DjlTestSupport.init();
  }

  private static final Shape INPUT = new Shape(2, 2, 6, 6);
  private static final float LR = 0.01f;

  /** A small conv + linear network (weights of several shapes) and its trainer. */
  private static final class Net implements AutoCloseable {
    final Model model = Model.newInstance("adam-test");
    final Trainer trainer;

    Net(Optimizer optimizer, long seed) {
      SequentialBlock block = new SequentialBlock();
      block.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(3).build());
      block.add(x -> new NDList(x.singletonOrThrow().reshape(2, -1)));
      block.add(Linear.builder().setUnits(1).build());
      block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
      block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.BIAS);
      model.setBlock(block);
      trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(optimizer));
      trainer.initialize(INPUT);
      Random rnd = new Random(seed);
      for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
        NDArray a = p.getValue().getArray();
        a.set(DjlTestSupport.gaussian(rnd, (int) a.size(), 0.5));
      }
    }

    void step(int i) {
      Random rnd = new Random(100 + i);
      try (NDManager sm = trainer.getManager().newSubManager()) {
        NDArray x = sm.create(DjlTestSupport.gaussian(rnd, (int) INPUT.size(), 1), INPUT);
        NDArray y = sm.create(DjlTestSupport.gaussian(rnd, 2, 1), new Shape(2, 1));
        try (GradientCollector gc = trainer.newGradientCollector()) {
          NDList out = trainer.forward(new NDList(x));
          gc.backward(trainer.getLoss().evaluate(new NDList(y), out));
        }
        trainer.step();
      }
    }

    List<float[]> weights() {
      List<float[]> out = new ArrayList<>();
      for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
        out.add(p.getValue().getArray().toFloatArray());
      }
      return out;
    }

    List<float[]> gradients() {
      List<float[]> out = new ArrayList<>();
      for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
        try (NDArray g = p.getValue().getArray().getGradient()) {
          out.add(g.toFloatArray());
        }
      }
      return out;
    }

    @Override
    public void close() {
      trainer.close();
      model.close();
    }
  }

  private static CheckpointableAdam adam() {
    return CheckpointableAdam.builder().optLearningRateTracker(Tracker.fixed(LR)).build();
  }

  @Test
  void followsDjlAdamStepByStep() {
    try (Net ours = new Net(adam(), 1);
        Net djl = new Net(Optimizer.adam().optLearningRateTracker(Tracker.fixed(LR)).build(), 1)) {
      for (int s = 0; s < 8; s++) {
        ours.step(s);
        djl.step(s);
        List<float[]> a = ours.weights();
        List<float[]> b = djl.weights();
        for (int p = 0; p < a.size(); p++) {
          for (int i = 0; i < a.get(p).length; i++) {
            assertThat(a.get(p)[i])
                .as("step %d parameter %d element %d", s, p, i)
                .isCloseTo(b.get(p)[i], within(2e-6f));
          }
        }
      }
      assertThat(ours.weights().get(0)).isNotEqualTo(new Net(adam(), 1).weights().get(0));
    }
  }

  @Test
  void clearsTheGradientsAfterTheUpdate() {
    CheckpointableAdam opt = adam();
    try (Net net = new Net(opt, 2)) {
      net.step(0);
      assertThat(opt.writesDirectly()).as("PyTorch CPU arrays are written in place").isTrue();
      for (float[] g : net.gradients()) {
        assertThat(g).containsOnly(0f);
      }
    }
  }

  @Test
  void directAndIndexedWritesGiveIdenticalWeights() {
    CheckpointableAdam indexed = adam();
    indexed.disableDirectMemory();
    try (Net a = new Net(adam(), 3);
        Net b = new Net(indexed, 3)) {
      for (int s = 0; s < 5; s++) {
        a.step(s);
        b.step(s);
        for (int p = 0; p < a.weights().size(); p++) {
          assertThat(a.weights().get(p)).as("step %d parameter %d", s, p)
              .isEqualTo(b.weights().get(p));
        }
        for (float[] g : b.gradients()) {
          assertThat(g).containsOnly(0f);
        }
      }
    }
  }

  @Test
  void savedStateContinuesBitIdentically() throws IOException {
    CheckpointableAdam first = adam();
    byte[] saved;
    List<float[]> weightsAtSave;
    List<float[]> expected;
    try (Net net = new Net(first, 4)) {
      for (int s = 0; s < 3; s++) {
        net.step(s);
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        first.save(out, net.model.getBlock().getParameters());
      }
      saved = bytes.toByteArray();
      weightsAtSave = net.weights();
      for (int s = 3; s < 6; s++) {
        net.step(s);
      }
      expected = net.weights();
      assertThat(first.updateCount(net.model.getBlock().getParameters().valueAt(0))).isEqualTo(6);
    }
    CheckpointableAdam resumed = adam();
    try (Net net = new Net(resumed, 99)) {
      var params = net.model.getBlock().getParameters();
      for (int p = 0; p < params.size(); p++) {
        params.valueAt(p).getArray().set(weightsAtSave.get(p));
      }
      resumed.load(
          new DataInputStream(new ByteArrayInputStream(saved)),
          net.model.getBlock().getParameters(),
          net.model.getNDManager());
      for (int s = 3; s < 6; s++) {
        net.step(s);
      }
      List<float[]> got = net.weights();
      for (int p = 0; p < got.size(); p++) {
        assertThat(got.get(p)).as("parameter %d", p).isEqualTo(expected.get(p));
      }
    }
  }

  @Test
  void rejectsStateOfAnotherNetworkOrCutShort() throws IOException {
    CheckpointableAdam opt = adam();
    byte[] saved;
    try (Net net = new Net(opt, 5)) {
      net.step(0);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        opt.save(out, net.model.getBlock().getParameters());
      }
      saved = bytes.toByteArray();
      byte[] cut = Arrays.copyOf(saved, saved.length - 5);
      assertThatThrownBy(
              () ->
                  adam()
                      .load(
                          new DataInputStream(new ByteArrayInputStream(cut)),
                          net.model.getBlock().getParameters(),
                          net.model.getNDManager()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("truncated");
    }
    try (Model other = DjlTestSupport.linearModel("other");
        Trainer t = DjlTestSupport.trainer(other, Loss.l2Loss(), adam(), 3)) {
      assertThatThrownBy(
              () ->
                  adam()
                      .load(
                          new DataInputStream(new ByteArrayInputStream(saved)),
                          other.getBlock().getParameters(),
                          other.getNDManager()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("parameters");
    }
  }
}
