package io.alrc.experiments.run;

/** Small statistics used by summaries and reports. NaN values are ignored where documented. */
public final class Stats {
  private Stats() {}

  /** Mean of the finite values; NaN if there are none. */
  public static double mean(double[] v) {
    double s = 0;
    int n = 0;
    for (double x : v) {
      if (Double.isFinite(x)) {
        s += x;
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }

  /** Sample standard deviation (n - 1) of the finite values; 0 for one value, NaN for none. */
  public static double sd(double[] v) {
    double m = mean(v);
    double s = 0;
    int n = 0;
    for (double x : v) {
      if (Double.isFinite(x)) {
        s += (x - m) * (x - m);
        n++;
      }
    }
    if (n == 0) {
      return Double.NaN;
    }
    return n == 1 ? 0 : Math.sqrt(s / (n - 1));
  }

  /** Largest finite value; NaN if there are none. */
  public static double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      if (Double.isFinite(x) && x > m) {
        m = x;
      }
    }
    return m == Double.NEGATIVE_INFINITY ? Double.NaN : m;
  }

  /** Mean of the finite values among the last {@code fraction} of {@code v} (at least one). */
  public static double tailMean(double[] v, double fraction) {
    int n = v.length;
    int k = Math.max(1, (int) Math.ceil(n * fraction));
    double[] tail = new double[Math.min(k, n)];
    System.arraycopy(v, n - tail.length, tail, 0, tail.length);
    return mean(tail);
  }

  /**
   * Boxcar (moving) average over a trailing window of {@code window} values, as the paper plots
   * its learning curves; the first values average over what is there. Non-finite values are
   * skipped.
   */
  public static double[] boxcar(double[] v, int window) {
    double[] out = new double[v.length];
    double sum = 0;
    int count = 0;
    for (int i = 0; i < v.length; i++) {
      if (Double.isFinite(v[i])) {
        sum += v[i];
        count++;
      }
      int drop = i - window;
      if (drop >= 0 && Double.isFinite(v[drop])) {
        sum -= v[drop];
        count--;
      }
      out[i] = count == 0 ? Double.NaN : sum / count;
    }
    return out;
  }
}
