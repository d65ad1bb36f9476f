package io.alrc.javacpp;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The paper's networks as libtorch convolutions: their parameters (leaf tensors that require
 * gradients, 4-d kernels in channels-last memory when asked) and their forward pass.
 *
 * <ul>
 *   <li>{@link #paper}: the CIFAR-10 network of {@code io.alrc.djl.nn.PaperNet} (conv 5x5 in->64,
 *       conv 3x3 64->128, 3 residual blocks {@code x + relu(conv(relu(conv(x))))}, conv 3x3
 *       128->64, conv 5x5 64->out; ReLU after every conv but the last).
 *   <li>{@link #stem}: the STEM encoder-decoder of {@code io.alrc.experiments.nn.StemNet} (conv c,
 *       two stride-2 convs to 2c and 4c, 2 residual blocks, two 2x nearest upsamplings each followed
 *       by a conv, conv c->out).
 * </ul>
 *
 * Same widths, same parameter count and the same initialisation rule as the DJL networks:
 * Glorot-uniform weights {@code U(-a, a)}, {@code a = sqrt(6 / (fanIn + fanOut))}, zero biases,
 * drawn from a {@link SplittableRandom} seeded with the run's seed (so the values depend on the seed
 * only, not on libtorch's generator). Not thread-safe.
 */
final class ConvNet implements AutoCloseable {
  /** One trainable tensor and the Java-side state the engine keeps for it. */
  static final class Param {
    final String name;
    final long[] shape;
    final int size;
    /** Whether the tensor's memory is channels-last (4-d kernels when the net is channels-last). */
    final boolean channelsLast;
    final Tensor tensor;
    /** The tensor's own memory (it never moves: parameters are updated in place). */
    final FloatBuffer memory;
    /** Adam's moments in memory order (null for SGD), and the parameter's update count. */
    float[] mean;
    float[] variance;
    int updates;

    Param(String name, long[] shape, float[] canonical, boolean channelsLast) {
      this.name = name;
      this.shape = shape.clone();
      this.size = canonical.length;
      this.channelsLast = channelsLast && shape.length == 4;
      Tensor t = torch.empty(shape);
      t.data_ptr_float().put(canonical);
      if (this.channelsLast) {
        Tensor cl = t.contiguous(torch.MemoryFormat.ChannelsLast);
        t.close();
        t = cl;
      }
      t.set_requires_grad(true);
      this.tensor = t;
      this.memory = t.data_ptr_float().capacity(size).asBuffer();
    }

    /** Output units for AGC: {@code shape[0]} for rank 2 or more, else 1. */
    int units() {
      return shape.length >= 2 ? (int) shape[0] : 1;
    }

    /** The values in canonical (row-major, NCHW) order. */
    float[] read() {
      float[] mem = new float[size];
      memory.get(0, mem, 0, size);
      return toCanonical(mem);
    }

    /** Overwrites the values from canonical order. */
    void write(float[] canonical) {
      memory.put(0, fromCanonical(canonical), 0, size);
    }

    /** {@code memoryOrder} (this parameter's memory layout) in canonical order. */
    float[] toCanonical(float[] memoryOrder) {
      return permute(memoryOrder, true);
    }

    /** {@code canonical} in this parameter's memory layout. */
    float[] fromCanonical(float[] canonical) {
      return permute(canonical, false);
    }

