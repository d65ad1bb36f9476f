package io.alrc;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The configuration of adaptive learning rate clipping: every constant of the algorithm, validated
 * at construction.
 *
 * <p>The clipper keeps two running moments of the per-example loss, {@code mu1} (mean) and {@code
 * mu2} (mean of the square), and clips each loss at
 *
 * <pre>
 * sigma = sqrt(max(mu2 - mu1^2, 0) + eps)
 * lmax  = mu1 + n * sigma
 * mu1  &lt;- beta1 * mu1 + gamma1 * mean(out)
 * mu2  &lt;- beta2 * mu2 + gamma2 * mean(out^2)
 * </pre>
 *
 * where {@code gamma} is the weight given to the new observation. In the {@link #reference()}
 * profile (the authors' library function) {@code gamma = 1 - beta}; in the {@link #cifar2019(double)}
 * profile (what the authors' CIFAR-10 scripts ran) {@code beta = 0.997} and {@code gamma = 0.001}, so
 * the weights add up to 0.998 and the threshold sits below "n sigma above the mean".
 *
 * <h2>Defaults</h2>
 *
 * The defaults live in {@link Profile}: {@code reference}: n 3, beta 0.999, gamma 0.001, mu1(0) 25,
 * mu2(0) 900, eps 1e-8; {@code cifar2019}: n from the caller, beta 0.997, gamma 0.001, mu1(0) 10,
 * mu2(0) 400, eps 1e-3. Both allow {@value #DEFAULT_NON_FINITE_LIMIT} consecutive non-finite steps.
 *
 * <h2>Extensions (off by default)</h2>
 *
 * <ul>
 *   <li>{@code warmupLosses} K &gt; 0: the initial moments are the sample mean and mean square of
 *       the first example losses instead of the fixed guesses {@code initialMu1}, {@code
 *       initialMu2} (which depend on the loss scale). Until K losses have been seen, nothing is
 *       clipped. Steps count whole: the step that brings the count to K or more contributes all
 *       its losses, so with batches of B the estimate uses between K and K + B - 1 losses.
 *   <li>{@code lowerN}: a lower threshold {@code lmin = mu1 - lowerN * sigma}; a positive loss below
 *       it is scaled up to {@code lmin} (its scale {@code lmin / L_i} is then above 1, and grows
 *       without bound as {@code L_i} approaches 0: infinite for a loss below about {@code lmin *
 *       2^-1024}).
 * </ul>
 *
 * @param n threshold in standard deviations above the running mean; finite, &gt; 0
 * @param beta1 decay of the running mean {@code mu1}; in (0, 1)
 * @param beta2 decay of the running second moment {@code mu2}; in (0, 1)
 * @param gamma1 weight of a new observation in {@code mu1}; in (0, 1], {@code beta1 + gamma1 <= 1}
 * @param gamma2 weight of a new observation in {@code mu2}; in (0, 1], {@code beta2 + gamma2 <= 1}
 * @param initialMu1 {@code mu1(0)}, the initial running mean of the loss; finite, &gt;= 0
 * @param initialMu2 {@code mu2(0)}, the initial running mean of the squared loss; finite, &gt; {@code
 *     initialMu1^2}
 * @param eps added to the variance under the square root; finite, &gt;= 0. Keep it above 0: with
 *     0, {@code sigma} is 0 whenever {@code mu2 <= mu1^2}, and if {@code mu1} is then 0 too (after
 *     a long run of zero losses) {@code lmax} is 0, every positive loss gets scale 0 and the
 *     moments never move again
 * @param nonFiniteLimit the K-th consecutive step with a non-finite loss raises {@link
 *     NonFiniteLossException}; &gt;= 1
 * @param warmupLosses extension: number of example losses from which the initial moments are
 *     estimated; 0 (the default) uses {@code initialMu1} and {@code initialMu2}
 * @param lowerN extension: the lower threshold in standard deviations below the mean; empty (the
 *     default) for none, else finite and &gt; 0
 */
public record AlrcConfig(
    double n,
    double beta1,
    double beta2,
    double gamma1,
    double gamma2,
    double initialMu1,
    double initialMu2,
    double eps,
    int nonFiniteLimit,
    int warmupLosses,
    OptionalDouble lowerN) {

  /** Consecutive non-finite steps after which both profiles raise an error. */
  public static final int DEFAULT_NON_FINITE_LIMIT = 10;

  /** The two parameter sets of the paper's code. */
  public enum Profile {
    /** The authors' library function: n 3, beta 0.999, gamma 1 - beta, mu 25/900, eps 1e-8. */
    REFERENCE(3, 0.999, Double.NaN, 25, 900, 1e-8),
    /** The authors' CIFAR-10 scripts: beta 0.997, gamma 0.001, mu 10/400, eps 1e-3; n chosen per run. */
    CIFAR2019(3, 0.997, 0.001, 10, 400, 1e-3);

    private final double n;
    private final double beta;
    private final double gamma;
    private final double mu1;
    private final double mu2;
    private final double eps;

    Profile(double n, double beta, double gamma, double mu1, double mu2, double eps) {
      this.n = n;
      this.beta = beta;
      this.gamma = gamma;
      this.mu1 = mu1;
      this.mu2 = mu2;
      this.eps = eps;
    }

    /** The profile's name as the CLI and JSON files spell it: {@code reference}, {@code cifar2019}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code reference} or {@code cifar2019} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the allowed values for anything else
     */
    public static Profile parse(String id) {
      for (Profile p : values()) {
        if (p.id().equalsIgnoreCase(id.trim())) {
          return p;
        }
      }
      throw new IllegalArgumentException(
          "unknown ALRC profile '" + id + "': expected 'reference' or 'cifar2019'");
    }

    /** A builder holding this profile's defaults. */
    public Builder builder() {
      return new Builder(this);
    }
  }

  /** Validates every field; see the class documentation for the allowed ranges. */
  public AlrcConfig {
    if (!(Double.isFinite(n) && n > 0)) {
      throw bad("n", n, "must be finite and > 0");
    }
    checkBeta("beta1", beta1);
    checkBeta("beta2", beta2);
    checkGamma("gamma1", gamma1, "beta1", beta1);
    checkGamma("gamma2", gamma2, "beta2", beta2);
    if (!(Double.isFinite(initialMu1) && initialMu1 >= 0)) {
      throw bad("initialMu1", initialMu1, "must be finite and >= 0");
    }
    if (!(Double.isFinite(initialMu2) && initialMu2 > initialMu1 * initialMu1)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "initialMu2 (%s) must be finite and exceed initialMu1^2 (%s): the initial variance"
                  + " must be positive",
              initialMu2,
              initialMu1 * initialMu1));
    }
    if (!(Double.isFinite(eps) && eps >= 0)) {
      throw bad("eps", eps, "must be finite and >= 0");
    }
    if (nonFiniteLimit < 1) {
      throw bad("nonFiniteLimit", nonFiniteLimit, "must be >= 1");
    }
    if (warmupLosses < 0) {
      throw bad("warmupLosses", warmupLosses, "must be >= 0 (0 turns the extension off)");
    }
    if (lowerN == null) {
      throw new IllegalArgumentException("lowerN must not be null: use OptionalDouble.empty()");
    }
    if (lowerN.isPresent() && !(Double.isFinite(lowerN.getAsDouble()) && lowerN.getAsDouble() > 0)) {
      throw bad("lowerN", lowerN.getAsDouble(), "must be finite and > 0 when present");
    }
  }

  /** The {@code reference} profile with its defaults (n 3). */
  public static AlrcConfig reference() {
    return Profile.REFERENCE.builder().build();
  }

  /**
   * The {@code cifar2019} profile with threshold {@code n} (the authors ran 2, 3 and 4).
   *
   * @param n threshold in standard deviations; finite, &gt; 0
   */
  public static AlrcConfig cifar2019(double n) {
    return Profile.CIFAR2019.builder().n(n).build();
  }

  /** A builder starting from the {@code reference} profile's defaults. */
  public static Builder builder() {
    return Profile.REFERENCE.builder();
  }

  /** Standard deviation of the initial moments, {@code sqrt(max(mu2(0) - mu1(0)^2, 0) + eps)}. */
  public double initialSigma() {
    return Math.sqrt(Math.max(initialMu2 - initialMu1 * initialMu1, 0) + eps);
  }

  private static void checkBeta(String name, double beta) {
    if (!(beta > 0 && beta < 1)) {
      throw bad(name, beta, "must be in (0, 1)");
    }
  }

  private static void checkGamma(String name, double gamma, String betaName, double beta) {
    if (!(gamma > 0 && gamma <= 1)) {
      throw bad(name, gamma, "must be in (0, 1]");
    }
    if (beta + gamma > 1 + 1e-12) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s + %s (%s + %s) must be <= 1, or the running moments grow without bound",
              betaName,
              name,
              beta,
              gamma));
    }
  }

  private static IllegalArgumentException bad(String name, double value, String rule) {
    return new IllegalArgumentException(name + " (" + value + ") " + rule);
  }

  private static IllegalArgumentException bad(String name, int value, String rule) {
    return new IllegalArgumentException(name + " (" + value + ") " + rule);
  }

  /**
   * Builds an {@link AlrcConfig} from a profile's defaults. Setting {@link #beta(double)} in the
   * {@code reference} profile also sets the observation weight {@code gamma = 1 - beta} unless
   * {@link #gamma(double)} is given; in {@code cifar2019} the weight stays 0.001.
   */
  public static final class Builder {
    private final Profile profile;
    private double n;
    private double beta1;
    private double beta2;
    private Double gamma1;
    private Double gamma2;
    private double initialMu1;
    private double initialMu2;
    private double eps;
    private int nonFiniteLimit = DEFAULT_NON_FINITE_LIMIT;
    private int warmupLosses;
    private OptionalDouble lowerN = OptionalDouble.empty();

    private Builder(Profile profile) {
      this.profile = profile;
      this.n = profile.n;
      this.beta1 = profile.beta;
      this.beta2 = profile.beta;
      this.initialMu1 = profile.mu1;
      this.initialMu2 = profile.mu2;
      this.eps = profile.eps;
    }

    /** Threshold in standard deviations above the running mean. */
    public Builder n(double n) {
      this.n = n;
      return this;
    }

    /** Sets both decays, {@code beta1} and {@code beta2}. */
    public Builder beta(double beta) {
      this.beta1 = beta;
      this.beta2 = beta;
      return this;
    }

    /** Decay of the running mean. */
    public Builder beta1(double beta1) {
      this.beta1 = beta1;
      return this;
    }

    /** Decay of the running second moment. */
    public Builder beta2(double beta2) {
      this.beta2 = beta2;
      return this;
    }

    /** Sets both observation weights, {@code gamma1} and {@code gamma2}. */
    public Builder gamma(double gamma) {
      this.gamma1 = gamma;
      this.gamma2 = gamma;
      return this;
    }

    /** Observation weight of the running mean. */
    public Builder gamma1(double gamma1) {
      this.gamma1 = gamma1;
      return this;
    }

    /** Observation weight of the running second moment. */
    public Builder gamma2(double gamma2) {
      this.gamma2 = gamma2;
      return this;
    }

    /** {@code mu1(0)}. */
    public Builder initialMu1(double mu1) {
      this.initialMu1 = mu1;
      return this;
    }

    /** {@code mu2(0)}. */
    public Builder initialMu2(double mu2) {
      this.initialMu2 = mu2;
      return this;
    }

    /** Added to the variance under the square root. */
    public Builder eps(double eps) {
      this.eps = eps;
      return this;
    }

    /** The K-th consecutive non-finite step raises {@link NonFiniteLossException}. */
    public Builder nonFiniteLimit(int limit) {
      this.nonFiniteLimit = limit;
      return this;
    }

    /**
     * Extension: estimate the initial moments from the first {@code k} example losses (the step
     * that reaches {@code k} counts whole).
     */
    public Builder warmupLosses(int k) {
      this.warmupLosses = k;
      return this;
    }

    /** Extension: a lower threshold {@code mu1 - lowerN * sigma}. */
    public Builder lowerN(double lowerN) {
      this.lowerN = OptionalDouble.of(lowerN);
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the first invalid parameter and its allowed range
     */
    public AlrcConfig build() {
      double g1 = gamma1 != null ? gamma1 : defaultGamma(beta1);
      double g2 = gamma2 != null ? gamma2 : defaultGamma(beta2);
      return new AlrcConfig(
          n, beta1, beta2, g1, g2, initialMu1, initialMu2, eps, nonFiniteLimit, warmupLosses, lowerN);
    }

    private double defaultGamma(double beta) {
      return Double.isNaN(profile.gamma) ? 1 - beta : profile.gamma;
    }
  }
}
