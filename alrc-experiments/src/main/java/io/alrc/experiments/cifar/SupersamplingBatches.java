package io.alrc.experiments.cifar;

import io.alrc.experiments.data.Seeds;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The training batches of the supersampling experiment, each a pure function of {@code (dataset,
 * batch size, seed, step)}.
 *
 * <h2>Sampling: epoch shuffles</h2>
 *
 * The training stream is an endless sequence of positions {@code p = 0, 1, 2, ...}; step {@code k}
 * takes positions {@code k*B .. k*B + B - 1}. Position p is example {@code perm_e[p mod N]} of
 * epoch {@code e = p / N}, where {@code perm_e} is a Fisher-Yates shuffle of {@code 0..N-1} drawn
 * from {@code SplittableRandom(Seeds.derive(seed, ORDER_STREAM, e))}. So every example appears
 * once per epoch, and a batch may span two epochs. (The authors' TensorFlow input queue shuffled
 * through a 4,000-example buffer, which also visits each example about once per pass.)
 *
 * <h2>Augmentation</h2>
 *
 * The example at position p is augmented with {@code Augmentation.draw(new
 * SplittableRandom(Seeds.derive(seed, AUGMENT_STREAM, p)))}, then passed through {@link
 * SupersamplingPipeline}.
 *
 * <h2>Checkpoints</h2>
 *
 * No generator state needs saving: to resume at step k, build a new instance with the same
 * dataset (same files in the same order), batch size and seed, and ask for {@code batch(k)}. The
 * batches are then identical to those of an uninterrupted run.
 *
 * <p>Holds a pipeline and a cache of the last two epoch permutations, so an instance is <b>not
 * thread-safe</b>; use one per thread (instances with equal arguments give equal batches).
 */
public final class SupersamplingBatches {
  /** Derivation key for the epoch permutations. */
  public static final long ORDER_STREAM = 1;

  /** Derivation key for the per-position augmentation. */
  public static final long AUGMENT_STREAM = 2;

  private final Cifar10Dataset data;
  private final int batchSize;
  private final long seed;
  private final SupersamplingPipeline pipeline = new SupersamplingPipeline();
  private final long[] cachedEpoch = {-1, -1};
  private final int[][] cachedPerm = new int[2][];
  private int nextSlot;

  /**
   * A batch builder.
   *
   * @param data the training images; at least one
   * @param batchSize B, items per batch; &gt;= 1
   * @param seed the run seed
   */
  public SupersamplingBatches(Cifar10Dataset data, int batchSize, long seed) {
    this.data = Objects.requireNonNull(data, "data");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize (" + batchSize + ") must be >= 1");
    }
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /**
   * Items per batch.
   *
   * @return B
   */
  public int batchSize() {
    return batchSize;
  }

  /**
   * The run seed.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /**
   * The training images.
   *
   * @return the dataset
   */
  public Cifar10Dataset dataset() {
    return data;
  }

  /**
   * The batch of step {@code step}, in newly allocated arrays.
   *
   * @param step the training step, 0-based; &gt;= 0
   * @return the batch
   */
  public SupersamplingBatch batch(long step) {
    int[] indices = new int[batchSize];
    float[] input = new float[batchSize * SupersamplingPipeline.VALUES];
    float[] target = new float[batchSize * SupersamplingPipeline.VALUES];
    fill(step, indices, input, target);
    return new SupersamplingBatch(indices, input, target);
  }

  /**
   * Writes the batch of step {@code step} into the caller's arrays (to reuse them across steps).
   *
   * @param step the training step, 0-based; &gt;= 0
   * @param indices receives the B dataset indices; may be null
   * @param input receives B x 3 x 32 x 32 inputs (NCHW)
   * @param target receives B x 3 x 32 x 32 targets (NCHW)
   */
  public void fill(long step, int[] indices, float[] input, float[] target) {
    if (step < 0) {
      throw new IllegalArgumentException("step (" + step + ") must be >= 0");
    }
    int values = batchSize * SupersamplingPipeline.VALUES;
    if (input.length < values || target.length < values) {
      throw new IllegalArgumentException(
          "input (" + input.length + ") and target (" + target.length + ") must hold at least B"
              + " x 3072 = " + values + " floats");
    }
    long first = Math.multiplyExact(step, (long) batchSize);
    for (int b = 0; b < batchSize; b++) {
      long position = first + b;
      int index = exampleAt(position);
      if (indices != null) {
        indices[b] = index;
      }
      int off = b * SupersamplingPipeline.VALUES;
      pipeline.pair(data, index, augmentationAt(position), input, off, target, off);
    }
  }

  /**
   * The dataset index at a position of the training stream (see the class comment).
   *
   * @param position the position, {@code step * B + item}; &gt;= 0
   * @return the dataset index
   */
  public int exampleAt(long position) {
    int n = data.size();
    long epoch = position / n;
    return permutation(epoch)[(int) (position % n)];
  }

  /**
   * The augmentation of the example at a position of the training stream.
   *
   * @param position the position, {@code step * B + item}; &gt;= 0
   * @return the random choices
   */
  public Augmentation augmentationAt(long position) {
    return Augmentation.draw(new SplittableRandom(Seeds.derive(seed, AUGMENT_STREAM, position)));
  }

  /**
   * Evaluation pairs without augmentation for dataset images {@code start .. start + count - 1}.
   *
   * @param data the evaluation images
   * @param start the first index
   * @param count the number of images; &gt;= 1
   * @return the batch
   */
  public static SupersamplingBatch evaluation(Cifar10Dataset data, int start, int count) {
    if (count < 1 || start < 0 || (long) start + count > data.size()) {
      throw new IllegalArgumentException(
          "images "
              + start
              + ".."
              + ((long) start + count - 1)
              + " are not within 0.."
              + (data.size() - 1)
              + " of "
              + data.files());
    }
    SupersamplingPipeline p = new SupersamplingPipeline();
    int[] indices = new int[count];
    float[] input = new float[count * SupersamplingPipeline.VALUES];
    float[] target = new float[count * SupersamplingPipeline.VALUES];
    for (int b = 0; b < count; b++) {
      indices[b] = start + b;
      int off = b * SupersamplingPipeline.VALUES;
      p.pair(data, start + b, Augmentation.NONE, input, off, target, off);
    }
    return new SupersamplingBatch(indices, input, target);
  }

  private int[] permutation(long epoch) {
    for (int s = 0; s < 2; s++) {
      if (cachedEpoch[s] == epoch) {
        return cachedPerm[s];
      }
    }
    int n = data.size();
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, ORDER_STREAM, epoch));
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    cachedEpoch[nextSlot] = epoch;
    cachedPerm[nextSlot] = perm;
    nextSlot ^= 1;
    return perm;
  }
}
