package io.alrc.experiments.run;

import java.util.Arrays;
import java.util.Locale;

/**
 * A confidence interval for the difference of two arms' mean final errors (a stabilizer minus the
 * baseline), computed either on seed-matched pairs or, where the arms do not share seeds, by Welch.
 *
 * <p>Paired (Student t on the per-seed differences; the arms of a sweep share seeds, so the same
 * data order and initial weights):
 *
 * <pre>
 * d_i = a_i - b_i                  (i = 1..n, the runs of both arms with seed i)
 * d   = mean(d_i)
 * se  = sd(d_i) / sqrt(n)          (sample sd, n - 1)
 * interval = d -/+ t(1 - (1-level)/2, n - 1) * se
 * </pre>
 *
 * <p>Welch: {@link Welch#interval}. Which one a comparison uses is {@link Comparison}'s rule.
 *
 * <p>Edge cases: fewer than two pairs (paired) or fewer than two values in an arm (Welch) give an
 * undefined interval ({@link #defined()} false); no spread gives the point interval [d, d].
 *
 * @param method how the interval was computed
 * @param na values of the first arm used (paired: the number of pairs)
 * @param nb values of the second arm used (paired: the number of pairs)
 * @param leftOut runs of either arm not used (paired: their seed has no finished partner run)
 * @param difference {@code d}: the mean difference (paired) or the difference of means (Welch)
 * @param lower the interval's lower end
 * @param upper the interval's upper end
 * @param df the degrees of freedom of the t quantile ({@code n - 1}, or Welch-Satterthwaite)
 */
public record Difference(Method method, int na, int nb, int leftOut, double difference, double lower,
    double upper, double df) {
  /** How a {@link Difference} was computed. */
  public enum Method {
    /** Student t on seed-matched differences. */
    PAIRED,
    /** Welch's t for two independent samples. */
    WELCH
  }

  /**
   * The paired interval of {@code mean(a[i] - b[i])}; pairs with a non-finite value are dropped.
   *
   * @param a the first arm's values, one per seed
   * @param b the second arm's values for the same seeds, in the same order
   * @param level the confidence level, in (0, 1)
   * @param leftOut runs not used, recorded in {@link #leftOut()}
   * @throws IllegalArgumentException if the lengths differ or {@code level} is not in (0, 1)
   */
  public static Difference paired(double[] a, double[] b, double level, int leftOut) {
    checkLevel(level);
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "paired values: a has " + a.length + " values, b has " + b.length + "; they must match");
    }
    double[] d = new double[a.length];
    int n = 0;
    for (int i = 0; i < a.length; i++) {
      if (Double.isFinite(a[i]) && Double.isFinite(b[i])) {
        d[n++] = a[i] - b[i];
      }
    }
    d = Arrays.copyOf(d, n);
    if (n < 2) {
      return new Difference(Method.PAIRED, n, n, leftOut, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    double mean = Stats.mean(d);
    double se = Stats.sd(d) / Math.sqrt(n);
    if (se == 0) {
      return new Difference(Method.PAIRED, n, n, leftOut, mean, mean, mean, n - 1);
    }
    double t = Welch.tQuantile(1 - (1 - level) / 2, n - 1);
    return new Difference(Method.PAIRED, n, n, leftOut, mean, mean - t * se, mean + t * se, n - 1);
  }

  /**
   * Welch's interval of {@code mean(a) - mean(b)} ({@link Welch#interval}); non-finite values are
   * ignored.
   *
   * @throws IllegalArgumentException if {@code level} is not in (0, 1)
   */
  public static Difference welch(double[] a, double[] b, double level) {
    checkLevel(level);
    Welch w = Welch.interval(a, b, level);
    int na = (int) Arrays.stream(a).filter(Double::isFinite).count();
    int nb = (int) Arrays.stream(b).filter(Double::isFinite).count();
    return new Difference(Method.WELCH, na, nb, 0, w.difference(), w.lower(), w.upper(), w.df());
  }

  private static void checkLevel(double level) {
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException("level (" + level + ") must be in (0, 1)");
    }
  }

  /** Whether the interval exists (two pairs, or two values in each arm). */
  public boolean defined() {
    return !Double.isNaN(difference);
  }

  /** Whether the interval excludes 0: the difference is significant at the interval's level. */
  public boolean excludesZero() {
    return defined() && (lower > 0 || upper < 0);
  }

  /**
   * The method as the report names it: {@code paired, n = 5}, {@code paired, n = 4 (1 unmatched run
   * left out)}, {@code Welch, n = 3 and 4}.
   */
  public String label() {
    if (method == Method.PAIRED) {
      String s = "paired, n = " + na;
      if (leftOut > 0) {
        s += String.format(Locale.ROOT, " (%d unmatched run%s left out)", leftOut, leftOut == 1 ? "" : "s");
      }
      return s;
    }
    return "Welch, n = " + na + " and " + nb;
  }
}
