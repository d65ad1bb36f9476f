package io.alrc.experiments.stem;

import java.util.SplittableRandom;

/**
 * The random numbers of this package: a {@link SplittableRandom} plus the few distributions the
 * generator needs, built only from {@code SplittableRandom}'s specified bit stream and {@link
 * StrictMath}, so a seed gives the same numbers on every JVM and machine.
 *
 * <p>{@link java.util.Random#nextGaussian()} and {@code RandomGenerator.nextGaussian()} are avoided
 * on purpose: the latter may use {@link Math} functions whose last bit can differ between
 * platforms. Not thread-safe; one per image.
 */
final class Rng {
  /** Below this mean {@link #poisson(double)} is exact. */
  static final double POISSON_NORMAL_ABOVE = 32;

  private final SplittableRandom random;

  Rng(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** Uniform in [0, 1). */
  double uniform() {
    return random.nextDouble();
  }

  /** Uniform in [lo, hi); {@code lo} when the interval is empty. */
  double uniform(double lo, double hi) {
    return hi > lo ? lo + (hi - lo) * random.nextDouble() : lo;
  }

  /** Log-uniform in [lo, hi); both &gt; 0. */
  double logUniform(double lo, double hi) {
    return hi > lo ? lo * StrictMath.exp(StrictMath.log(hi / lo) * random.nextDouble()) : lo;
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  int intBetween(int lo, int hi) {
    return hi > lo ? lo + random.nextInt(hi - lo + 1) : lo;
  }

  /** 64 random bits. */
  long nextLong() {
    return random.nextLong();
  }

  /** Uniform integer in [0, bound). */
  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  /** True with probability {@code p}. */
  boolean chance(double p) {
    return random.nextDouble() < p;
  }

  /**
   * A standard normal variate: the ziggurat method of Marsaglia and Tsang (2000), 128 layers,
   * tables built once with StrictMath. About 98% of calls cost one 64-bit draw and a multiply; the
   * rest fall back to {@code StrictMath.exp} or {@code log}. Bits 0-6 of the draw choose the layer
   * and bits 32-63 give the value, so the two are independent.
   */
  double gaussian() {
    while (true) {
      long bits = random.nextLong();
      int layer = (int) (bits & 127);
      int hz = (int) (bits >> 32);
      double x = hz * ZIG_W[layer];
      if (Math.abs((long) hz) < ZIG_K[layer]) {
        return x; // inside the layer's rectangle
      }
      if (layer == 0) {
        // The tail beyond r, by Marsaglia's exponential method.
        double tx;
        double ty;
        do {
          tx = -StrictMath.log(nextOpenUniform()) / ZIG_R;
          ty = -StrictMath.log(nextOpenUniform());
        } while (ty + ty < tx * tx);
        return hz > 0 ? ZIG_R + tx : -ZIG_R - tx;
      }
      // The wedge between this layer's rectangle and the curve.
      if (ZIG_F[layer] + random.nextDouble() * (ZIG_F[layer - 1] - ZIG_F[layer])
          < StrictMath.exp(-0.5 * x * x)) {
        return x;
      }
    }
  }

  private double nextOpenUniform() {
    double u;
    do {
      u = random.nextDouble();
    } while (u == 0);
    return u;
  }

  private static final double ZIG_R = 3.442619855899;
  private static final double ZIG_V = 9.91256303526217e-3;
  private static final long[] ZIG_K = new long[128];
  private static final double[] ZIG_W = new double[128];
  private static final double[] ZIG_F = new double[128];

  static {
    // Marsaglia and Tsang's table set-up for 128 layers of equal area ZIG_V.
    double m = 2147483648.0; // 2^31: hz is a signed 32-bit integer
    double dn = ZIG_R;
    double tn = dn;
    double q = ZIG_V / StrictMath.exp(-0.5 * dn * dn);
    ZIG_K[0] = (long) ((dn / q) * m);
    ZIG_K[1] = 0;
    ZIG_W[0] = q / m;
    ZIG_W[127] = dn / m;
    ZIG_F[0] = 1;
    ZIG_F[127] = StrictMath.exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; i--) {
      dn = StrictMath.sqrt(-2 * StrictMath.log(ZIG_V / dn + StrictMath.exp(-0.5 * dn * dn)));
      ZIG_K[i + 1] = (long) ((dn / tn) * m);
      tn = dn;
      ZIG_F[i] = StrictMath.exp(-0.5 * dn * dn);
      ZIG_W[i] = dn / m;
    }
  }

  /**
   * A Poisson variate with mean {@code lambda}: exact (inversion of the cumulative distribution)
   * for {@code lambda <} {@value #POISSON_NORMAL_ABOVE}, else the normal approximation {@code
   * round(lambda + sqrt(lambda) z)} clipped at 0. At {@code lambda = 32} the approximation's
   * largest error in a cumulative probability is 1.2% (and shrinks as {@code 1 / sqrt(lambda)}),
   * far below what can be seen in an image that carries {@code sqrt(32) / 32 = 18%} shot noise;
   * it keeps the cost per pixel constant.
   */
  double poisson(double lambda) {
    if (!(lambda > 0)) {
      return 0;
    }
    if (lambda >= POISSON_NORMAL_ABOVE) {
      double k = StrictMath.rint(lambda + StrictMath.sqrt(lambda) * gaussian());
      return k > 0 ? k : 0;
    }
    double u = random.nextDouble();
    double p = expNegative(lambda);
    double cumulative = p;
    int k = 0;
    // The tail beyond 12 * 32 has probability far below 2^-53; the bound only guards rounding.
    while (u > cumulative && k < 400) {
      k++;
      p *= lambda / k;
      cumulative += p;
    }
    return k;
  }

  /**
   * {@code exp(-x)} for x in [0, 32) from a table at steps of 1/256 and a 5-term Taylor series for
   * the remainder (relative error below 1e-13): arithmetic only, so it is as deterministic as
   * StrictMath and several times faster.
   */
  static double expNegative(double x) {
    int m = (int) (x * EXP_STEPS);
    double r = x - m / (double) EXP_STEPS;
    double series = 1 - r * (1 - r * (0.5 - r * (1.0 / 6 - r * (1.0 / 24 - r / 120))));
    return EXP_TABLE[m] * series;
  }

  private static final int EXP_STEPS = 256;
  private static final double[] EXP_TABLE = new double[(int) POISSON_NORMAL_ABOVE * EXP_STEPS + 1];

  static {
    for (int i = 0; i < EXP_TABLE.length; i++) {
      EXP_TABLE[i] = StrictMath.exp(-i / (double) EXP_STEPS);
    }
  }


  /**
   * The seed of image {@code index} of a stream: a 64-bit mix (the "mix13" finaliser of
   * SplittableRandom's family) of the stream seed and the index, so neighbouring indices give
   * unrelated images.
   */
  static long mix(long streamSeed, long index) {
    long z = streamSeed + 0x9E3779B97F4A7C15L * (index + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