    /**
     * A copy of {@code values} between the channels-last memory order {@code (O, H, W, I)} and the
     * canonical order {@code (O, I, H, W)}: to canonical when {@code toCanonical}, else back.
     */
    private float[] permute(float[] values, boolean toCanonical) {
      if (!channelsLast) {
        return values.clone();
      }
      int o = (int) shape[0];
      int c = (int) shape[1];
      int h = (int) shape[2];
      int w = (int) shape[3];
      float[] out = new float[size];
      for (int a = 0; a < o; a++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int mem = ((a * h + y) * w + x) * c;
            for (int i = 0; i < c; i++) {
              int canonical = ((a * c + i) * h + y) * w + x;
              if (toCanonical) {
                out[canonical] = values[mem + i];
              } else {
                out[mem + i] = values[canonical];
              }
            }
          }
        }
      }
      return out;
    }
  }

  /** A same-padded convolution with bias. */
  private static final class Conv {
    final Param weight;
    final Param bias;
    final TensorOptional biasOption;
    final long[] stride;
    final long[] padding;

    Conv(Param weight, Param bias, int stride, int kernel) {
      this.weight = weight;
      this.bias = bias;
      this.biasOption = new TensorOptional(bias.tensor);
      this.stride = new long[] {stride, stride};
      this.padding = new long[] {kernel / 2, kernel / 2};
    }

    Tensor forward(Tensor x) {
      return torch.conv2d(x, weight.tensor, biasOption, stride, padding, DILATION, 1);
    }
  }

  private static final long[] DILATION = {1, 1};

  private enum Kind {
    PAPER,
    STEM
  }

  private final Kind kind;
  private final boolean channelsLast;
  private final List<Param> params = new ArrayList<>();
  private final List<Conv> convs = new ArrayList<>();
  private final int residualBlocks;
  private final SplittableRandom random;

  private ConvNet(Kind kind, boolean channelsLast, int residualBlocks, long seed) {
    this.kind = kind;
    this.channelsLast = channelsLast;
    this.residualBlocks = residualBlocks;
    this.random = new SplittableRandom(seed);
  }

  /**
   * The CIFAR-10 network at {@code width} (hidden counts {@code round(64 * width)} and {@code
   * round(128 * width)}, at least 1).
   */
  static ConvNet paper(int in, int out, double width, long seed, boolean channelsLast) {
    ConvNet net = new ConvNet(Kind.PAPER, channelsLast, 3, seed);
    int c64 = (int) Math.max(1, Math.round(64 * width));
    int c128 = (int) Math.max(1, Math.round(128 * width));
    net.conv("conv1", in, c64, 5, 1);
    net.conv("conv2", c64, c128, 3, 1);
    for (int i = 0; i < net.residualBlocks; i++) {
      net.conv("res" + (i + 1) + "a", c128, c128, 3, 1);
      net.conv("res" + (i + 1) + "b", c128, c128, 3, 1);
    }
    net.conv("conv3", c128, c64, 3, 1);
    net.conv("conv4", c64, out, 5, 1);
    return net;
  }

  /** The STEM encoder-decoder with {@code c = round(16 * width)} (at least 1). */
  static ConvNet stem(int in, int out, double width, long seed, boolean channelsLast) {
    ConvNet net = new ConvNet(Kind.STEM, channelsLast, 2, seed);
    int c = Math.max(1, (int) Math.round(16 * width));
    net.conv("enc1", in, c, 3, 1);
    net.conv("enc2", c, 2 * c, 3, 2);
    net.conv("enc3", 2 * c, 4 * c, 3, 2);
    for (int i = 0; i < net.residualBlocks; i++) {
      net.conv("res" + (i + 1) + "a", 4 * c, 4 * c, 3, 1);
      net.conv("res" + (i + 1) + "b", 4 * c, 4 * c, 3, 1);
    }
    net.conv("dec1", 4 * c, 2 * c, 3, 1);
    net.conv("dec2", 2 * c, c, 3, 1);
    net.conv("out", c, out, 3, 1);
    return net;
  }

  private void conv(String name, int in, int out, int kernel, int stride) {
    int fanIn = in * kernel * kernel;
    int fanOut = out * kernel * kernel;
    double a = Math.sqrt(6.0 / (fanIn + fanOut));
    float[] w = new float[out * fanIn];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((random.nextDouble() * 2 - 1) * a);
    }
    Param weight = new Param(name + ".weight", new long[] {out, in, kernel, kernel}, w, channelsLast);
    Param bias = new Param(name + ".bias", new long[] {out}, new float[out], channelsLast);
    params.add(weight);
    params.add(bias);
    convs.add(new Conv(weight, bias, stride, kernel));
  }

  /** The parameters in a fixed order (checkpoints rely on it). */
  List<Param> params() {
    return Collections.unmodifiableList(params);
  }

  /** Whether 4-d tensors are kept channels-last. */
  boolean channelsLast() {
    return channelsLast;
  }

  /**
   * The forward pass; every tensor it creates belongs to the caller's pointer scope. ReLUs run in
   * place on the convolutions' outputs (a convolution's backward needs its input, not its output).
   */
  Tensor forward(Tensor x) {
    return kind == Kind.PAPER ? forwardPaper(x) : forwardStem(x);
  }

  private Tensor forwardPaper(Tensor x) {
    int k = 0;
    Tensor h = convs.get(k++).forward(x).relu_();
    h = convs.get(k++).forward(h).relu_();
    for (int i = 0; i < residualBlocks; i++) {
      Tensor a = convs.get(k++).forward(h).relu_();
      h = h.add(convs.get(k++).forward(a).relu_());
    }
    h = convs.get(k++).forward(h).relu_();
    return convs.get(k).forward(h);
  }

  private Tensor forwardStem(Tensor x) {
    int k = 0;
    Tensor h = convs.get(k++).forward(x).relu_();
    h = convs.get(k++).forward(h).relu_();
    h = convs.get(k++).forward(h).relu_();
    for (int i = 0; i < residualBlocks; i++) {
      Tensor a = convs.get(k++).forward(h).relu_();
      h = h.add(convs.get(k++).forward(a).relu_());
    }
    h = convs.get(k++).forward(upsample2x(h)).relu_();
    h = convs.get(k++).forward(upsample2x(h)).relu_();
    return convs.get(k).forward(h);
  }

  private static Tensor upsample2x(Tensor x) {
    return torch.upsample_nearest2d(x, x.size(2) * 2, x.size(3) * 2);
  }

  /** Number of trainable values. */
  long parameterCount() {
    long n = 0;
    for (Param p : params) {
      n += p.size;
    }
    return n;
  }

  @Override
  public void close() {
    for (Conv c : convs) {
      c.biasOption.close();
    }
    for (Param p : params) {
      p.tensor.close();
    }
  }
}
