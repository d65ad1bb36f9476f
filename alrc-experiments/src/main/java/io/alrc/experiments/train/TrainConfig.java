package io.alrc.experiments.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/**
 * Everything that defines a training run, written to the run's {@code config.json} so the run can
 * be repeated or resumed. Every random choice flows from {@link #seed()}.
 *
 * <p>Fields that do not apply to a run (e.g. {@code n} without ALRC) are null and left out of the
 * JSON. {@link #validate()} checks the whole configuration and names the first bad option.
 *
 * @param task {@code cifar10-sr}, {@code stem-completion} or {@code stem-sr}
 * @param data the data directory, or null for the task's default location
 * @param evalData the evaluation file or directory, or null for the task's default
 * @param loss {@code squared}, {@code quartic} or {@code huber} (Huberized squared error)
 * @param safeguard whether per-example losses {@code >= 50} are replaced by their square root (the
 *     paper's CIFAR-10 safeguard)
 * @param stabilizer {@code none}, {@code alrc}, {@code global-norm}, {@code autoclip}, {@code
 *     zclip} or {@code agc}
 * @param n ALRC's threshold in standard deviations
 * @param profile ALRC's profile, {@code reference} or {@code cifar2019}
 * @param maxNorm global-norm clipping's bound
 * @param percentile AutoClip's percentile
 * @param window AutoClip's history window
 * @param zAlpha ZClip's EMA factor
 * @param zThreshold ZClip's z-score threshold
 * @param zWarmup ZClip's warm-up steps
 * @param agcLambda AGC's clipping factor
 * @param optimizer {@code adam} or {@code sgd}
 * @param lr the initial learning rate
 * @param lrDecaySteps steps between x0.1 learning-rate decays (staircase); 0 for none
 * @param batch examples per step
 * @param steps training steps
 * @param width channel-count multiplier of the network (1 = the paper's widths)
 * @param imageSize image side for the STEM tasks (CIFAR-10 is 32)
 * @param seed the seed of every random choice
 * @param evalEvery steps between evaluations
 * @param evalExamples examples per evaluation
 * @param checkpointEvery steps between checkpoints
 * @param threads intra-op threads of the engine
 * @param spikeProbability probability per step of corrupting one example (spike injection); 0
 *     for none
 * @param spikeSteps steps at which one example is corrupted, in addition
 * @param version the software version that wrote the run
 * @param srFactor the downsampling factor of {@code stem-sr} (2 or 4)
 * @param alrcBeta ALRC: both decays, overriding the profile's
 * @param alrcMu1 ALRC: {@code mu1(0)}, overriding the profile's
 * @param alrcMu2 ALRC: {@code mu2(0)}, overriding the profile's
 * @param alrcWarmup ALRC extension: initial moments from the first K example losses
 * @param engine the training engine, {@code javacpp} or {@code djl} (see {@link StepEngines});
 *     null in runs written before engines could be chosen, which trained on DJL
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record TrainConfig(
    @JsonProperty("task") String task,
    @JsonProperty("data") String data,
    @JsonProperty("eval_data") String evalData,
    @JsonProperty("loss") String loss,
    @JsonProperty("safeguard") boolean safeguard,
    @JsonProperty("stabilizer") String stabilizer,
    @JsonProperty("n") Double n,
    @JsonProperty("profile") String profile,
    @JsonProperty("max_norm") Double maxNorm,
    @JsonProperty("percentile") Double percentile,
    @JsonProperty("window") Integer window,
    @JsonProperty("z_alpha") Double zAlpha,
    @JsonProperty("z_threshold") Double zThreshold,
    @JsonProperty("z_warmup") Integer zWarmup,
    @JsonProperty("agc_lambda") Double agcLambda,
    @JsonProperty("optimizer") String optimizer,
    @JsonProperty("lr") double lr,
    @JsonProperty("lr_decay_steps") long lrDecaySteps,
    @JsonProperty("batch") int batch,
    @JsonProperty("steps") long steps,
    @JsonProperty("width") double width,
    @JsonProperty("image_size") int imageSize,
    @JsonProperty("seed") long seed,
    @JsonProperty("eval_every") long evalEvery,
    @JsonProperty("eval_examples") int evalExamples,
    @JsonProperty("checkpoint_every") long checkpointEvery,
    @JsonProperty("threads") int threads,
    @JsonProperty("spike_probability") double spikeProbability,
    @JsonProperty("spike_steps") List<Long> spikeSteps,
    @JsonProperty("version") String version,
    @JsonProperty("sr_factor") Integer srFactor,
    @JsonProperty("alrc_beta") Double alrcBeta,
    @JsonProperty("alrc_mu1") Double alrcMu1,
    @JsonProperty("alrc_mu2") Double alrcMu2,
    @JsonProperty("alrc_warmup") Integer alrcWarmup,
    @JsonProperty("engine") String engine) {

  /** The tasks. */
  public static final List<String> TASKS = List.of("cifar10-sr", "stem-completion", "stem-sr");

  /** The per-example losses. */
  public static final List<String> LOSSES = List.of("squared", "quartic", "huber");

  /** The stabilizers. */
  public static final List<String> STABILIZERS =
      List.of("none", "alrc", "global-norm", "autoclip", "zclip", "agc");

  /** The optimizers. */
  public static final List<String> OPTIMIZERS = List.of("adam", "sgd");

  /** The paper's CIFAR-10 learning rate, 0.1 / 128. */
  public static final double PAPER_LR = 0.1 / 128;

  /**
   * The paper's staircase: x0.1 every {@code int(10000 / batch * 350)} steps (within 100,000 steps
   * only batch 64 decays, at 54,687).
   */
  public static long paperDecaySteps(int batch) {
    return (long) (10000.0 / batch * 350);
  }

  /**
   * Checks every option.
   *
   * @throws IllegalArgumentException naming the first bad option, its value and what is allowed
   */
  public TrainConfig validate() {
    oneOf("task", task, TASKS);
    oneOf("loss", loss, LOSSES);
    oneOf("stabilizer", stabilizer, STABILIZERS);
    oneOf("optimizer", optimizer, OPTIMIZERS);
    if (engine != null) {
      oneOf("engine", engine, StepEngines.NAMES);
    }
    positive("batch", batch);
    if (steps < 1) {
      throw new IllegalArgumentException("steps (" + steps + ") must be >= 1");
    }
    if (!(lr > 0 && Double.isFinite(lr))) {
      throw new IllegalArgumentException("lr (" + lr + ") must be finite and > 0");
    }
    if (lrDecaySteps < 0) {
      throw new IllegalArgumentException("lr_decay_steps (" + lrDecaySteps + ") must be >= 0");
    }
    if (!(width > 0 && width <= 4)) {
      throw new IllegalArgumentException("width (" + width + ") must be in (0, 4]");
    }
    positive("eval_every", evalEvery);
    positive("eval_examples", evalExamples);
    positive("checkpoint_every", checkpointEvery);
    positive("threads", threads);
    if (!(spikeProbability >= 0 && spikeProbability <= 1)) {
      throw new IllegalArgumentException(
          "spike_probability (" + spikeProbability + ") must be in [0, 1]");
    }
    if (stabilizer.equals("alrc")) {
      if (n == null || profile == null) {
        throw new IllegalArgumentException("stabilizer alrc needs n and profile");
      }
      alrcConfig(); // validates n, beta, mu1, mu2 and warm-up, naming the bad one
    }
    if (task.equals("stem-sr") && (srFactor == null || (srFactor != 2 && srFactor != 4))) {
      throw new IllegalArgumentException("sr_factor (" + srFactor + ") must be 2 or 4 for stem-sr");
    }
    if (task.startsWith("stem-") && (imageSize < 16 || imageSize % 4 != 0)) {
      throw new IllegalArgumentException(
          "image_size (" + imageSize + ") must be a multiple of 4 and >= 16 for the STEM tasks");
    }
    return this;
  }

  /**
   * The ALRC configuration of this run: the profile's defaults with {@code n} and any of {@code
   * alrc_beta}, {@code alrc_mu1}, {@code alrc_mu2}, {@code alrc_warmup} that are set.
   *
   * @throws IllegalArgumentException naming the first invalid ALRC parameter
   */
  public io.alrc.AlrcConfig alrcConfig() {
    io.alrc.AlrcConfig.Builder b = io.alrc.AlrcConfig.Profile.parse(profile).builder().n(n);
    if (alrcBeta != null) {
      b.beta(alrcBeta);
    }
    if (alrcMu1 != null) {
      b.initialMu1(alrcMu1);
    }
    if (alrcMu2 != null) {
      b.initialMu2(alrcMu2);
    }
    if (alrcWarmup != null) {
      b.warmupLosses(alrcWarmup);
    }
    return b.build();
  }

  /** This configuration with another {@code version} (e.g. null, to compare configurations). */
  public TrainConfig withVersion(String otherVersion) {
    return new TrainConfig(task, data, evalData, loss, safeguard, stabilizer, n, profile, maxNorm,
        percentile, window, zAlpha, zThreshold, zWarmup, agcLambda, optimizer, lr, lrDecaySteps,
        batch, steps, width, imageSize, seed, evalEvery, evalExamples, checkpointEvery, threads,
        spikeProbability, spikeSteps, otherVersion, srFactor, alrcBeta, alrcMu1, alrcMu2, alrcWarmup,
        engine);
  }

  /** This configuration with another {@code engine} (null: DJL, as runs written before engines). */
  public TrainConfig withEngine(String otherEngine) {
    return new TrainConfig(task, data, evalData, loss, safeguard, stabilizer, n, profile, maxNorm,
        percentile, window, zAlpha, zThreshold, zWarmup, agcLambda, optimizer, lr, lrDecaySteps,
        batch, steps, width, imageSize, seed, evalEvery, evalExamples, checkpointEvery, threads,
        spikeProbability, spikeSteps, version, srFactor, alrcBeta, alrcMu1, alrcMu2, alrcWarmup,
        otherEngine);
  }

  /** The engine that trains this run: {@link #engine()}, or {@code djl} when it is null. */
  public String engineName() {
    return engine == null ? StepEngines.DJL : engine.toLowerCase(Locale.ROOT);
  }

  /** The learning rate at {@code step} (1-based) under the staircase schedule. */
  public double learningRate(long step) {
    if (lrDecaySteps <= 0) {
      return lr;
    }
    return lr * Math.pow(0.1, (step - 1) / lrDecaySteps);
  }

  private static void oneOf(String name, String value, List<String> allowed) {
    if (value == null || !allowed.contains(value.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(
          "unknown " + name + " '" + value + "': expected one of " + String.join(", ", allowed));
    }
  }

  private static void positive(String name, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " (" + value + ") must be >= 1");
    }
  }
}
