package io.alrc.experiments.train;

import io.alrc.AlrcConfig;
import io.alrc.stabilizer.AdaGC;
import io.alrc.stabilizer.AdaptiveGradientClipper;
import io.alrc.stabilizer.GlobalNormClipper;
import io.alrc.stabilizer.SpikeSkipper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The stabilizer of a training run, as one typed value: which method, with which parameters. It is
 * the one place where a stabilizer's name, parameters, defaults and validation live; the command
 * line ({@code alrc train}, {@code alrc bench}), sweep specs and {@code config.json} all parse it
 * through {@link #of}, and the training engines realise it through a {@link Visitor}, so the
 * compiler lists every engine that lacks a case for a new stabilizer.
 *
 * <p>Each kind's parameters are described by {@link Param}s: the key in {@code config.json} and
 * sweep specs, the command-line option, the default, and a one-line description. Names are
 * case-insensitive ({@code --stabilizer ZClip} is {@code zclip}). Values are checked by building
 * the core object the engines build ({@code io.alrc.stabilizer}, {@link AlrcConfig}), so the rules
 * are the core's; an error names the stabilizer, the core's rule and the option that sets it.
 *
 * <p>Adding a stabilizer means: its core class, a record here (with its {@link Kind} in {@link
 * #kinds()} and a method in {@link Visitor}), and its case in each engine.
 */
public sealed interface Stabilizer {
  /** This stabilizer's kind: its name and parameters. */
  Kind kind();

  /** The name, e.g. {@code global-norm}: {@code kind().name()}. */
  default String name() {
    return kind().name();
  }

  /**
   * The parameter values by key, in the kind's order, as {@code config.json} holds them; optional
   * parameters that are not set (null) are left out.
   */
  Map<String, Object> values();

  /** Calls the visitor's method for this stabilizer. */
  <R> R accept(Visitor<R> visitor);

  /** One method per stabilizer: how engines realise each (a new stabilizer adds a method). */
  interface Visitor<R> {
    /** No stabilizer. */
    R none(None s);

    /** ALRC. */
    R alrc(Alrc s);

    /** Global-norm clipping. */
    R globalNorm(GlobalNorm s);

    /** AutoClip. */
    R autoClip(AutoClip s);

    /** ZClip. */
    R zClip(ZClip s);

    /** Unit-wise adaptive gradient clipping. */
    R agc(Agc s);

    /** AdaGC: per-tensor adaptive gradient clipping. */
    R adaGc(AdaGc s);

    /** Skip-step: no optimizer update on a spike of the loss or the gradient norm. */
    R skipStep(SkipStep s);

    /** Loss truncation: drop the examples whose loss is above a running quantile. */
    R lossTruncation(LossTruncation s);
  }

  /**
   * One parameter of a stabilizer.
   *
   * @param key its key in {@code config.json} and sweep specs (snake_case)
   * @param option its command-line option, e.g. {@code --max-norm}
   * @param coreName the name the core's messages use for it (e.g. {@code maxNorm}), so an error
   *     can name the option
   * @param type {@code Double.class}, {@code Integer.class} or {@code String.class}
   * @param defaultValue the value when not given; null: none (the core's profile decides)
   * @param label the value's placeholder in help texts, e.g. {@code C}
   * @param description what it is, for help texts
   */
  record Param(
      String key,
      String option,
      String coreName,
      Class<?> type,
      Object defaultValue,
      String label,
      String description) {
    /**
     * {@code raw} (a number, a string, or null) as this parameter's type.
     *
     * @throws IllegalArgumentException naming the parameter if {@code raw} has the wrong type
     */
    Object convert(String stabilizer, Object raw) {
      if (raw == null) {
        return null;
      }
      try {
        if (type == String.class) {
          return raw.toString();
        }
        if (type == Double.class) {
          return raw instanceof Number n ? n.doubleValue() : Double.parseDouble(raw.toString().strip());
        }
        if (type == Integer.class) {
          if (raw instanceof Number n) {
            double d = n.doubleValue();
            if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
              throw new NumberFormatException();
            }
            return n.intValue();
          }
          return Integer.parseInt(raw.toString().strip());
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "stabilizer " + stabilizer + ": " + key + " (" + option + ") must be "
                + (type == Integer.class ? "an integer" : "a number") + ", got '" + raw + "'", e);
      }
      throw new IllegalStateException("unsupported parameter type " + type);
    }
  }

  /**
   * A kind of stabilizer: its name, its parameters and how its value is built from them.
   *
   * @param name the name as {@code --stabilizer}, {@code config.json} and reports spell it
   * @param summary one line for help texts
   * @param params its parameters, in the order {@code config.json} lists them
   * @param perExample whether it acts on per-example losses (its clip counts are examples) rather
   *     than on a step's gradients (its clip counts are steps)
   * @param labelKey the parameter that report columns show beside the name (ALRC: {@code n}), or
   *     null
   * @param factory builds the value from converted parameter values (defaults filled in)
   */
  record Kind(
      String name,
      String summary,
      List<Param> params,
      boolean perExample,
      String labelKey,
      Function<Map<String, Object>, Stabilizer> factory) {
    /** Copies the parameters. */
    public Kind {
      params = List.copyOf(params);
    }

    /** The parameter with {@code key}, if this kind has it. */
    public Optional<Param> param(String key) {
      return params.stream().filter(p -> p.key().equals(key)).findFirst();
    }

    /**
     * The stabilizer with these parameter values (keys as {@link Param#key()}; missing or null
     * values take the defaults).
     *
     * @throws IllegalArgumentException if a key is not one of this kind's parameters, a value has
     *     the wrong type, or the core rejects a value (the message names the option)
     */
    public Stabilizer create(Map<String, ?> values) {
      for (String key : values.keySet()) {
        if (param(key).isEmpty()) {
          throw new IllegalArgumentException(
              "stabilizer " + name + " has no parameter '" + key + "'"
                  + (params.isEmpty() ? "" : ": its parameters are " + keys()));
        }
      }
      Map<String, Object> converted = new LinkedHashMap<>();
      for (Param p : params) {
        Object v = p.convert(name, values.get(p.key()));
        converted.put(p.key(), v != null ? v : p.defaultValue());
      }
      try {
        return factory.apply(converted);
      } catch (IllegalArgumentException e) {
        throw new BadValueException(name, e.getMessage(), param(e), e);
      }
    }

    private String keys() {
      return String.join(", ", params.stream().map(Param::key).toList());
    }

    /** The parameter whose core name starts the core's message, if any. */
    private Param param(IllegalArgumentException e) {
      String message = e.getMessage() == null ? "" : e.getMessage();
      for (Param p : params) {
        if (message.startsWith(p.coreName() + " ")) {
          return p;
        }
      }
      return null;
    }
  }

  /**
   * A parameter value the core rejected. Its message is {@code stabilizer NAME: RULE (set with
   * --OPTION, or KEY in a sweep spec)}; {@link #rule()} is the core's message alone.
   */
  final class BadValueException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String rule;

    BadValueException(String stabilizer, String rule, Param param, Throwable cause) {
      super("stabilizer " + stabilizer + ": " + rule
          + (param == null ? "" : " (set with " + param.option() + ", or " + param.key() + " in a sweep spec)"),
          cause);
      this.rule = rule;
    }

    /** The core's rule that the value broke, e.g. {@code n (-1.0) must be finite and > 0}. */
    public String rule() {
      return rule;
    }
  }

  /** Every kind, in the order help texts and reports list them. */
  static List<Kind> kinds() {
    return Registry.KINDS;
  }

  /**
   * Holds the list of kinds. A class of its own: the interface is initialised while each record's
   * {@code KIND} is being built (it has a default method), so a constant of the interface could not
   * refer to them.
   */
  final class Registry {
    private static final List<Kind> KINDS =
        List.of(None.KIND, Alrc.KIND, GlobalNorm.KIND, AutoClip.KIND, ZClip.KIND, Agc.KIND,
            AdaGc.KIND, SkipStep.KIND, LossTruncation.KIND);

    private Registry() {}
  }

  /** The names of all kinds, e.g. for messages. */
  static List<String> names() {
    return kinds().stream().map(Kind::name).toList();
  }

  /**
   * The kind named {@code name} (case-insensitive, surrounding blanks ignored).
   *
   * @throws IllegalArgumentException naming the allowed names
   */
  static Kind kind(String name) {
    String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    for (Kind k : kinds()) {
      if (k.name().equals(wanted)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "unknown stabilizer '" + name + "': expected one of " + String.join(", ", names()));
  }

  /**
   * The stabilizer {@code name} with {@code values} (see {@link Kind#create}).
   *
   * @throws IllegalArgumentException for an unknown name or a bad value, with the same message
   *     wherever the value came from
   */
  static Stabilizer of(String name, Map<String, ?> values) {
    return kind(name).create(values);
  }

  /** Every parameter key of every kind (e.g. to tell stabilizer keys from other options). */
  static List<Param> allParams() {
    List<Param> all = new ArrayList<>();
    for (Kind k : kinds()) {
      all.addAll(k.params());
    }
    return all;
  }

  /** No stabilizer: the plain batch mean of the per-example losses. */
  record None() implements Stabilizer {
    /** The kind {@code none}. */
    public static final Kind KIND =
        new Kind("none", "no stabilizer", List.of(), false, null, v -> new None());

    @Override
    public Kind kind() {
      return KIND;
    }

    @Override
    public Map<String, Object> values() {
      return Map.of();
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.none(this);
    }
  }

  /**
   * ALRC (Ede and Beanland 2020) on the per-example losses: one of the core's profiles ({@link
   * AlrcConfig.Profile}) with optional overrides. The profile defaults to {@code auto} (the
   * scale-free robust start, {@code docs/alrc-auto.md}), or to {@code reference} when initial
   * moments are given; the authors' profiles {@code reference} and {@code cifar2019} are exact.
   *
   * <p>{@code warmup} is the length of the auto start's robust warm-up in the {@code auto} profile
   * (default {@value AlrcConfig#DEFAULT_WARMUP}); in the authors' profiles it is the legacy
   * extension that replaces the fixed initial moments by the plain mean of the first K losses (kept
   * so that runs that used it resume unchanged).
   *
   * @param n the threshold in running standard deviations
   * @param profile the core profile ({@code auto}, {@code reference} or {@code cifar2019}); null:
   *     {@code auto}, or {@code reference} when {@code mu1}/{@code mu2} are given
   * @param beta both moments' decay, overriding the profile's; null: the profile's
   * @param mu1 {@code mu1(0)}, with {@code mu2} (a pair), overriding the profile's; null: the
   *     profile's
   * @param mu2 {@code mu2(0)}, with {@code mu1}; null: the profile's
   * @param warmup the warm-up length K (see above); null: the profile's
   * @param eps the variance floor, overriding the profile's; null: the profile's
   * @param lowerN the extension's lower threshold in standard deviations; null: none
   * @param nonFiniteLimit the K-th non-finite step in a row ends the run as diverged; null: {@value
   *     AlrcConfig#DEFAULT_NON_FINITE_LIMIT}
   */
  record Alrc(
      double n,
      String profile,
      Double beta,
      Double mu1,
      Double mu2,
      Integer warmup,
      Double eps,
      Double lowerN,
      Integer nonFiniteLimit)
      implements Stabilizer {
    private static final Param N = new Param("n", "--n", "n", Double.class, 3.0, "N",
        "ALRC: threshold in running standard deviations.");
    private static final Param PROFILE = new Param("profile", "--profile", "profile", String.class,
        null, "PROFILE", "ALRC: auto (the default: a robust, scale-free start), or the authors'"
            + " reference or cifar2019 (the default when --mu1/--mu2 are given).");
    private static final Param BETA = new Param("alrc_beta", "--beta", "beta1", Double.class, null,
        "B", "ALRC: decay of both moments, overriding the profile's; the weight of a new"
            + " observation follows as 1 - B, except in cifar2019, where it stays 0.001 (so B must"
            + " be <= 0.999).");
    private static final Param MU1 = new Param("alrc_mu1", "--mu1", "initialMu1", Double.class, null,
        "X", "ALRC: mu1(0), with --mu2 (a pair), overriding the profile's initial moments.");
    private static final Param MU2 = new Param("alrc_mu2", "--mu2", "initialMu2", Double.class, null,
        "Y", "ALRC: mu2(0), with --mu1.");
    private static final Param WARMUP = new Param("alrc_warmup", "--alrc-warmup", "warmup",
        Integer.class, null, "K",
        "ALRC: warm-up length in example losses: the auto profile's robust start (default "
            + AlrcConfig.DEFAULT_WARMUP + "); with reference or cifar2019 the legacy extension"
            + " (initial moments from the plain mean of the first K losses).");
    private static final Param EPS = new Param("alrc_eps", "--eps", "eps", Double.class, null,
        "E", "ALRC: added to the variance under the square root, overriding the profile's"
            + " (relative to mu2 in the auto profile).");
    private static final Param LOWER_N = new Param("alrc_lower_n", "--lower-n", "lowerN",
        Double.class, null, "N", "ALRC extension: a lower threshold mu1 - N * sigma (default: none).");
    private static final Param NON_FINITE = new Param("non_finite_limit", "--non-finite-limit",
        "nonFiniteLimit", Integer.class, null, "K",
        "ALRC: the K-th step in a row with a non-finite loss is an error: training has diverged"
            + " (default "
            + AlrcConfig.DEFAULT_NON_FINITE_LIMIT + ").");

    /** The kind {@code alrc}. */
    public static final Kind KIND = new Kind("alrc",
        "adaptive learning rate clipping of the per-example losses",
        List.of(N, PROFILE, BETA, MU1, MU2, WARMUP, EPS, LOWER_N, NON_FINITE), true, N.key(),
        v -> new Alrc((Double) v.get("n"), (String) v.get("profile"), (Double) v.get("alrc_beta"),
            (Double) v.get("alrc_mu1"), (Double) v.get("alrc_mu2"), (Integer) v.get("alrc_warmup"),
            (Double) v.get("alrc_eps"), (Double) v.get("alrc_lower_n"),
            (Integer) v.get("non_finite_limit")));

    /** Resolves the default profile and checks every value by building the core configuration. */
    public Alrc {
      if (profile == null) {
        profile = (mu1 != null || mu2 != null ? AlrcConfig.Profile.REFERENCE : AlrcConfig.Profile.AUTO).id();
      }
      profile = AlrcConfig.Profile.parse(profile).id();
      config(n, profile, beta, mu1, mu2, warmup, eps, lowerN, nonFiniteLimit);
    }

    /** ALRC with {@code n} in {@code profile}, without overrides. */
    public static Alrc of(double n, String profile) {
      return new Alrc(n, profile, null, null, null, null, null, null, null);
    }

    /** The project's default: n 3 in the {@code auto} profile. */
    public static Alrc auto() {
      return of(3, AlrcConfig.Profile.AUTO.id());
    }

    /** The core configuration: the profile's defaults with {@code n} and the overrides set. */
    public AlrcConfig config() {
      return config(n, profile, beta, mu1, mu2, warmup, eps, lowerN, nonFiniteLimit);
    }

    @SuppressWarnings("deprecation") // one moment alone reaches the core, which names the pair
    private static AlrcConfig config(double n, String profile, Double beta, Double mu1, Double mu2,
        Integer warmup, Double eps, Double lowerN, Integer nonFiniteLimit) {
      AlrcConfig.Profile p = AlrcConfig.Profile.parse(profile);
      AlrcConfig.Builder b = p.builder().n(n);
      if (nonFiniteLimit != null) {
        b.nonFiniteLimit(nonFiniteLimit);
      }
      if (beta != null) {
        b.beta(beta);
      }
      if (mu1 != null) {
        b.initialMu1(mu1);
      }
      if (mu2 != null) {
        b.initialMu2(mu2);
      }
      if (warmup != null) {
        if (p == AlrcConfig.Profile.AUTO) {
          b.warmup(warmup);
        } else {
          b.warmupLosses(warmup);
        }
      }
      if (eps != null) {
        b.eps(eps);
      }
      if (lowerN != null) {
        b.lowerN(lowerN);
      }
      return b.build();
    }

    @Override
    public Kind kind() {
      return KIND;
    }

    @Override
    public Map<String, Object> values() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(N.key(), n);
      m.put(PROFILE.key(), profile);
      putIfSet(m, BETA, beta);
      putIfSet(m, MU1, mu1);
      putIfSet(m, MU2, mu2);
      putIfSet(m, WARMUP, warmup);
      putIfSet(m, EPS, eps);
      putIfSet(m, LOWER_N, lowerN);
      putIfSet(m, NON_FINITE, nonFiniteLimit);
      return m;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.alrc(this);
    }
  }

  /**
   * Global-norm clipping ({@link GlobalNormClipper}, as PyTorch's {@code clip_grad_norm_}).
   *
   * @param maxNorm the bound on the global gradient norm
   */
  record GlobalNorm(double maxNorm) implements Stabilizer {
    private static final Param MAX_NORM = new Param("max_norm", "--max-norm", "maxNorm",
        Double.class, 1.0, "C", "global-norm: the bound c on the global gradient norm.");

    /** The kind {@code global-norm}. */
    public static final Kind KIND = new Kind(GlobalNormClipper.KIND,
        "global-norm gradient clipping at a fixed bound", List.of(MAX_NORM), false, null,
        v -> new GlobalNorm((Double) v.get("max_norm")));

    /** Checks the bound with the core. */
    public GlobalNorm {
      core(maxNorm);
    }

    /** The core clipper. */
    public GlobalNormClipper core() {
      return core(maxNorm);
    }

    private static GlobalNormClipper core(double maxNorm) {
      return new GlobalNormClipper(maxNorm);
    }

    @Override
    public Kind kind() {
      return KIND;
    }

    @Override
    public Map<String, Object> values() {
      return Map.of(MAX_NORM.key(), maxNorm);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.globalNorm(this);
    }
  }

  /**
   * AutoClip ({@link io.alrc.stabilizer.AutoClip}): the global norm clipped at a percentile of its
   * history.
   *
   * @param percentile the percentile p of past norms
   * @param window the history's length in steps
   */
  record AutoClip(double percentile, int window) implements Stabilizer {
    private static final Param PERCENTILE = new Param("percentile", "--percentile", "percentile",
        Double.class, io.alrc.stabilizer.AutoClip.DEFAULT_PERCENTILE, "P",
        "autoclip: the percentile p of past gradient norms.");
    private static final Param WINDOW = new Param("window", "--window", "window", Integer.class,
        io.alrc.stabilizer.AutoClip.DEFAULT_WINDOW, "STEPS", "autoclip: history window.");

    /** The kind {@code autoclip}. */
    public static final Kind KIND = new Kind(io.alrc.stabilizer.AutoClip.KIND,
        "gradient clipping at a percentile of past norms", List.of(PERCENTILE, WINDOW), false, null,
        v -> new AutoClip((Double) v.get("percentile"), (Integer) v.get("window")));

    /** Checks the values with the core. */
    public AutoClip {
      new io.alrc.stabilizer.AutoClip(percentile, window);
    }

    /** The core stabilizer. */
    public io.alrc.stabilizer.AutoClip core() {
      return new io.alrc.stabilizer.AutoClip(percentile, window);
    }

    @Override
    public Kind kind() {
      return KIND;
    }

    @Override
    public Map<String, Object> values() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(PERCENTILE.key(), percentile);
      m.put(WINDOW.key(), window);
      return m;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.autoClip(this);
    }
  }

  /**
   * ZClip ({@link io.alrc.stabilizer.ZClip}): z-score clipping of the global norm against its EMA
   * statistics.
   *
   * @param alpha the EMA factor
   * @param threshold the z-score threshold
   * @param warmup the warm-up steps
   */
  record ZClip(double alpha, double threshold, int warmup) implements Stabilizer {
    private static final Param ALPHA = new Param("z_alpha", "--z-alpha", "alpha", Double.class,
        io.alrc.stabilizer.ZClip.DEFAULT_ALPHA, "A", "zclip: EMA factor.");
    private static final Param THRESHOLD = new Param("z_threshold", "--z-threshold", "zThreshold",
        Double.class, io.alrc.stabilizer.ZClip.DEFAULT_Z_THRESHOLD, "Z", "zclip: z-score threshold.");
    private static final Param WARMUP = new Param("z_warmup", "--z-warmup", "warmup", Integer.class,
        io.alrc.stabilizer.ZClip.DEFAULT_WARMUP, "STEPS", "zclip: warm-up steps.");

    /** The kind {@code zclip}. */
    public static final Kind KIND = new Kind(io.alrc.stabilizer.ZClip.KIND,
        "z-score clipping of the global gradient norm", List.of(ALPHA, THRESHOLD, WARMUP), false, null,
        v -> new ZClip((Double) v.get("z_alpha"), (Double) v.get("z_threshold"),
            (Integer) v.get("z_warmup")));

    /** Checks the values with the core. */
    public ZClip {
      new io.alrc.stabilizer.ZClip(alpha, threshold, warmup);
    }

    /** The core stabilizer. */
    public io.alrc.stabilizer.ZClip core() {
      return new io.alrc.stabilizer.ZClip(alpha, threshold, warmup);
    }

    @Override
    public Kind kind() {
      return KIND;
    }

    @Override
    public Map<String, Object> values() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(ALPHA.key(), alpha);
      m.put(THRESHOLD.key(), threshold);
      m.put(WARMUP.key(), warmup);
      return m;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.zClip(this);
    }
  }

  /**
   * Unit-wise adaptive gradient clipping ({@link AdaptiveGradientClipper}), with the core's weight
   * floor {@value AdaptiveGradientClipper#DEFAULT_EPS}.
   *
   * @param lambda the largest ratio of a unit's gradient norm to its weight norm
   */
  record Agc(double lambda) implements Stabilizer {
    private static final Param LAMBDA = new Param("agc_lambda", "--agc-lambda", "lambda",
        Double.class, AdaptiveGradientClipper.DEFAULT_LAMBDA, "L", "agc: clipping factor lambda.");

    /** The kind {@code agc}. */
    public static final Kind KIND = new Kind(AdaptiveGradientClipper.KIND,
        "unit-wise adaptive gradient clipping", List.of(LAMBDA), false, null,
        v -> new Agc((Double) v.get("agc_lambda")));

    /** Checks lambda with the core. */
    public Agc {
      core(lambda);
    }

    /** The core clipper. */
    public AdaptiveGradientClipper core() {
      return core(lambda);
    }

    private static AdaptiveGradientClipper core(double lambda) {
      return new AdaptiveGradientClipper(lambda, AdaptiveGradientClipper.DEFAULT_EPS);
    }

    @Override
    public Kind kind() {
      return KIND;
    }

    @Override
    public Map<String, Object> values() {
      return Map.of(LAMBDA.key(), lambda);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.agc(this);
    }
  }

  /**
   * AdaGC ({@link AdaGC}; Wang et al. 2025): each parameter tensor's gradient clipped against an
   * EMA of its own past clipped norms, after a warm-up of global-norm clipping. The number of
   * tensors is the network's, which the engine knows once it has built it ({@link #core(int)}).
   *
   * @param lambdaAbs the global-norm bound during the warm-up
   * @param lambdaRel the largest ratio of a tensor's gradient norm to its EMA
   * @param beta the EMA factor
   * @param warmup the warm-up steps of global-norm clipping
   */
  record AdaGc(double lambdaAbs, double lambdaRel, double beta, int warmup) implements Stabilizer {
    private static final Param LAMBDA_ABS = new Param("adagc_lambda_abs", "--adagc-lambda-abs",
        "lambdaAbs", Double.class, AdaGC.DEFAULT_LAMBDA_ABS, "L",
        "adagc: the global-norm bound during the warm-up.");
    private static final Param LAMBDA_REL = new Param("adagc_lambda_rel", "--adagc-lambda-rel",
        "lambdaRel", Double.class, AdaGC.DEFAULT_LAMBDA_REL, "R",
        "adagc: the largest ratio of a tensor's gradient norm to its EMA.");
    private static final Param BETA = new Param("adagc_beta", "--adagc-beta", "beta", Double.class,
        AdaGC.DEFAULT_BETA, "B", "adagc: EMA factor of the clipped tensor norms.");
    private static final Param WARMUP = new Param("adagc_warmup", "--adagc-warmup", "warmup",
        Integer.class, AdaGC.DEFAULT_WARMUP, "STEPS",
        "adagc: warm-up steps of global-norm clipping.");

    /** The kind {@code adagc}. */
    public static final Kind KIND = new Kind(AdaGC.KIND,
        "per-tensor adaptive gradient clipping against each tensor's EMA norm",
        List.of(LAMBDA_ABS, LAMBDA_REL, BETA, WARMUP), false, null,
        v -> new AdaGc((Double) v.get("adagc_lambda_abs"), (Double) v.get("adagc_lambda_rel"),
            (Double) v.get("adagc_beta"), (Integer) v.get("adagc_warmup")));

    /** Checks the values with the core (for a model of one tensor: the count comes later). */
    public AdaGc {
      new AdaGC(1, lambdaAbs, lambdaRel, beta, warmup);
    }

    /**
     * The core clipper for a network of {@code tensors} parameter tensors.
     *
     * @throws IllegalArgumentException if {@code tensors < 1}
     */
    public AdaGC core(int tensors) {
      return new AdaGC(tensors, lambdaAbs, lambdaRel, beta, warmup);
    }

    @Override
    public Kind kind() {
      return KIND;
    }

    @Override
    public Map<String, Object> values() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(LAMBDA_ABS.key(), lambdaAbs);
      m.put(LAMBDA_REL.key(), lambdaRel);
      m.put(BETA.key(), beta);
      m.put(WARMUP.key(), warmup);
      return m;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.adaGc(this);
    }
  }

  /**
   * Skip-step on spikes ({@link SpikeSkipper}, as OLMo-core's {@code SkipStepOptimizer} and
   * MaxText's {@code skip_step_on_spikes}): the optimizer update of a step is skipped when the
   * monitored value is more than {@code factor} rolling standard deviations above the rolling mean
   * of the previous {@code interval} values. The signal {@code loss} watches the batch-mean loss,
   * {@code grad-norm} the global gradient norm before clipping, {@code both} (the default, the
   * references' behaviour) both, with one monitor each, and skips when either spikes.
   *
   * <p>Clip counts are steps: a skipped update counts as one clipped step. A spike skip is not a
   * non-finite skip (the engines document how they report it).
   *
   * @param signal {@code loss}, {@code grad-norm} or {@code both} (case-insensitive; stored in
   *     lower case)
   * @param interval the rolling window, in steps
   * @param factor the number of standard deviations above the mean that counts as a spike
   */
  record SkipStep(String signal, int interval, double factor) implements Stabilizer {
    /** The signal that watches the batch-mean loss. */
    public static final String LOSS = "loss";

    /** The signal that watches the global gradient norm before clipping. */
    public static final String GRAD_NORM = "grad-norm";

    /** Both signals, one monitor each; a spike of either skips the update. */
    public static final String BOTH = "both";

    private static final Param SIGNAL = new Param("skip_signal", "--skip-signal", "signal",
        String.class, BOTH, "SIGNAL",
        "skip-step: what to watch for spikes: loss, grad-norm or both.");
    private static final Param INTERVAL = new Param("skip_interval", "--skip-interval", "interval",
        Integer.class, SpikeSkipper.DEFAULT_INTERVAL, "STEPS", "skip-step: rolling window.");
    private static final Param FACTOR = new Param("skip_factor", "--skip-factor", "factor",
        Double.class, SpikeSkipper.DEFAULT_FACTOR, "F",
        "skip-step: standard deviations above the rolling mean that count as a spike.");

    /** The kind {@code skip-step}. */
    public static final Kind KIND = new Kind(SpikeSkipper.KIND,
        "skip the optimizer update when the loss or the gradient norm spikes",
        List.of(SIGNAL, INTERVAL, FACTOR), false, null,
        v -> new SkipStep((String) v.get("skip_signal"), (Integer) v.get("skip_interval"),
            (Double) v.get("skip_factor")));

    /** Normalises the signal's name and checks the values with the core. */
    public SkipStep {
      String s = signal == null ? "" : signal.strip().toLowerCase(Locale.ROOT);
      if (!(s.equals(LOSS) || s.equals(GRAD_NORM) || s.equals(BOTH))) {
        throw new IllegalArgumentException(
            "signal ('" + signal + "') must be " + LOSS + ", " + GRAD_NORM + " or " + BOTH);
      }
      signal = s;
      new SpikeSkipper(interval, factor);
    }

    /** Skip-step with the references' defaults: both signals, interval 128, factor 6. */
    public static SkipStep defaults() {
      return new SkipStep(BOTH, SpikeSkipper.DEFAULT_INTERVAL, SpikeSkipper.DEFAULT_FACTOR);
    }

    /** Whether the batch-mean loss is watched ({@code loss} or {@code both}). */
    public boolean watchesLoss() {
      return !signal.equals(GRAD_NORM);
    }

    /** Whether the global gradient norm is watched ({@code grad-norm} or {@code both}). */
    public boolean watchesGradNorm() {
      return !signal.equals(LOSS);
    }

    /** A core monitor (one per watched signal: each has its own window). */
    public SpikeSkipper core() {
      return new SpikeSkipper(interval, factor);
    }

    @Override
    public Kind kind() {
      return KIND;
    }

    @Override
    public Map<String, Object> values() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(SIGNAL.key(), signal);
      m.put(INTERVAL.key(), interval);
      m.put(FACTOR.key(), factor);
      return m;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.skipStep(this);
    }
  }

  /**
   * Loss truncation ({@link io.alrc.stabilizer.LossTruncation}; Kang and Hashimoto 2020): the
   * examples whose loss is at or above a running quantile of the recent per-example losses are
   * dropped from the objective (scale 0), which stays the mean over all examples. Acts on the
   * per-example losses before backward, like ALRC; clip counts are dropped examples.
   *
   * @param dropFraction the fraction of examples to drop
   * @param minCount the number of examples seen before anything is dropped
   * @param recompute the examples between two computations of the cutoff, and the history's size
   */
  record LossTruncation(double dropFraction, int minCount, int recompute) implements Stabilizer {
    private static final Param DROP = new Param("truncation_drop", "--truncation-drop",
        "dropFraction", Double.class, io.alrc.stabilizer.LossTruncation.DEFAULT_DROP_FRACTION, "F",
        "loss-truncation: the fraction of examples to drop.");
    private static final Param MIN_COUNT = new Param("truncation_min_count",
        "--truncation-min-count", "minCount", Integer.class,
        (int) io.alrc.stabilizer.LossTruncation.DEFAULT_MIN_COUNT, "EXAMPLES",
        "loss-truncation: examples seen before anything is dropped.");
    private static final Param RECOMPUTE = new Param("truncation_recompute",
        "--truncation-recompute", "recompute", Integer.class,
        io.alrc.stabilizer.LossTruncation.DEFAULT_RECOMPUTE, "EXAMPLES",
        "loss-truncation: examples between two computations of the cutoff (and history size).");

    /** The kind {@code loss-truncation}. */
    public static final Kind KIND = new Kind(io.alrc.stabilizer.LossTruncation.KIND,
        "dropping the examples whose loss is above a running quantile",
        List.of(DROP, MIN_COUNT, RECOMPUTE), true, null,
        v -> new LossTruncation((Double) v.get("truncation_drop"),
            (Integer) v.get("truncation_min_count"), (Integer) v.get("truncation_recompute")));

    /** Checks the values with the core. */
    public LossTruncation {
      new io.alrc.stabilizer.LossTruncation(dropFraction, minCount, recompute);
    }

    /** The core stabilizer. */
    public io.alrc.stabilizer.LossTruncation core() {
      return new io.alrc.stabilizer.LossTruncation(dropFraction, minCount, recompute);
    }

    @Override
    public Kind kind() {
      return KIND;
    }

    @Override
    public Map<String, Object> values() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(DROP.key(), dropFraction);
      m.put(MIN_COUNT.key(), minCount);
      m.put(RECOMPUTE.key(), recompute);
      return m;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.lossTruncation(this);
    }
  }

  private static void putIfSet(Map<String, Object> m, Param p, Object value) {
    if (value != null) {
      m.put(p.key(), value);
    }
  }
}
