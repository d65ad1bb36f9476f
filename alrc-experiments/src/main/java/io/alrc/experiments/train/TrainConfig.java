package io.alrc.experiments.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything that defines a training run, written to the run's {@code config.json} so the run can
 * be repeated or resumed. Every random choice flows from {@link #seed()}.
 *
 * <p>In {@code config.json} the stabilizer is its name under {@code stabilizer} followed by its
 * parameters under their own keys ({@link Stabilizer.Param#key()}), e.g. {@code "stabilizer":
 * "zclip", "z_alpha": 0.97, ...}; fields that do not apply to a run (null) are left out. Reading
 * rejects unknown keys and a stabilizer parameter that the stabilizer does not have. {@link
 * #validate()} checks the whole configuration and names the first bad option. Build new
 * configurations with {@link #builder()}.
 *
 * @param task {@code cifar10-sr}, {@code stem-completion} or {@code stem-sr}
 * @param data the data directory, or null for the task's default location
 * @param evalData the evaluation file or directory, or null for the task's default
 * @param loss {@code squared}, {@code quartic} or {@code huber} (Huberized squared error)
 * @param safeguard whether per-example losses {@code >= 50} are replaced by their square root (the
 *     paper's CIFAR-10 safeguard)
 * @param stabilizer the stabilizer and its parameters
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
 * @param engine the training engine, {@code javacpp} or {@code djl} (see {@link StepEngines});
 *     null in runs written before engines could be chosen, which trained on DJL
 * @param lossWeight the factor {@code w} of the per-example loss {@code w * mean(err^p)}; null
 *     for the task's (25 for CIFAR-10, 50 for STEM), as in runs written before it could be set
 * @param huberAfterClipping for {@code huber} with ALRC: whether ALRC clips the raw squared error
 *     and the Huber transform {@code x <= 1 ? x : sqrt(x)} is applied to the clipped value (true,
 *     the authors' partial-STEM code), or the transform comes first and ALRC clips the transformed
 *     loss (false); null in runs written before the choice existed, which transformed first
 * @param precision the arithmetic of the network's convolutions: {@code fp32}, or {@code bf16}
 *     (bfloat16 convolutions with float32 master weights, gradients, optimizer state, losses and
 *     stabilizer statistics, as {@code torch.autocast}; the {@code javacpp} engine only, on a CPU
 *     with bfloat16 instructions); null in runs written before precisions could be chosen, which
 *     trained in {@code fp32} (see {@link #precisionName()})
 * @param cpu the CPU model the run started on, or null; informational, not part of the
 *     configuration (reports and sweeps do not compare it)
 * @param cpuFlags the CPU's bfloat16 and AMX instruction-set flags (of {@link CpuInfo#FLAGS}) the
 *     run started with, or null; informational, as {@code cpu}
 */
@JsonSerialize(using = TrainConfig.Json.Writer.class)
@JsonDeserialize(using = TrainConfig.Json.Reader.class)
public record TrainConfig(
    @JsonProperty("task") String task,
    @JsonProperty("data") String data,
    @JsonProperty("eval_data") String evalData,
    @JsonProperty("loss") String loss,
    @JsonProperty("safeguard") boolean safeguard,
    @JsonProperty("stabilizer") Stabilizer stabilizer,
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
    @JsonProperty("engine") String engine,
    @JsonProperty("loss_weight") Double lossWeight,
    @JsonProperty("huber_after_clipping") Boolean huberAfterClipping,
    @JsonProperty("precision") String precision,
    @JsonProperty("cpu") String cpu,
    @JsonProperty("cpu_flags") List<String> cpuFlags) {

  /** The tasks. */
  public static final List<String> TASKS = List.of("cifar10-sr", "stem-completion", "stem-sr");

  /** The per-example losses. */
  public static final List<String> LOSSES = List.of("squared", "quartic", "huber");

  /** The optimizers. */
  public static final List<String> OPTIMIZERS = List.of("adam", "sgd");

  /** The largest batch (examples per step): larger ones would not fit a CPU's memory and time. */
  public static final int MAX_BATCH = 4096;

  /** The most engine threads a configuration may ask for. */
  public static final int MAX_THREADS = 1024;

  /** The largest learning rate: beyond it Adam's bias-corrected step overflows float32. */
  public static final double MAX_LR = 1000;

  /** The largest STEM crop side. */
  public static final int MAX_IMAGE_SIZE = 1024;

  /** The most evaluation examples. */
  public static final int MAX_EVAL_EXAMPLES = 1_000_000;
  /** Float32 everywhere. */
  public static final String FP32 = "fp32";

  /** Bfloat16 convolutions, float32 master weights and everything else (see {@link #precision()}). */
  public static final String BF16 = "bf16";

  /** The precisions. */
  public static final List<String> PRECISIONS = List.of(FP32, BF16);

  /** The paper's CIFAR-10 learning rate, 0.1 / 128. */
  public static final double PAPER_LR = 0.1 / 128;

  /** Copies the spike steps and the CPU flags. */
  public TrainConfig {
    spikeSteps = spikeSteps == null ? null : List.copyOf(spikeSteps);
    cpuFlags = cpuFlags == null ? null : List.copyOf(cpuFlags);
  }

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
    if (stabilizer == null) {
      throw new IllegalArgumentException("stabilizer must be given: one of " + String.join(", ", Stabilizer.names()));
    }
    oneOf("optimizer", optimizer, OPTIMIZERS);
    if (engine != null) {
      oneOf("engine", engine, StepEngines.NAMES);
    }
    if (precision != null) {
      oneOf("precision", precision, PRECISIONS);
      if (precisionName().equals(BF16) && !engineName().equals(StepEngines.JAVACPP)) {
        throw new IllegalArgumentException(
            "precision bf16 needs the " + StepEngines.JAVACPP + " engine; the " + engineName()
                + " engine trains in fp32 only (use --engine " + StepEngines.JAVACPP
                + " or --precision fp32)");
      }
    }
    range("batch", batch, 1, MAX_BATCH);
    if (steps < 1) {
      throw new IllegalArgumentException("steps (" + steps + ") must be >= 1");
    }
    if (!(lr > 0 && lr <= MAX_LR)) {
      throw new IllegalArgumentException("lr (" + lr + ") must be > 0 and <= " + (int) MAX_LR);
    }
    if (lrDecaySteps < 0) {
      throw new IllegalArgumentException("lr_decay_steps (" + lrDecaySteps + ") must be >= 0");
    }
    if (!(width > 0 && width <= 4)) {
      throw new IllegalArgumentException("width (" + width + ") must be in (0, 4]");
    }
    positive("eval_every", evalEvery);
    range("eval_examples", evalExamples, 1, MAX_EVAL_EXAMPLES);
    positive("checkpoint_every", checkpointEvery);
    range("threads", threads, 1, MAX_THREADS);
    if (!(spikeProbability >= 0 && spikeProbability <= 1)) {
      throw new IllegalArgumentException(
          "spike_probability (" + spikeProbability + ") must be in [0, 1]");
    }
    if (lossWeight != null && !(Double.isFinite(lossWeight) && lossWeight > 0)) {
      throw new IllegalArgumentException("loss_weight (" + lossWeight + ") must be finite and > 0");
    }
    if (task.equals("stem-sr") && (srFactor == null || (srFactor != 2 && srFactor != 4))) {
      throw new IllegalArgumentException("sr_factor (" + srFactor + ") must be 2 or 4 for stem-sr");
    }
    if (task.startsWith("stem-") && (imageSize < 16 || imageSize > MAX_IMAGE_SIZE || imageSize % 4 != 0)) {
      throw new IllegalArgumentException("image_size (" + imageSize + ") must be a multiple of 4"
          + " from 16 to " + MAX_IMAGE_SIZE + " for the STEM tasks");
    }
    if (spikeSteps != null) {
      for (Long s : spikeSteps) {
        if (s == null || s < 1 || s > steps) {
          throw new IllegalArgumentException(
              "spike_steps: " + s + " is not a training step (1 to " + steps + ")");
        }
      }
    }
    return this;
  }

  /** Whether the stabilizer is ALRC. */
  public boolean alrc() {
    return stabilizer instanceof Stabilizer.Alrc;
  }

  /**
   * The ALRC configuration of this run.
   *
   * @throws IllegalStateException if the stabilizer is not ALRC
   */
  public io.alrc.AlrcConfig alrcConfig() {
    if (stabilizer instanceof Stabilizer.Alrc a) {
      return a.config();
    }
    throw new IllegalStateException("the stabilizer of this run is " + stabilizer.name() + ", not alrc");
  }

  /** This configuration with another {@code version} (e.g. null, to compare configurations). */
  public TrainConfig withVersion(String otherVersion) {
    return toBuilder().version(otherVersion).build();
  }

  /** This configuration with another {@code engine} (null: DJL, as runs written before engines). */
  public TrainConfig withEngine(String otherEngine) {
    return toBuilder().engine(otherEngine).build();
  }

  /**
   * Whether the Huber transform follows ALRC's clipping (see {@link #huberAfterClipping()}): only
   * for loss {@code huber} with stabilizer {@code alrc}, and not in runs written before the choice.
   */
  public boolean huberAfterAlrc() {
    return loss.equals("huber") && alrc() && Boolean.TRUE.equals(huberAfterClipping);
  }

  /** The factor {@code w} of the per-example loss: {@link #lossWeight()}, else {@code taskWeight}. */
  public double lossWeightOr(double taskWeight) {
    return lossWeight != null ? lossWeight : taskWeight;
  }

  /** The engine that trains this run: {@link #engine()}, or {@code djl} when it is null. */
  public String engineName() {
    return engine == null ? StepEngines.DJL : engine.toLowerCase(Locale.ROOT);
  }

  /**
   * The precision that trains this run: {@link #precision()} in lower case, or {@value #FP32} when
   * it is null (runs written before precisions could be chosen).
   */
  public String precisionName() {
    return precision == null ? FP32 : precision.toLowerCase(Locale.ROOT);
  }

  /** Whether this run's convolutions run in bfloat16 ({@link #precisionName()} is {@value #BF16}). */
  public boolean bf16() {
    return precisionName().equals(BF16);
  }

  /** This configuration with the CPU model and flags of {@code info} recorded (informational). */
  public TrainConfig withCpu(CpuInfo info) {
    return toBuilder().cpu(info.model()).cpuFlags(info.flags()).build();
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

  private static void range(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " (" + value + ") must be from " + min + " to " + max);
    }
  }

  private static void positive(String name, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " (" + value + ") must be >= 1");
    }
  }

  /**
   * A builder with the command line's defaults: {@code cifar10-sr}, squared error with the
   * safeguard, no stabilizer, Adam at the paper's rate without decay, batch 16, 1,000 steps, the
   * paper's widths, seed 0, evaluation and checkpoint every 500 steps on 1,000 examples, 1 thread,
   * no spike injection, the default engine, precision {@value #FP32}, no CPU recorded.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.task = task;
    b.data = data;
    b.evalData = evalData;
    b.loss = loss;
    b.safeguard = safeguard;
    b.stabilizer = stabilizer;
    b.optimizer = optimizer;
    b.lr = lr;
    b.lrDecaySteps = lrDecaySteps;
    b.batch = batch;
    b.steps = steps;
    b.width = width;
    b.imageSize = imageSize;
    b.seed = seed;
    b.evalEvery = evalEvery;
    b.evalExamples = evalExamples;
    b.checkpointEvery = checkpointEvery;
    b.threads = threads;
    b.spikeProbability = spikeProbability;
    b.spikeSteps = spikeSteps;
    b.version = version;
    b.srFactor = srFactor;
    b.engine = engine;
    b.lossWeight = lossWeight;
    b.huberAfterClipping = huberAfterClipping;
    b.precision = precision;
    b.cpu = cpu;
    b.cpuFlags = cpuFlags;
    return b;
  }

  /** Builds a {@link TrainConfig}; {@link #build()} does not validate (see {@link #validate()}). */
  public static final class Builder {
    private String task = "cifar10-sr";
    private String data;
    private String evalData;
    private String loss = "squared";
    private boolean safeguard = true;
    private Stabilizer stabilizer = new Stabilizer.None();
    private String optimizer = "adam";
    private double lr = PAPER_LR;
    private long lrDecaySteps;
    private int batch = 16;
    private long steps = 1000;
    private double width = 1;
    private int imageSize = 96;
    private long seed;
    private long evalEvery = 500;
    private int evalExamples = 1000;
    private long checkpointEvery = 500;
    private int threads = 1;
    private double spikeProbability;
    private List<Long> spikeSteps;
    private String version;
    private Integer srFactor;
    private String engine = StepEngines.DEFAULT;
    private Double lossWeight;
    private Boolean huberAfterClipping;
    private String precision = FP32;
    private String cpu;
    private List<String> cpuFlags;

    private Builder() {}

    /** @see TrainConfig#task() */
    public Builder task(String v) {
      task = v;
      return this;
    }

    /** @see TrainConfig#data() */
    public Builder data(String v) {
      data = v;
      return this;
    }

    /** @see TrainConfig#evalData() */
    public Builder evalData(String v) {
      evalData = v;
      return this;
    }

    /** @see TrainConfig#loss() */
    public Builder loss(String v) {
      loss = v;
      return this;
    }

    /** @see TrainConfig#safeguard() */
    public Builder safeguard(boolean v) {
      safeguard = v;
      return this;
    }

    /** @see TrainConfig#stabilizer() */
    public Builder stabilizer(Stabilizer v) {
      stabilizer = v;
      return this;
    }

    /** @see TrainConfig#optimizer() */
    public Builder optimizer(String v) {
      optimizer = v;
      return this;
    }

    /** @see TrainConfig#lr() */
    public Builder lr(double v) {
      lr = v;
      return this;
    }

    /** @see TrainConfig#lrDecaySteps() */
    public Builder lrDecaySteps(long v) {
      lrDecaySteps = v;
      return this;
    }

    /** @see TrainConfig#batch() */
    public Builder batch(int v) {
      batch = v;
      return this;
    }

    /** @see TrainConfig#steps() */
    public Builder steps(long v) {
      steps = v;
      return this;
    }

    /** @see TrainConfig#width() */
    public Builder width(double v) {
      width = v;
      return this;
    }

    /** @see TrainConfig#imageSize() */
    public Builder imageSize(int v) {
      imageSize = v;
      return this;
    }

    /** @see TrainConfig#seed() */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** @see TrainConfig#evalEvery() */
    public Builder evalEvery(long v) {
      evalEvery = v;
      return this;
    }

    /** @see TrainConfig#evalExamples() */
    public Builder evalExamples(int v) {
      evalExamples = v;
      return this;
    }

    /** @see TrainConfig#checkpointEvery() */
    public Builder checkpointEvery(long v) {
      checkpointEvery = v;
      return this;
    }

    /** @see TrainConfig#threads() */
    public Builder threads(int v) {
      threads = v;
      return this;
    }

    /** @see TrainConfig#spikeProbability() */
    public Builder spikeProbability(double v) {
      spikeProbability = v;
      return this;
    }

    /** @see TrainConfig#spikeSteps() */
    public Builder spikeSteps(List<Long> v) {
      spikeSteps = v;
      return this;
    }

    /** @see TrainConfig#version() */
    public Builder version(String v) {
      version = v;
      return this;
    }

    /** @see TrainConfig#srFactor() */
    public Builder srFactor(Integer v) {
      srFactor = v;
      return this;
    }

    /** @see TrainConfig#engine() */
    public Builder engine(String v) {
      engine = v;
      return this;
    }

    /** @see TrainConfig#lossWeight() */
    public Builder lossWeight(Double v) {
      lossWeight = v;
      return this;
    }

    /** @see TrainConfig#huberAfterClipping() */
    public Builder huberAfterClipping(Boolean v) {
      huberAfterClipping = v;
      return this;
    }

    /**
     * The precision, {@value TrainConfig#FP32} or {@value TrainConfig#BF16} (checked by {@link
     * TrainConfig#validate()}); null reads as fp32 (runs written before precisions existed).
     *
     * @see TrainConfig#precision()
     */
    public Builder precision(String v) {
      precision = v;
      return this;
    }

    /** @see TrainConfig#cpu() */
    public Builder cpu(String v) {
      cpu = v;
      return this;
    }

    /** @see TrainConfig#cpuFlags() */
    public Builder cpuFlags(List<String> v) {
      cpuFlags = v;
      return this;
    }

    /** The configuration (not validated). */
    public TrainConfig build() {
      return new TrainConfig(task, data, evalData, loss, safeguard, stabilizer, optimizer, lr,
          lrDecaySteps, batch, steps, width, imageSize, seed, evalEvery, evalExamples,
          checkpointEvery, threads, spikeProbability, spikeSteps, version, srFactor, engine,
          lossWeight, huberAfterClipping, precision, cpu, cpuFlags);
    }
  }

  /**
   * {@code config.json}: the record's components under their {@link JsonProperty} names, in order,
   * nulls left out, with the stabilizer as its name followed by its parameters.
   */
  static final class Json {
    private static final RecordComponent[] COMPONENTS = TrainConfig.class.getRecordComponents();
    private static final String STABILIZER = "stabilizer";

    private Json() {}

    private static String key(RecordComponent c) {
      return c.getAccessor().getAnnotation(JsonProperty.class).value();
    }

    /** Writes a configuration. */
    static final class Writer extends JsonSerializer<TrainConfig> {
      @Override
      public void serialize(TrainConfig config, JsonGenerator gen, SerializerProvider provider)
          throws IOException {
        gen.writeStartObject();
        for (RecordComponent c : COMPONENTS) {
          Object value;
          try {
            value = c.getAccessor().invoke(config);
          } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
          }
          if (value == null) {
            continue;
          }
          if (value instanceof Stabilizer s) {
            gen.writeStringField(STABILIZER, s.name());
            for (Map.Entry<String, Object> e : s.values().entrySet()) {
              provider.defaultSerializeField(e.getKey(), e.getValue(), gen);
            }
          } else {
            provider.defaultSerializeField(key(c), value, gen);
          }
        }
        gen.writeEndObject();
      }
    }

    /** Reads a configuration, rejecting unknown keys and misplaced stabilizer parameters. */
    static final class Reader extends JsonDeserializer<TrainConfig> {
      @Override
      public TrainConfig deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonNode tree = p.getCodec().readTree(p);
        if (!(tree instanceof ObjectNode node)) {
          throw new IllegalArgumentException("a training configuration is a JSON object");
        }
        ObjectMapper mapper = (ObjectMapper) p.getCodec();
        Set<String> stabilizerKeys = new TreeSet<>();
        for (Stabilizer.Param param : Stabilizer.allParams()) {
          stabilizerKeys.add(param.key());
        }
        Set<String> known = new TreeSet<>(stabilizerKeys);
        for (RecordComponent c : COMPONENTS) {
          known.add(key(c));
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
          String k = it.next();
          if (!known.contains(k)) {
            throw new IllegalArgumentException(
                "unknown key '" + k + "' in the training configuration; known keys: " + String.join(", ", known));
          }
        }
        Object[] args = new Object[COMPONENTS.length];
        for (int i = 0; i < COMPONENTS.length; i++) {
          RecordComponent c = COMPONENTS[i];
          JsonNode v = node.get(key(c));
          if (c.getType() == Stabilizer.class) {
            args[i] = stabilizer(node, stabilizerKeys, mapper);
          } else if (v == null || v.isNull()) {
            args[i] = c.getType().isPrimitive() ? primitiveDefault(c.getType()) : null;
          } else {
            JavaType type = mapper.getTypeFactory().constructType(c.getGenericType());
            try {
              args[i] = mapper.treeToValue(v, type);
            } catch (IOException | IllegalArgumentException e) {
              throw new IllegalArgumentException(
                  "'" + key(c) + "' in the training configuration: " + firstLine(e.getMessage()), e);
            }
          }
        }
        try {
          Constructor<TrainConfig> constructor = TrainConfig.class.getDeclaredConstructor(
              java.util.Arrays.stream(COMPONENTS).map(RecordComponent::getType).toArray(Class<?>[]::new));
          return constructor.newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }

      private static Stabilizer stabilizer(ObjectNode node, Set<String> stabilizerKeys, ObjectMapper mapper) {
        JsonNode name = node.get(STABILIZER);
        if (name == null || name.isNull()) {
          throw new IllegalArgumentException(
              "the training configuration has no 'stabilizer' (one of " + String.join(", ", Stabilizer.names()) + ")");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (String k : stabilizerKeys) {
          JsonNode v = node.get(k);
          if (v != null && !v.isNull()) {
            values.put(k, v.isNumber() ? v.numberValue() : v.asText());
          }
        }
        return Stabilizer.of(name.asText(), values);
      }

      private static Object primitiveDefault(Class<?> type) {
        if (type == boolean.class) {
          return false;
        }
        if (type == int.class) {
          return 0;
        }
        if (type == long.class) {
          return 0L;
        }
        return 0.0;
      }

      private static String firstLine(String message) {
        if (message == null) {
          return "invalid value";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
      }
    }
  }

  /** The keys of {@code config.json} in the order they are written (stabilizer parameters aside). */
  public static List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (RecordComponent c : Json.COMPONENTS) {
      keys.add(Json.key(c));
    }
    return keys;
  }
}
