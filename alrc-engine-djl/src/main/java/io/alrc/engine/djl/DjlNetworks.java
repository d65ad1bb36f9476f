package io.alrc.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import io.alrc.experiments.nn.Network;
import io.alrc.experiments.nn.Network.Conv;
import io.alrc.experiments.nn.Network.Layer;
import io.alrc.experiments.nn.Network.Relu;
import io.alrc.experiments.nn.Network.Residual;
import io.alrc.experiments.nn.Network.Upsample;
import java.util.List;

/**
 * Realises a {@link Network} as DJL blocks: a {@link SequentialBlock} of {@link Conv2d} (same
 * padding), ReLU, {@link ResidualBlock} and nearest-upsampling blocks, with Glorot-uniform weights
 * (DJL's Xavier initializer, uniform, averaged fans, magnitude 3: {@code sqrt(3 / ((in + out) / 2))
 * = sqrt(6 / (in + out))}) and zero biases, drawn from the engine's random generator when the block
 * is initialised.
 */
public final class DjlNetworks {
  private DjlNetworks() {}

  /** The network as one block, its initializers set (initialise it with the input's shape). */
  public static Block block(Network network) {
    SequentialBlock net = sequence(network.layers());
    net.setInitializer(glorotUniform(), Parameter.Type.WEIGHT);
    net.setInitializer(Initializer.ZEROS, Parameter.Type.BIAS);
    return net;
  }

  /** The Glorot-uniform initializer of the project's networks. */
  public static Initializer glorotUniform() {
    return new XavierInitializer(
        XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 3f);
  }

  private static SequentialBlock sequence(List<Layer> layers) {
    SequentialBlock seq = new SequentialBlock();
    for (Layer layer : layers) {
      seq.add(block(layer));
    }
    return seq;
  }

  private static Block block(Layer layer) {
    if (layer instanceof Conv c) {
      int pad = c.kernel() / 2;
      return Conv2d.builder()
          .setKernelShape(new Shape(c.kernel(), c.kernel()))
          .optStride(new Shape(c.stride(), c.stride()))
          .optPadding(new Shape(pad, pad))
          .setFilters(c.out())
          .build();
    }
    if (layer instanceof Relu) {
      return Activation.reluBlock();
    }
    if (layer instanceof Residual r) {
      return new ResidualBlock(sequence(r.body()));
    }
    if (layer instanceof Upsample u) {
      int f = u.factor();
      return new LambdaBlock(
          list -> {
            NDArray x = list.singletonOrThrow();
            return new NDList(x.repeat(2, f).repeat(3, f));
          },
          "upsample" + f + "x");
    }
    throw new IllegalArgumentException("the djl engine cannot realise layer " + layer);
  }
}
