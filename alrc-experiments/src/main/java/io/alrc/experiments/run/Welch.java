package io.alrc.experiments.run;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * Welch's t interval for the difference of two means with unequal variances:
 *
 * <pre>
 * d  = mean(a) - mean(b)
 * se = sqrt(var(a)/na + var(b)/nb)                       (sample variances, n - 1)
 * df = se^4 / ((var(a)/na)^2/(na-1) + (var(b)/nb)^2/(nb-1))   (Welch-Satterthwaite)
 * interval = d -/+ t(1 - (1-level)/2, df) * se
 * </pre>
 *
 * <p>Edge cases: fewer than two finite values in either sample gives {@link #UNDEFINED} (no
 * variance to estimate); two samples without spread (se = 0) give the point interval [d, d] with
 * df infinite. Non-finite values are ignored.
 *
 * @param difference {@code mean(a) - mean(b)}
 * @param lower the interval's lower end
 * @param upper the interval's upper end
 * @param df the Welch-Satterthwaite degrees of freedom
 */
public record Welch(double difference, double lower, double upper, double df) {
  /** The interval when a sample has fewer than two values. */
  public static final Welch UNDEFINED = new Welch(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

  /**
   * The {@code level} (e.g. 0.95) interval of {@code mean(a) - mean(b)}.
   *
   * @throws IllegalArgumentException if {@code level} is not in (0, 1)
   */
  public static Welch interval(double[] a, double[] b, double level) {
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException("level (" + level + ") must be in (0, 1)");
    }
    double[] x = finite(a);
    double[] y = finite(b);
    if (x.length < 2 || y.length < 2) {
      return UNDEFINED;
    }
    double d = Stats.mean(x) - Stats.mean(y);
    double va = Stats.sd(x) * Stats.sd(x) / x.length;
    double vb = Stats.sd(y) * Stats.sd(y) / y.length;
    double se = Math.sqrt(va + vb);
    if (se == 0) {
      return new Welch(d, d, d, Double.POSITIVE_INFINITY);
    }
    double df = (va + vb) * (va + vb) / (va * va / (x.length - 1) + vb * vb / (y.length - 1));
    double t = tQuantile(1 - (1 - level) / 2, df);
    return new Welch(d, d - t * se, d + t * se, df);
  }

  /** The {@code p} quantile of Student's t distribution with {@code df} (> 0, may be fractional). */
  public static double tQuantile(double p, double df) {
    return new TDistribution(null, df).inverseCumulativeProbability(p);
  }

  /** Whether the interval exists (both samples had at least two values). */
  public boolean defined() {
    return !Double.isNaN(difference);
  }

  /** Whether the interval excludes 0: the difference is significant at the interval's level. */
  public boolean excludesZero() {
    return defined() && (lower > 0 || upper < 0);
  }

  private static double[] finite(double[] v) {
    return java.util.Arrays.stream(v).filter(Double::isFinite).toArray();
  }
}
