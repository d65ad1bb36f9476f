package io.alrc.experiments.data;

/**
 * Derives independent 64-bit seeds from a run seed and a path of keys, so that every random choice
 * of a data pipeline can be recomputed from {@code (seed, keys...)} alone.
 *
 * <p>Example: the augmentation of the example at position {@code p} of the training stream uses
 * {@code new SplittableRandom(Seeds.derive(seed, AUGMENT_STREAM, p))}. Resuming at any step then
 * needs no saved generator state: the seed and the step number reproduce the same draws.
 *
 * <pre>
 * h = mix64(seed + 0x9e3779b97f4a7c15)
 * for each key k:  h = mix64(h * 0xd1342543de82ef95 + mix64(k ^ 0x632be59bd9b4e019))
 * </pre>
 *
 * with {@code mix64} the SplitMix64 finaliser (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014). The odd multiplication makes the combination
 * asymmetric, so {@code derive(1, 0) != derive(0, 1)}. The values are part of the project's
 * reproducibility contract: changing this class changes every derived random choice.
 */
public final class Seeds {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
  private static final long KEY_MULTIPLIER = 0xd1342543de82ef95L;
  private static final long KEY_SALT = 0x632be59bd9b4e019L;

  private Seeds() {}

  /**
   * A seed derived from {@code seed} and the keys, in order.
   *
   * @param seed the run seed
   * @param keys the derivation path, e.g. a stream id then an index
   * @return the derived seed
   */
  public static long derive(long seed, long... keys) {
    long h = mix64(seed + GOLDEN_GAMMA);
    for (long k : keys) {
      // The running value is multiplied (odd constant) before the key is added, so the
      // combination is not symmetric in the seed and the keys: derive(1, 0) != derive(0, 1).
      h = mix64(h * KEY_MULTIPLIER + mix64(k ^ KEY_SALT));
    }
    return h;
  }

  /**
   * The SplitMix64 finaliser: a bijective avalanche mix of 64 bits.
   *
   * @param z the input
   * @return the mixed value
   */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
