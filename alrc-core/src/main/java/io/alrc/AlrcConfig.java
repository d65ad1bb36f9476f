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
 * <h2>Where the moments start: fixed initial moments or the auto start</h2>
 *
 * The authors start from fixed guesses {@code mu1(0)}, {@code mu2(0)} ({@link #initialMu1()},
 * {@link #initialMu2()}), which depend on the loss scale: with 25/900 the threshold starts near 75
 * and takes thousands of steps to come down to losses of order 1. The <b>auto start</b> (the
 * {@link Profile#AUTO auto} profile, the default of {@link #builder()}; {@link #warmup()} K &gt; 0,
 * no initial moments) needs no guess and is scale-free:
 *
 * <ol>
 *   <li><b>Warm-up</b>, while fewer than K example losses have been seen (the step that reaches K
 *       counts whole). The threshold is a robust bound from the positive warm-up losses so far,
 *       this step's included: with {@code med} their median (the {@code ceil(P/2)}-th smallest of
 *       P) and {@code mad} the median of their absolute deviations {@code |L - med|} (the {@code
 *       ceil(P/2)}-th smallest),
 *       <pre>
 * bound = med + {@value #WARMUP_SPREAD} * {@value #MAD_SCALE} * mad     # once P &gt;= {@value #WARMUP_MIN_POSITIVE}; before that, no clipping</pre>
 *       A loss at or above it is clipped to it, as above {@code lmax}. The moments are those of
 *       all warm-up losses (zeros included) clipped at the latest bound, recomputed each step, so a
 *       spike at any point of the warm-up, even the very first loss, is clipped in the statistics
 *       once the bound knows better.
 *   <li><b>Afterwards</b> ALRC as above, with the relative variance floor {@code sigma = sqrt(max(
 *       mu2 - mu1^2, 0) + eps * mu2)} and Adam's bias-corrected weights: the t-th finite step
 *       (warm-up steps counted) updates {@code mu <- mu + w_t * (mean - mu)} with {@code w_t =
 *       (1 - beta) / (1 - beta^t)}, so the warm-up's moments weigh as much as its t steps and the
 *       weights decay to the authors' {@code 1 - beta}. A threshold of 0 (only zero losses so far)
 *       clips nothing.
 * </ol>
 *
 * Guarantees (checked by tests): multiplying every loss by {@code c > 0} leaves every scale
 * unchanged and multiplies thresholds, outputs and moments by {@code c} (bit for bit for a power of
 * two, to rounding otherwise); the first threshold after the warm-up is at most {@code ((1 +
 * sqrt(1 + n^2)) / 2 + n * sqrt(eps)) * bound} (2.08 bounds at n 3), and while fewer than half of
 * the P positive warm-up losses are spikes, whatever their size, the bound is at most {@code c_m +
 * 8.8956 * (c_m - c_1)} in the clean losses' order statistics ({@code c_1} the smallest, {@code
 * c_m} the {@code ceil(P/2)}-th smallest clean loss); on a stationary stream the clip rate
 * converges to {@code P(L >= T*)} at the fixed point {@code T* = E[min(L, T*)] + n * sd(min(L,
 * T*))} (2.52% for exponential losses at n 3, {@code T*} 3.68 times their mean). The study behind the design and its constants is
 * {@code docs/alrc-auto.md}.
 *
 * <h2>Defaults</h2>
 *
 * The defaults live in {@link Profile}: {@code auto}: n 3, beta 0.999, gamma 1 - beta, the auto
 * start with warm-up K {@value #DEFAULT_WARMUP}, eps 1e-8 (relative); {@code reference}: n 3, beta
 * 0.999, gamma 0.001, mu1(0) 25, mu2(0) 900, eps 1e-8; {@code cifar2019}: n from the caller, beta
 * 0.997, gamma 0.001, mu1(0) 10, mu2(0) 400, eps 1e-3. All allow {@value #DEFAULT_NON_FINITE_LIMIT}
 * consecutive non-finite steps.
 *
 * <h2>Extensions (off by default)</h2>
 *
 * <ul>
 *   <li>{@code warmupLosses} K &gt; 0 (legacy, kept so that runs and snapshots that use it continue
 *       unchanged; prefer the auto start): with fixed initial moments, the moments are replaced by
 *       the plain sample mean and mean square of the first example losses. Until K losses have
 *       been seen, nothing is clipped. Steps count whole: the step that brings the count to K or
 *       more contributes all its losses, so with batches of B the estimate uses between K and K +
 *       B - 1 losses. A spike among them inflates the threshold for a long time.
 *   <li>{@code lowerN}: a lower threshold {@code lmin = mu1 - lowerN * sigma}; a positive loss below
 *       it is scaled up to {@code lmin} (its scale {@code lmin / L_i} is then above 1, and grows
 *       without bound as {@code L_i} approaches 0: infinite for a loss below about {@code lmin *
 *       2^-1024}). Off during any warm-up.
 * </ul>
 *
 * @param n threshold in standard deviations above the running mean; finite, &gt; 0
 * @param beta1 decay of the running mean {@code mu1}; in (0, 1)
 * @param beta2 decay of the running second moment {@code mu2}; in (0, 1)
 * @param gamma1 weight of a new observation in {@code mu1}; in (0, 1], {@code beta1 + gamma1 <= 1};
 *     with the auto start {@code 1 - beta1}
 * @param gamma2 weight of a new observation in {@code mu2}; in (0, 1], {@code beta2 + gamma2 <= 1};
 *     with the auto start {@code 1 - beta2}
 * @param initialMu1 {@code mu1(0)}, the initial running mean of the loss; finite, &gt;= 0; NaN with
 *     the auto start (there is none)
 * @param initialMu2 {@code mu2(0)}, the initial running mean of the squared loss; finite, &gt; {@code
 *     initialMu1^2}; NaN with the auto start
 * @param eps added to the variance under the square root; finite, &gt;= 0. With fixed initial
 *     moments it is absolute (the authors' rule); keep it above 0 there: with 0, {@code sigma} is 0
 *     whenever {@code mu2 <= mu1^2}, and if {@code mu1} is then 0 too (after a long run of zero
 *     losses) {@code lmax} is 0, every positive loss gets scale 0 and the moments never move again.
 *     With the auto start it is relative, {@code eps * mu2} is added, so the threshold keeps the
 *     losses' scale
 * @param nonFiniteLimit the K-th consecutive step with a non-finite loss raises {@link
 *     NonFiniteLossException}; &gt;= 1
 * @param warmupLosses legacy extension: number of example losses whose plain mean replaces fixed
 *     initial moments; 0 (the default) for none; only with fixed initial moments
 * @param lowerN extension: the lower threshold in standard deviations below the mean; empty (the
 *     default) for none, else finite and &gt; 0
 * @param warmup the auto start's warm-up length K in example losses, &gt;= {@value
 *     #MIN_WARMUP}; 0 for fixed initial moments. The auto start is on exactly when {@code warmup >
 *     0}, and then the initial moments are NaN
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
    OptionalDouble lowerN,
    int warmup) {

  /** Consecutive non-finite steps after which every profile raises an error. */
  public static final int DEFAULT_NON_FINITE_LIMIT = 10;

  /** The auto profile's warm-up length K, in example losses. */
  public static final int DEFAULT_WARMUP = 64;

  /** The shortest warm-up the auto start accepts, in example losses. */
  public static final int MIN_WARMUP = 8;

  /**
   * How many robust standard deviations ({@link #MAD_SCALE} times the median absolute deviation)
   * above the median the warm-up clips.
   */
  public static final double WARMUP_SPREAD = 6;

  /**
   * The factor that makes the median absolute deviation a consistent estimate of the standard
   * deviation of normal data, {@code 1 / Phi^-1(3/4)}.
   */
  public static final double MAD_SCALE = 1.4826;

  /** Positive warm-up losses needed before the warm-up bound clips anything. */
  public static final int WARMUP_MIN_POSITIVE = 4;

  /**
   * The named parameter sets: the scale-free default and the two of the paper's code, which stay
   * exactly the authors'.
   */
  public enum Profile {
    /**
     * The default: the authors' n 3, beta 0.999, gamma 1 - beta with the auto start (warm-up K
     * {@value AlrcConfig#DEFAULT_WARMUP}, no initial moments) and eps 1e-8 relative.
     */
    AUTO(3, 0.999, Double.NaN, Double.NaN, Double.NaN, 1e-8, DEFAULT_WARMUP),
    /** The authors' library function: n 3, beta 0.999, gamma 1 - beta, mu 25/900, eps 1e-8. */
    REFERENCE(3, 0.999, Double.NaN, 25, 900, 1e-8, 0),
    /** The authors' CIFAR-10 scripts: beta 0.997, gamma 0.001, mu 10/400, eps 1e-3; n chosen per run. */
    CIFAR2019(3, 0.997, 0.001, 10, 400, 1e-3, 0);

    private final double n;
    private final double beta;
    private final double gamma;
    private final double mu1;
    private final double mu2;
    private final double eps;
    private final int warmup;

    Profile(double n, double beta, double gamma, double mu1, double mu2, double eps, int warmup) {
      this.n = n;
      this.beta = beta;
      this.gamma = gamma;
      this.mu1 = mu1;
      this.mu2 = mu2;
      this.eps = eps;
      this.warmup = warmup;
    }

    /**
     * The profile's name as the CLI and JSON files spell it: {@code auto}, {@code reference},
     * {@code cifar2019}.
     */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code auto}, {@code reference} or {@code cifar2019} (case-insensitive, trimmed).
     *
     * @throws IllegalArgumentException naming the allowed values for anything else
     */
    public static Profile parse(String id) {
      if (id != null) {
        for (Profile p : values()) {
          if (p.id().equalsIgnoreCase(id.trim())) {
            return p;
          }
        }
      }
      throw new IllegalArgumentException(
          "unknown ALRC profile '" + id + "': expected 'auto', 'reference' or 'cifar2019'");
    }

    /** A builder holding this profile's defaults. */
    public Builder builder() {
      return new Builder(this);
    }
  }

  /**
   * A configuration with fixed initial moments (no auto start): the canonical constructor with
   * {@code warmup} 0, as this record was before the auto start.
   */
  public AlrcConfig(
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
    this(
        n, beta1, beta2, gamma1, gamma2, initialMu1, initialMu2, eps, nonFiniteLimit, warmupLosses,
        lowerN, 0);
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
    if (warmup < 0) {
      throw bad("warmup", warmup, "must be >= 0 (0 for fixed initial moments)");
    }
    if (warmup > 0) {
      checkAuto(warmup, beta1, beta2, gamma1, gamma2, initialMu1, initialMu2, warmupLosses);
    } else if (!(Double.isFinite(initialMu1) && initialMu1 >= 0)) {
      throw bad("initialMu1", initialMu1, "must be finite and >= 0");
    } else if (!(Double.isFinite(initialMu2) && initialMu2 > initialMu1 * initialMu1)) {
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

  private static void checkAuto(
      int warmup,
      double beta1,
      double beta2,
      double gamma1,
      double gamma2,
      double initialMu1,
      double initialMu2,
      int warmupLosses) {
    if (warmup < MIN_WARMUP) {
      throw bad("warmup", warmup, "must be >= " + MIN_WARMUP + " example losses, or 0 for fixed"
          + " initial moments");
    }
    if (!Double.isNaN(initialMu1) || !Double.isNaN(initialMu2)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "initial moments (%s, %s) and warmup (%d) exclude each other: the auto start"
                  + " estimates the moments from the first %d losses; set initialMoments(mu1, mu2)"
                  + " or warmup(K), not both",
              initialMu1,
              initialMu2,
              warmup,
              warmup));
    }
    if (warmupLosses != 0) {
      throw new IllegalArgumentException(
          "warmupLosses ("
              + warmupLosses
              + ") is the legacy plain-mean warm-up of fixed initial moments and cannot be combined"
              + " with the auto start (warmup "
              + warmup
              + "): use warmup(K) alone, or a profile with initial moments");
    }
    checkBiasCorrectable("gamma1", gamma1, "beta1", beta1);
    checkBiasCorrectable("gamma2", gamma2, "beta2", beta2);
  }

  private static void checkBiasCorrectable(
      String name, double gamma, String betaName, double beta) {
    if (Math.abs(gamma - (1 - beta)) > 1e-12) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s (%s) must be 1 - %s (%s) with the auto start: its bias correction assumes weights"
                  + " that add up to 1",
              name,
              gamma,
              betaName,
              1 - beta));
    }
  }

  /** Whether the moments start from the auto start's warm-up ({@code warmup > 0}). */
  public boolean autoStart() {
    return warmup > 0;
  }

  /** The {@code auto} profile with its defaults: n 3, beta 0.999, warm-up K 64. */
  public static AlrcConfig auto() {
    return Profile.AUTO.builder().build();
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

  /**
   * A builder starting from the {@code auto} profile's defaults: without {@link
   * Builder#initialMoments(double, double)} the moments come from the auto start.
   */
  public static Builder builder() {
    return Profile.AUTO.builder();
  }

  /**
   * Standard deviation of the initial moments, {@code sqrt(max(mu2(0) - mu1(0)^2, 0) + eps)}; NaN
   * with the auto start.
   */
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
   * Builds an {@link AlrcConfig} from a profile's defaults ({@link AlrcConfig#builder()}: {@code
   * auto}). Setting {@link #beta(double)} in the {@code auto} and {@code reference} profiles also
   * sets the observation weight {@code gamma = 1 - beta} unless {@link #gamma(double)} is given; in
   * {@code cifar2019} the weight stays 0.001.
   *
   * <p>Where the moments start is one choice: {@link #initialMoments(double, double)} (a pair:
   * setting one of {@link #initialMu1(double)}, {@link #initialMu2(double)} alone is an error) or
   * {@link #warmup(int)} (the auto start); giving both explicitly is an error. Either overrides the
   * profile's own start: {@code Profile.REFERENCE.builder().warmup(64)} is the reference constants
   * with the auto start, {@code AlrcConfig.builder().initialMoments(0.1, 0.02)} the auto profile's
   * constants with fixed moments.
   */
  public static final class Builder {
    private final Profile profile;
    private double n;
    private double beta1;
    private double beta2;
    private Double gamma1;
    private Double gamma2;
    private Double initialMu1;
    private Double initialMu2;
    private Integer warmup;
    private double eps;
    private int nonFiniteLimit = DEFAULT_NON_FINITE_LIMIT;
    private int warmupLosses;
    private OptionalDouble lowerN = OptionalDouble.empty();

    private Builder(Profile profile) {
      this.profile = profile;
      this.n = profile.n;
      this.beta1 = profile.beta;
      this.beta2 = profile.beta;
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

    /**
     * Fixed initial moments {@code mu1(0)} (mean of the loss) and {@code mu2(0)} (mean of its
     * square; {@code > mu1^2}), as the authors' profiles have: replaces the auto start. The
     * authors advise over-estimates (up to about 10x).
     */
    public Builder initialMoments(double mu1, double mu2) {
      this.initialMu1 = mu1;
      this.initialMu2 = mu2;
      return this;
    }

    /**
     * {@code mu1(0)}: one half of {@link #initialMoments(double, double)}; {@link #build()} fails
     * unless {@link #initialMu2(double)} is set too.
     *
     * @deprecated set the pair with {@link #initialMoments(double, double)}
     */
    @Deprecated
    public Builder initialMu1(double mu1) {
      this.initialMu1 = mu1;
      return this;
    }

    /**
     * {@code mu2(0)}: one half of {@link #initialMoments(double, double)}; {@link #build()} fails
     * unless {@link #initialMu1(double)} is set too.
     *
     * @deprecated set the pair with {@link #initialMoments(double, double)}
     */
    @Deprecated
    public Builder initialMu2(double mu2) {
      this.initialMu2 = mu2;
      return this;
    }

    /**
     * The auto start with a warm-up of {@code k} example losses ({@code >=} {@value
     * AlrcConfig#MIN_WARMUP}; the step that reaches {@code k} counts whole): replaces the profile's
     * initial moments. 0 keeps the profile's fixed moments (an error in the {@code auto} profile,
     * which has none, unless {@link #initialMoments(double, double)} is given).
     */
    public Builder warmup(int k) {
      this.warmup = k;
      return this;
    }

    /** Added to the variance under the square root (relative to {@code mu2} with the auto start). */
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
     * Legacy extension: replace fixed initial moments by the plain mean of the first {@code k}
     * example losses (the step that reaches {@code k} counts whole), clipping nothing until then.
     * Needs fixed initial moments (e.g. {@code Profile.REFERENCE.builder()}).
     *
     * @deprecated a spike among the first losses inflates the threshold for thousands of steps;
     *     use {@link #warmup(int)}, the robust auto start. Kept so that runs that use it, and their
     *     snapshots, continue unchanged.
     */
    @Deprecated
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
     * @throws IllegalArgumentException naming the first invalid parameter and its allowed range,
     *     for one of {@code mu1(0)}, {@code mu2(0)} set without the other, and for initial moments
     *     together with {@code warmup(K > 0)}
     */
    public AlrcConfig build() {
      if (warmup != null && warmup < 0) {
        throw bad("warmup", warmup, "must be >= 0 (0 for fixed initial moments)");
      }
      if ((initialMu1 == null) != (initialMu2 == null)) {
        boolean first = initialMu1 != null;
        throw new IllegalArgumentException(
            (first ? "initialMu1 (" + initialMu1 + ") was set without initialMu2"
                    : "initialMu2 (" + initialMu2 + ") was set without initialMu1")
                + ": the initial moments are a pair (mu1(0) the mean, mu2(0) the mean square of"
                + " the loss); set both with initialMoments(mu1, mu2), or neither for the auto"
                + " start");
      }
      double mu1;
      double mu2;
      int k;
      if (initialMu1 != null) {
        if (warmup != null && warmup != 0) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "initialMoments(%s, %s) and warmup(%d) exclude each other: the auto start"
                      + " estimates the moments from the first losses; set one of them",
                  initialMu1,
                  initialMu2,
                  warmup));
        }
        mu1 = initialMu1;
        mu2 = initialMu2;
        k = 0;
      } else if (warmup != null && warmup > 0) {
        mu1 = Double.NaN;
        mu2 = Double.NaN;
        k = warmup;
      } else if (warmup != null && warmup == 0 && profile.warmup > 0) {
        throw new IllegalArgumentException(
            "warmup (0) needs fixed initial moments, and the " + profile.id() + " profile has"
                + " none: set initialMoments(mu1, mu2) too, or a warm-up of at least "
                + MIN_WARMUP + " losses");
      } else {
        mu1 = profile.mu1;
        mu2 = profile.mu2;
        k = warmup != null ? warmup : profile.warmup;
      }
      double g1 = gamma1 != null ? gamma1 : defaultGamma(beta1);
      double g2 = gamma2 != null ? gamma2 : defaultGamma(beta2);
      return new AlrcConfig(
          n, beta1, beta2, g1, g2, mu1, mu2, eps, nonFiniteLimit, warmupLosses, lowerN, k);
    }

    private double defaultGamma(double beta) {
      return Double.isNaN(profile.gamma) ? 1 - beta : profile.gamma;
    }
  }
}
