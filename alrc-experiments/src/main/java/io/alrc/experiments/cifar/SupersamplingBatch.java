package io.alrc.experiments.cifar;

/**
 * One batch of supersampling pairs in NCHW order: {@code input} and {@code target} each hold
 * {@code B x 3 x 32 x 32} floats, item {@code b} starting at {@code b * 3072}.
 *
 * <p>The arrays belong to this batch alone (nothing else refers to them), so a training loop may
 * wrap them into tensors without copying.
 */
public final class SupersamplingBatch {
  private final int[] indices;
  private final float[] input;
  private final float[] target;

  SupersamplingBatch(int[] indices, float[] input, float[] target) {
    this.indices = indices;
    this.input = input;
    this.target = target;
  }

  /**
   * The number of items, B.
   *
   * @return the batch size
   */
  public int size() {
    return indices.length;
  }

  /**
   * The tensor shape of {@link #input()} and {@link #target()}.
   *
   * @return {@code {B, 3, 32, 32}}
   */
  public long[] shape() {
    return new long[] {indices.length, Cifar10.CHANNELS, Cifar10.SIZE, Cifar10.SIZE};
  }

  /**
   * The dataset index of each item.
   *
   * @return the batch's own array (length B)
   */
  public int[] indices() {
    return indices;
  }

  /**
   * The network inputs: standardised images resized to 16x16 and back to 32x32.
   *
   * @return the batch's own array (B * 3072 floats, NCHW)
   */
  public float[] input() {
    return input;
  }

  /**
   * The targets: the standardised 32x32 images.
   *
   * @return the batch's own array (B * 3072 floats, NCHW)
   */
  public float[] target() {
    return target;
  }
}
