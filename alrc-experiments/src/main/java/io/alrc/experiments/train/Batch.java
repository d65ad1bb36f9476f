package io.alrc.experiments.train;

/**
 * One batch in NCHW float layout: {@code input} of shape {@code (batch, inputChannels, height,
 * width)} and {@code target} of shape {@code (batch, targetChannels, height, width)}.
 *
 * @param input the network input
 * @param target the target
 * @param batch examples
 * @param inputChannels channels of the input
 * @param targetChannels channels of the target
 * @param height image height
 * @param width image width
 * @param injected the example corrupted by spike injection, or -1
 */
public record Batch(
    float[] input,
    float[] target,
    int batch,
    int inputChannels,
    int targetChannels,
    int height,
    int width,
    int injected) {
  /** Checks the array lengths against the shape. */
  public Batch {
    if (input.length != (long) batch * inputChannels * height * width
        || target.length != (long) batch * targetChannels * height * width) {
      throw new IllegalArgumentException(
          "batch arrays of " + input.length + " and " + target.length
              + " values do not match the shape (" + batch + ", " + inputChannels + "/"
              + targetChannels + ", " + height + ", " + width + ")");
    }
  }

  /** The same batch with example {@code index} marked as injected. */
  public Batch withInjected(int index) {
    return new Batch(input, target, batch, inputChannels, targetChannels, height, width, index);
  }
}
