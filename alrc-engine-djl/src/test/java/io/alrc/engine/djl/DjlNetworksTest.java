package io.alrc.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.training.ParameterStore;
import io.alrc.experiments.cifar.CifarSupersamplingTask;
import io.alrc.experiments.nn.Network;
import io.alrc.experiments.stem.StemTask;
import org.junit.jupiter.api.Test;

/** The tasks' networks realised as DJL blocks: the same shapes and parameter counts as described. */
class DjlNetworksTest {

  private static long count(Block net) {
    long n = 0;
    for (Pair<String, Parameter> p : net.getParameters()) {
      n += p.getValue().getArray().size();
    }
    return n;
  }

  @Test
  void paperWidthsHave1042819Parameters() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Network described = CifarSupersamplingTask.paperNetwork(3, 1);
      Block net = DjlNetworks.block(described);
      net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
      assertThat(count(net))
          .isEqualTo(CifarSupersamplingTask.PAPER_PARAMETERS)
          .isEqualTo(described.parameterCount())
          .isEqualTo(1_042_819L);
      assertThat(net.getParameters().size()).isEqualTo(20); // 10 convolutions, weight and bias
    }
  }

  @Test
  void forwardKeepsTheImageShapeAndInitialisationFollowsThePaper() {
    try (Model model = Model.newInstance("paper-net")) {
      Block net = DjlNetworks.block(CifarSupersamplingTask.paperNetwork(3, 0.25));
      model.setBlock(net);
      NDManager manager = model.getNDManager();
      net.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 32, 32));
      NDArray x = manager.randomNormal(new Shape(2, 3, 32, 32));
      NDArray y =
          net.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
      assertThat(y.getShape()).isEqualTo(new Shape(2, 3, 32, 32));
      for (Pair<String, Parameter> p : net.getParameters()) {
        NDArray a = p.getValue().getArray();
        if (p.getValue().getType() == Parameter.Type.BIAS) {
          assertThat(a.abs().max().getFloat()).isZero();
        } else {
          Shape s = a.getShape();
          long rf = s.get(2) * s.get(3);
          double limit = Math.sqrt(6.0 / (s.get(0) * rf + s.get(1) * rf));
          float max = a.abs().max().getFloat();
          assertThat((double) max).isLessThanOrEqualTo(limit).isGreaterThan(0.8 * limit);
        }
      }
    }
  }

  @Test
  void widthScalesHiddenChannels() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block net = DjlNetworks.block(CifarSupersamplingTask.paperNetwork(3, 0.5));
      net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
      // 32 and 64 channels: conv5 3->32, conv3 32->64, 6 x conv3 64->64, conv3 64->32, conv5 32->3
      long expected =
          (5 * 5 * 3 * 32 + 32)
              + (3 * 3 * 32 * 64 + 64)
              + 6L * (3 * 3 * 64 * 64 + 64)
              + (3 * 3 * 64 * 32 + 32)
              + (5 * 5 * 32 * 3 + 3);
      assertThat(count(net)).isEqualTo(expected);
    }
  }

  @Test
  void stemNetworkMatchesItsDescriptionAndKeepsTheImageSize() {
    try (Model model = Model.newInstance("stem-net")) {
      Network described = StemTask.stemNetwork(2, 1, 0.5);
      Block net = DjlNetworks.block(described);
      model.setBlock(net);
      NDManager manager = model.getNDManager();
      net.initialize(manager, DataType.FLOAT32, new Shape(1, 2, 32, 32));
      assertThat(count(net)).isEqualTo(described.parameterCount());
      assertThat(net.getParameters().size()).isEqualTo(2 * described.convs().size());
      NDArray y = net.forward(new ParameterStore(manager, false),
          new NDList(manager.randomNormal(new Shape(1, 2, 32, 32))), false).singletonOrThrow();
      assertThat(y.getShape()).isEqualTo(new Shape(1, 1, 32, 32));
    }
  }
}
