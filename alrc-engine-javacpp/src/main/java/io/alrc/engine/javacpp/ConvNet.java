package io.alrc.engine.javacpp;

import io.alrc.experiments.nn.Network;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * A task's {@link Network} as libtorch convolutions: its parameters (leaf tensors that require
 * gradients, 4-d kernels in channels-last memory when asked) and its forward pass, which
 * interprets the layers in order.
 *
 * <p>Initialisation follows the description's rule: Glorot-uniform weights {@code U(-a, a)},
 * {@code a = sqrt(6 / (fanIn + fanOut))}, zero biases, drawn convolution by convolution from a
 * {@link SplittableRandom} seeded with the run's seed (so the values depend on the seed only, not
 * on libtorch's generator). Parameters are named after the layers ({@code NAME.weight}, {@code
 * NAME.bias}) and kept in the order the convolutions are applied. Not thread-safe.
 *
 * <p>In bfloat16 ({@code bf16}), as {@code torch.autocast("cpu", dtype=torch.bfloat16)} runs a
 * convolutional network: the parameters stay float32 (the master weights, updated by the engine);
 * each forward pass casts the input and every convolution's weight and bias to bfloat16 inside the
 * autograd graph ({@code Tensor.to(kBFloat16)}, memory format preserved), runs the convolutions
 * (oneDNN), ReLUs, residual additions and upsampling on bfloat16 activations, and casts the
 * network's output back to float32. Backward runs the same operations in bfloat16 and the casts'
 * backward converts each parameter's gradient to float32, so the leaves' gradients are float32.
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

    /** The convolution with its weight and bias cast to bfloat16 (differentiably) for this pass. */
    Tensor forwardBf16(Tensor x) {
      Tensor w = weight.tensor.to(BF16);
      TensorOptional b = new TensorOptional(bias.tensor.to(BF16));
      return torch.conv2d(x, w, b, stride, padding, DILATION, 1);
    }
  }

  private static final long[] DILATION = {1, 1};
  private static final torch.ScalarType BF16 = torch.ScalarType.BFloat16;

  private final boolean channelsLast;
  private final boolean bf16;
  private final List<Param> params = new ArrayList<>();
  private final List<Step> steps;
  private final SplittableRandom random;

  /** One step of the forward pass: a layer realised with its tensors. */
  private sealed interface Step permits ConvStep, ReluStep, ResidualStep, UpsampleStep {}

  /** A convolution; {@code reluInPlace} when the next layer is a ReLU applied to its output. */
  private record ConvStep(Conv conv, boolean reluInPlace) implements Step {}

  /** A ReLU that does not directly follow a convolution. */
  private record ReluStep() implements Step {}

  private record ResidualStep(List<Step> body) implements Step {}

  private record UpsampleStep(int factor) implements Step {}

  /**
   * The network {@code network}, initialised from {@code seed}, with 4-d tensors channels-last or
   * in the default (NCHW) layout, computing in float32 or (when {@code bf16}) in bfloat16 from
   * float32 parameters.
   */
  ConvNet(Network network, long seed, boolean channelsLast, boolean bf16) {
    this.channelsLast = channelsLast;
    this.bf16 = bf16;
    this.random = new SplittableRandom(seed);
    this.steps = steps(network.layers());
  }

  /**
   * The forward steps of {@code layers}, creating each convolution's parameters in order. A ReLU
   * right after a convolution runs in place on the convolution's output (a convolution's backward
   * needs its input, not its output); any other ReLU makes a new tensor, so that it never
   * overwrites a tensor that a residual connection still needs.
   */
  private List<Step> steps(List<Network.Layer> layers) {
    List<Step> out = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Network.Layer layer = layers.get(i);
      if (layer instanceof Network.Conv c) {
        boolean relu = i + 1 < layers.size() && layers.get(i + 1) instanceof Network.Relu;
        out.add(new ConvStep(conv(c), relu));
        if (relu) {
          i++;
        }
      } else if (layer instanceof Network.Relu) {
        out.add(new ReluStep());
      } else if (layer instanceof Network.Residual r) {
        out.add(new ResidualStep(steps(r.body())));
      } else if (layer instanceof Network.Upsample u) {
        out.add(new UpsampleStep(u.factor()));
      } else {
        throw new IllegalArgumentException("the javacpp engine cannot realise layer " + layer);
      }
    }
    return out;
  }

  private Conv conv(Network.Conv c) {
    int fanIn = c.in() * c.kernel() * c.kernel();
    int fanOut = c.out() * c.kernel() * c.kernel();
    double a = Math.sqrt(6.0 / (fanIn + fanOut));
    float[] w = new float[c.out() * fanIn];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((random.nextDouble() * 2 - 1) * a);
    }
    Param weight = new Param(c.name() + ".weight",
        new long[] {c.out(), c.in(), c.kernel(), c.kernel()}, w, channelsLast);
    Param bias = new Param(c.name() + ".bias", new long[] {c.out()}, new float[c.out()], channelsLast);
    params.add(weight);
    params.add(bias);
    return new Conv(weight, bias, c.stride(), c.kernel());
  }

  /** The parameters in a fixed order (checkpoints rely on it). */
  List<Param> params() {
    return Collections.unmodifiableList(params);
  }

  /** Whether 4-d tensors are kept channels-last. */
  boolean channelsLast() {
    return channelsLast;
  }

  /** Whether the forward pass computes in bfloat16. */
  boolean bf16() {
    return bf16;
  }

  /**
   * The forward pass of a float32 input to a float32 output (in bfloat16 in between when {@link
   * #bf16()}); every tensor it creates belongs to the caller's pointer scope.
   */
  Tensor forward(Tensor x) {
    if (!bf16) {
      return forward(steps, x, false);
    }
    return forward(steps, x.to(BF16), true).to(torch.ScalarType.Float);
  }

  private static Tensor forward(List<Step> steps, Tensor x, boolean bf16) {
    Tensor h = x;
    for (Step step : steps) {
      if (step instanceof ConvStep c) {
        h = bf16 ? c.conv().forwardBf16(h) : c.conv().forward(h);
        if (c.reluInPlace()) {
          h = h.relu_();
        }
      } else if (step instanceof ReluStep) {
        h = h.relu();
      } else if (step instanceof ResidualStep r) {
        h = h.add(forward(r.body(), h, bf16));
      } else if (step instanceof UpsampleStep u) {
        h = torch.upsample_nearest2d(h, h.size(2) * u.factor(), h.size(3) * u.factor());
      }
    }
    return h;
  }

  private static void closeSteps(List<Step> steps) {
    for (Step s : steps) {
      if (s instanceof ConvStep c) {
        c.conv().biasOption.close();
      } else if (s instanceof ResidualStep r) {
        closeSteps(r.body());
      }
    }
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
    closeSteps(steps);
    for (Param p : params) {
      p.tensor.close();
    }
  }
}
