package io.alrc.experiments.nn;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A task's network, described once and engine-neutrally: a sequence of layers that each training
 * engine realises with its own tensors. The description fixes the function and the initialisation
 * rule; how the initial values are drawn is the engine's (each engine draws them from the run's
 * seed).
 *
 * <p>The layers:
 *
 * <ul>
 *   <li>{@link Conv}: a 2-d convolution with bias, same padding ({@code kernel / 2}), the given
 *       stride; weights Glorot-uniform {@code U(-a, a)}, {@code a = sqrt(6 / (fanIn + fanOut))}
 *       with {@code fanIn = in * k * k}, {@code fanOut = out * k * k}; biases zero.
 *   <li>{@link Relu}: {@code max(x, 0)}.
 *   <li>{@link Residual}: {@code x + body(x)}; the body keeps the shape.
 *   <li>{@link Upsample}: nearest-neighbour upsampling by an integer factor in both directions.
 * </ul>
 *
 * Layer names are part of the description: engines name the parameters after them ({@code
 * NAME.weight}, {@code NAME.bias}) and checkpoints record those names. Immutable.
 *
 * @param name the network's name, e.g. {@code paper}
 * @param layers the layers, applied in order
 */
public record Network(String name, List<Layer> layers) {
  /** One layer of a {@link Network}. */
  public sealed interface Layer permits Conv, Relu, Residual, Upsample {}

  /**
   * A same-padded 2-d convolution with bias.
   *
   * @param name the layer's name (its parameters are {@code name.weight} and {@code name.bias})
   * @param in input channels
   * @param out output channels
   * @param kernel the square kernel's side (odd)
   * @param stride the stride in both directions
   */
  public record Conv(String name, int in, int out, int kernel, int stride) implements Layer {
    /** Checks the shape. */
    public Conv {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a convolution needs a name");
      }
      if (in < 1 || out < 1 || kernel < 1 || kernel % 2 == 0 || stride < 1) {
        throw new IllegalArgumentException(
            "convolution " + name + ": channels " + in + "->" + out + ", kernel " + kernel
                + ", stride " + stride + " (channels and stride >= 1, kernel odd)");
      }
    }

    /** Trainable values: the kernel and the bias. */
    public long parameterCount() {
      return (long) out * in * kernel * kernel + out;
    }

    /** The bound {@code a} of the Glorot-uniform weights, {@code sqrt(6 / (fanIn + fanOut))}. */
    public double glorotBound() {
      return Math.sqrt(6.0 / ((double) (in + out) * kernel * kernel));
    }
  }

  /** {@code max(x, 0)}. */
  public record Relu() implements Layer {}

  /**
   * {@code x + body(x)}.
   *
   * @param body the layers of the residual branch; their output has the input's shape
   */
  public record Residual(List<Layer> body) implements Layer {
    /** Copies the body. */
    public Residual {
      body = List.copyOf(body);
    }
  }

  /**
   * Nearest-neighbour upsampling.
   *
   * @param factor the integer factor in both directions, &gt;= 2
   */
  public record Upsample(int factor) implements Layer {
    /** Checks the factor. */
    public Upsample {
      if (factor < 2) {
        throw new IllegalArgumentException("upsampling factor (" + factor + ") must be >= 2");
      }
    }
  }

  /** Copies the layers and checks that layer names are unique. */
  public Network {
    layers = List.copyOf(layers);
    Set<String> names = new HashSet<>();
    for (Conv c : convs(layers, new ArrayList<>())) {
      if (!names.add(c.name())) {
        throw new IllegalArgumentException("network " + name + ": two layers are named " + c.name());
      }
    }
  }

  /** The convolutions in the order they are applied (which is also the parameters' order). */
  public List<Conv> convs() {
    return List.copyOf(convs(layers, new ArrayList<>()));
  }

  private static List<Conv> convs(List<Layer> layers, List<Conv> into) {
    for (Layer l : layers) {
      if (l instanceof Conv c) {
        into.add(c);
      } else if (l instanceof Residual r) {
        convs(r.body(), into);
      }
    }
    return into;
  }

  /** Trainable values of the whole network. */
  public long parameterCount() {
    long n = 0;
    for (Conv c : convs()) {
      n += c.parameterCount();
    }
    return n;
  }

  /** Input channels: those of the first convolution. */
  public int inputChannels() {
    return convs().get(0).in();
  }

  /** Output channels: those of the last convolution. */
  public int outputChannels() {
    List<Conv> c = convs();
    return c.get(c.size() - 1).out();
  }

  /**
   * A channel count scaled by {@code width}: {@code max(1, round(base * width))}, the rule every
   * network of the project follows.
   */
  public static int scaled(int base, double width) {
    if (!(width > 0) || Double.isInfinite(width)) {
      throw new IllegalArgumentException("width must be finite and > 0, got " + width);
    }
    return (int) Math.max(1, Math.round(base * width));
  }

  /** The residual block of the paper's networks: {@code x + relu(conv(relu(conv(x))))}. */
  public static Residual residual(String name, int channels) {
    return new Residual(List.of(
        new Conv(name + "a", channels, channels, 3, 1), new Relu(),
        new Conv(name + "b", channels, channels, 3, 1), new Relu()));
  }
}
