package io.alrc.experiments.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import java.util.List;

/**
 * The compact encoder-decoder used for the electron-microscopy tasks (partial-scan completion and
 * supersampling): small enough to train at a useful speed on two CPU cores.
 *
 * <pre>
 * conv 3x3 in -&gt; c, ReLU                          H x W
 * conv 3x3 stride 2 c -&gt; 2c, ReLU                 H/2
 * conv 3x3 stride 2 2c -&gt; 4c, ReLU                H/4
 * 2 residual blocks: x + relu(conv(relu(conv(x))))  at 4c
 * upsample 2x, conv 3x3 4c -&gt; 2c, ReLU           H/2
 * upsample 2x, conv 3x3 2c -&gt; c, ReLU            H
 * conv 3x3 c -&gt; 1 (linear)
 * </pre>
 *
 * with {@code c = round(16 * width)}. Weights Xavier-uniform, biases zero, no normalisation (as the
 * paper's networks). H and W must be multiples of 4.
 */
public final class StemNet {
  private StemNet() {}

  /** The base channel count at width 1. */
  public static final int BASE_CHANNELS = 16;

  /**
   * Builds the network.
   *
   * @param width channel multiplier; &gt; 0
   * @return the block, initialisers set (Xavier-uniform weights, zero biases)
   */
  public static Block build(double width) {
    if (!(width > 0)) {
      throw new IllegalArgumentException("width (" + width + ") must be > 0");
    }
    int c = Math.max(1, (int) Math.round(BASE_CHANNELS * width));
    SequentialBlock net = new SequentialBlock();
    net.add(conv(c, 3, 1)).add(Activation.reluBlock());
    net.add(conv(2 * c, 3, 2)).add(Activation.reluBlock());
    net.add(conv(4 * c, 3, 2)).add(Activation.reluBlock());
    net.add(residual(4 * c)).add(residual(4 * c));
    net.add(deconv(2 * c)).add(Activation.reluBlock());
    net.add(deconv(c)).add(Activation.reluBlock());
    net.add(conv(1, 3, 1));
    initialise(net);
    return net;
  }

  /** Sets Xavier-uniform (Glorot) weights and zero biases on {@code block}. */
  public static void initialise(Block block) {
    // DJL's Xavier with magnitude 3 and the average of fan-in and fan-out is Glorot-uniform:
    // limit = sqrt(3 / ((in + out) / 2)) = sqrt(6 / (in + out))
    block.setInitializer(
        new XavierInitializer(
            XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 3),
        Parameter.Type.WEIGHT);
    block.setInitializer(Initializer.ZEROS, Parameter.Type.BIAS);
  }

  static Conv2d conv(int filters, int kernel, int stride) {
    int pad = kernel / 2;
    return Conv2d.builder()
        .setKernelShape(new Shape(kernel, kernel))
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(pad, pad))
        .setFilters(filters)
        .build();
  }

  /**
   * 2x nearest-neighbour upsampling followed by a 3x3 convolution: DJL's PyTorch engine has no
   * transposed convolution, and this form also avoids its checkerboard artefacts.
   */
  private static Block deconv(int filters) {
    return new SequentialBlock()
        .add(new LambdaBlock(
            list -> {
              NDArray x = list.singletonOrThrow();
              return new NDList(x.repeat(2, 2).repeat(3, 2));
            },
            "upsample2x"))
        .add(conv(filters, 3, 1));
  }

  private static Block residual(int channels) {
    SequentialBlock body =
        new SequentialBlock()
            .add(conv(channels, 3, 1))
            .add(Activation.reluBlock())
            .add(conv(channels, 3, 1))
            .add(Activation.reluBlock());
    return new ParallelBlock(
        list -> new NDList(NDArrays.add(list.get(0).singletonOrThrow(), list.get(1).singletonOrThrow())),
        List.of(body, Blocks.identityBlock()));
  }
}
