package io.alrc.djl.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;

/**
 * The fully convolutional network of the ALRC paper's CIFAR-10 2x supersampling experiments (Ede
 * and Beanland, arXiv 1906.09060, section 3.1 of the project spec):
 *
 * <pre>
 * conv 5x5 3-&gt;64, ReLU; conv 3x3 64-&gt;128, ReLU;
 * 3 x residual { x0 = x; x = relu(conv3x3(x)); x = relu(conv3x3(x)); x = x + x0 }   (128 channels)
 * conv 3x3 128-&gt;64, ReLU; conv 5x5 64-&gt;3 (linear)
 * </pre>
 *
 * Stride 1, same padding, no normalisation, Xavier/Glorot-uniform weights ({@code U(-a, a)}, {@code
 * a = sqrt(6 / (fanIn + fanOut))}), zero biases. At the paper's widths it has {@value
 * #PAPER_PARAMETERS} parameters. {@link Builder#width(double)} scales the hidden channel counts (64
 * and 128) for quick CPU runs; input and output keep 3 channels.
 *
 * <p>Input and output are {@code (batch, 3, H, W)} float32 arrays.
 */
public final class PaperNet {
  /** Parameter count at the paper's widths. */
  public static final long PAPER_PARAMETERS = 1_042_819L;

  private PaperNet() {}

  /** A builder at the paper's widths. */
  public static Builder builder() {
    return new Builder();
  }

  /** The network at the paper's widths. */
  public static Block build() {
    return builder().build();
  }

  /** The Glorot-uniform initializer the paper uses ({@code sqrt(6 / (fanIn + fanOut))}). */
  public static Initializer glorotUniform() {
    return new XavierInitializer(
        XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 3f);
  }

  /** Builds {@link PaperNet}. */
  public static final class Builder {
    private double width = 1.0;
    private int residualBlocks = 3;
    private int channels = 3;

    private Builder() {}

    /**
     * Multiplies the hidden channel counts (64 and 128); 1 (the default) is the paper's network.
     * Each count is rounded and at least 1.
     */
    public Builder width(double width) {
      if (!(width > 0) || Double.isInfinite(width)) {
        throw new IllegalArgumentException("width must be finite and > 0, got " + width);
      }
      this.width = width;
      return this;
    }

    /** Number of residual blocks (paper: 3). */
    public Builder residualBlocks(int residualBlocks) {
      if (residualBlocks < 0) {
        throw new IllegalArgumentException("residualBlocks must be >= 0, got " + residualBlocks);
      }
      this.residualBlocks = residualBlocks;
      return this;
    }

    /** Image channels of input and output (paper: 3, colour). */
    public Builder channels(int channels) {
      if (channels < 1) {
        throw new IllegalArgumentException("channels must be >= 1, got " + channels);
      }
      this.channels = channels;
      return this;
    }

    private int scaled(int c) {
      return (int) Math.max(1, Math.round(c * width));
    }

    /** Builds the network, with the paper's initializers set on it. */
    public SequentialBlock build() {
      int c64 = scaled(64);
      int c128 = scaled(128);
      SequentialBlock net = new SequentialBlock();
      net.add(conv(5, c64)).add(Activation::relu);
      net.add(conv(3, c128)).add(Activation::relu);
      for (int i = 0; i < residualBlocks; i++) {
        net.add(new ResidualBlock(conv(3, c128), conv(3, c128)));
      }
      net.add(conv(3, c64)).add(Activation::relu);
      net.add(conv(5, channels));
      net.setInitializer(glorotUniform(), Parameter.Type.WEIGHT);
      net.setInitializer(Initializer.ZEROS, Parameter.Type.BIAS);
      return net;
    }

    private static Block conv(int k, int filters) {
      int pad = k / 2;
      return Conv2d.builder()
          .setKernelShape(new Shape(k, k))
          .optPadding(new Shape(pad, pad))
          .setFilters(filters)
          .build();
    }
  }
}
