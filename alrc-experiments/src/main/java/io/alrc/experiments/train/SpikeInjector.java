package io.alrc.experiments.train;

import io.alrc.experiments.data.Seeds;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Spike injection, to test stabilizers on known bad batches: at the listed steps, and otherwise
 * with probability {@code q} per step, one example of the batch (chosen uniformly) gets a corrupted
 * target, as from a detector whose gain and offset glitched for one frame:
 *
 * <pre>
 * target' = mean + 10 * (target - mean) + 10 * sd      (mean, sd: of that example's target;
 *                                                      sd taken as 1 for a constant target)
 * </pre>
 *
 * The error is then about 10 standard deviations everywhere and coherent with the image, so the
 * example's loss jumps by about two orders of magnitude (squared error) or four (quartic) and its
 * gradient does not average out over pixels (plain noise would, and barely disturbs training).
 * Every choice is a function of the seed and the step, so a resumed run injects the same spikes;
 * each injection is recorded in {@code metrics.csv} (column {@code injected}: the example's index,
 * else -1).
 */
public final class SpikeInjector {
  /** The gain applied about the mean, and the offset in standard deviations. */
  public static final double GAIN = 10;

  private static final long STREAM = 3;

  private final long seed;
  private final double probability;
  private final Set<Long> steps;

  /**
   * @param seed the run's seed
   * @param probability per-step probability, in [0, 1]
   * @param steps steps that always get a spike (may be null)
   */
  public SpikeInjector(long seed, double probability, List<Long> steps) {
    this.seed = seed;
    this.probability = probability;
    this.steps = steps == null ? Set.of() : new HashSet<>(steps);
  }

  /** Whether this injector ever injects. */
  public boolean active() {
    return probability > 0 || !steps.isEmpty();
  }

  /** {@code batch}, with one example's target corrupted if {@code step} gets a spike. */
  public Batch apply(long step, Batch batch) {
    if (!active()) {
      return batch;
    }
    SplittableRandom r = new SplittableRandom(Seeds.derive(seed, STREAM, step));
    boolean inject = r.nextDouble() < probability;
    if (!inject && !steps.contains(step)) {
      return batch;
    }
    int index = r.nextInt(batch.batch());
    int per = batch.targetChannels() * batch.height() * batch.width();
    float[] target = batch.target();
    int from = index * per;
    double sum = 0;
    double sumSq = 0;
    for (int i = from; i < from + per; i++) {
      sum += target[i];
      sumSq += (double) target[i] * target[i];
    }
    double mean = sum / per;
    double sd = Math.sqrt(Math.max(sumSq / per - mean * mean, 0));
    double offset = GAIN * (sd > 0 ? sd : 1);
    for (int i = from; i < from + per; i++) {
      target[i] = (float) (mean + GAIN * (target[i] - mean) + offset);
    }
    return batch.withInjected(index);
  }
}
