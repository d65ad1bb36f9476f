package io.alrc.djl.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.alrc.optim.AdamKernel;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015) whose per-parameter moments and step counts are explicit state that
 * can be saved and restored, so a resumed training run continues bit-identically, and whose update
 * is one fused pass over each parameter. Same update and bias correction as DJL's {@code Adam}:
 *
 * <pre>
 * t   = number of updates of this parameter, this one included
 * g   = rescaleGrad * grad, clipped to [-clipGrad, clipGrad] if clipGrad &gt;= 0, + weightDecay * w
 * lr' = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
 * m  &lt;- beta1 * m + (1 - beta1) * g
 * v  &lt;- beta2 * v + (1 - beta2) * g^2
 * w  &lt;- w - lr' * m / (sqrt(v) + eps)
 * </pre>
 *
 * then the parameter's gradient is set to 0, as DJL's PyTorch optimizers do after their update.
 * All arithmetic is float32, in the order written. Non-finite gradients are not filtered: they
 * reach the moments and the weights (guard the step with {@link StepGuard} to skip such steps).
 *
 * <p><b>Why not DJL's kernel.</b> On the PyTorch engine DJL's Adam makes about 14 passes over each
 * parameter (it clones the gradient, adds {@code 0 * w} when there is no weight decay, and builds
 * the denominator in four temporary arrays) and its parameter server copies every gradient once
 * more; for a network of a million parameters that is about 3.5 ms a step on two cores, twice
 * PyTorch's own Adam. This class keeps the moments in Java arrays and makes one pass: it copies the
 * gradient into Java and clears the parameter's gradient, then, in chunks of 8,192 elements that
 * stay in cache, copies the weight into Java, runs a loop the JIT compiles to SIMD code and writes
 * the weight back, all through the engine's direct buffers over the arrays' native memory ({@link
 * NDArray#toByteBuffer(boolean)}). On the first update of
 * each parameter it checks, by reading the weight and the gradient back, that the direct buffer is
 * the array's own memory; where it is not (an engine or device without shared memory, a
 * non-contiguous layout) that parameter is updated through ordinary array operations instead, with
 * identical results. See docs/performance.md for the measured effect.
 *
 * <p>The learning rate comes from a {@link ParameterTracker} (DJL's convention); {@link
 * #setLearningRate(float)} replaces it with a fixed value, for loops that compute their own
 * schedule. DJL gives parameters random ids per process, so {@link #save} and {@link #load} match
 * state to parameters by their position in the model's {@link ParameterList}, which is stable for
 * a given network. float32 parameters only, on one device (a second device's update of the same
 * parameter throws: DJL's multi-device training would apply the moments once per device). Not
 * thread-safe (one trainer, one thread).
 */
public final class CheckpointableAdam extends Optimizer {
  /** Moments as NDArray.encode() bytes (before the fused update). */
  private static final int FORMAT_ENCODED = 1;
  /** Moments as little-endian float32. */
  private static final int FORMAT = 2;
  /** Elements per chunk of the fast path: four chunks (w, g, m, v) stay within L2 cache. */
  private static final int CHUNK = 8192;

  private ParameterTracker learningRate;
  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private final Map<String, Moments> moments = new HashMap<>();
  private float[] weightScratch = new float[0];
  private float[] gradScratch = new float[0];
  private float[] zeros = new float[0];
  private boolean directMemory = true;
  private float lastLearningRate = Float.NaN;

  private static final class Moments {
    int count;
    float[] mean;
    float[] variance;
    /** Null until the first update checked whether the direct buffers are the arrays' memory. */
    Boolean direct;
    /** The device of the first update: the moments belong to one device's copy of the weight. */
    Device device;
  }

  private CheckpointableAdam(Builder builder) {
    super(builder);
    this.learningRate = builder.learningRate;
    this.beta1 = builder.beta1;
    this.beta2 = builder.beta2;
    this.epsilon = builder.epsilon;
  }

  /** A builder with DJL's Adam defaults: lr 0.001, beta1 0.9, beta2 0.999, eps 1e-8. */
  public static Builder builder() {
    return new Builder();
  }

  /** Uses the fixed learning rate {@code lr} from the next update on. */
  public void setLearningRate(float lr) {
    if (!(lr > 0 && Float.isFinite(lr))) {
      throw new IllegalArgumentException("learning rate (" + lr + ") must be finite and > 0");
    }
    this.learningRate = Tracker.fixed(lr);
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    if (weight.getDataType() != DataType.FLOAT32 || grad.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          "CheckpointableAdam updates float32 parameters only; parameter " + parameterId
              + " is " + weight.getDataType() + " with a " + grad.getDataType() + " gradient");
    }
    int n = Math.toIntExact(weight.size());
    Moments m = moments.computeIfAbsent(parameterId, k -> new Moments());
    if (m.mean == null) {
      m.mean = new float[n];
      m.variance = new float[n];
    }
    if (m.mean.length != n) {
      throw new IllegalStateException(
          "Adam moments of parameter " + parameterId + " have " + m.mean.length
              + " elements, the parameter has " + n);
    }
    if (m.device == null) {
      m.device = weight.getDevice();
    } else if (!m.device.equals(weight.getDevice())) {
      throw new IllegalStateException(
          "CheckpointableAdam keeps one set of moments per parameter and supports one device:"
              + " parameter " + parameterId + " was updated on " + m.device + " and now on "
              + weight.getDevice() + " (DJL's multi-device training updates each parameter once"
              + " per device, which would apply the moments twice); train on one device");
    }
    if (!directMemory) {
      m.direct = false;
    }
    int t = ++m.count;
    double coef1 = 1.0 - Math.pow(beta1, t);
    double coef2 = 1.0 - Math.pow(beta2, t);
    float lr = learningRate.getNewValue(parameterId, t);
    lastLearningRate = lr;
    float corrected = (float) (lr * Math.sqrt(coef2) / coef1);
    float weightDecay = getWeightDecay();
    if (!Float.isFinite(corrected) || !Float.isFinite(weightDecay)) {
      throw new IllegalStateException(
          String.format(
              Locale.ROOT,
              "Adam step %d of parameter %s: bias-corrected learning rate %s or weight decay %s is"
                  + " not finite",
              t,
              parameterId,
              corrected,
              weightDecay));
    }
    if (Boolean.TRUE.equals(m.direct)) {
      updateInPlace(m, weight, grad, n, corrected, weightDecay);
    } else {
      updateCopying(m, weight, grad, n, corrected, weightDecay);
    }
  }

  /**
   * The fast path, through the arrays' direct buffers: copies the gradient into Java and clears
   * the parameter's gradient while both are still in cache, then updates the weight chunk by chunk
   * (read, update, write back while the chunk is in cache).
   */
  private void updateInPlace(
      Moments m, NDArray weight, NDArray grad, int n, float corrected, float weightDecay) {
    ensureScratch(n);
    float[] w = weightScratch;
    float[] g = gradScratch;
    floats(grad).get(0, g, 0, n);
    try (NDArray parameterGrad = weight.getGradient()) {
      floats(parameterGrad).put(0, zeros, 0, n);
    }
    FloatBuffer weightMemory = floats(weight);
    boolean prepare = rescaleGrad != 1f || clipGrad >= 0f || weightDecay != 0f;
    for (int off = 0; off < n; off += CHUNK) {
      int end = Math.min(off + CHUNK, n);
      weightMemory.get(off, w, off, end - off);
      if (prepare) {
        prepareGradient(g, w, off, end, rescaleGrad, clipGrad, weightDecay);
      }
      AdamKernel.update(w, g, m.mean, m.variance, off, end, beta1, beta2, corrected, epsilon);
      weightMemory.put(off, w, off, end - off);
    }
  }

  /**
   * The first update of a parameter, and every update where direct buffers are not the arrays'
   * memory: whole-array copies, then a check (first update) whether writing through the direct
   * buffers reached the arrays; where not, indexed sets write the same values.
   */
  private void updateCopying(
      Moments m, NDArray weight, NDArray grad, int n, float corrected, float weightDecay) {
    ensureScratch(n);
    float[] w = weightScratch;
    float[] g = gradScratch;
    floats(grad).get(g, 0, n);
    FloatBuffer weightMemory = floats(weight);
    weightMemory.get(w, 0, n);
    if (rescaleGrad != 1f || clipGrad >= 0f || weightDecay != 0f) {
      prepareGradient(g, w, 0, n, rescaleGrad, clipGrad, weightDecay);
    }
    AdamKernel.update(w, g, m.mean, m.variance, 0, n, beta1, beta2, corrected, epsilon);
    if (m.direct == null) {
      weightMemory.put(0, w, 0, n);
      boolean cleared = clearGradientDirect(weight, n);
      m.direct = cleared && Arrays.equals(weight.toFloatArray(), 0, n, w, 0, n);
      if (m.direct) {
        return;
      }
      // the buffers were copies: nothing reached the parameter; apply the same values below
    }
    try (NDManager scratch = weight.getManager().newSubManager()) {
      weight.set(new NDIndex("..."), scratch.create(Arrays.copyOf(w, n), weight.getShape()));
    }
    GuardedOptimizer.clearGradient(weight);
  }

  private void ensureScratch(int n) {
    if (weightScratch.length < n) {
      weightScratch = new float[n];
      gradScratch = new float[n];
      zeros = new float[n];
    }
  }

  private static FloatBuffer floats(NDArray array) {
    return array.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /** Zeroes the parameter's gradient through its direct buffer and checks that it took. */
  private boolean clearGradientDirect(NDArray weight, int n) {
    try (NDArray parameterGrad = weight.getGradient()) {
      ByteBuffer bytes = parameterGrad.toByteBuffer(true);
      if (!bytes.isDirect()) {
        return false;
      }
      bytes.order(ByteOrder.nativeOrder()).asFloatBuffer().put(0, zeros, 0, n);
      return Arrays.equals(parameterGrad.toFloatArray(), 0, n, zeros, 0, n);
    }
  }

  private static void prepareGradient(
      float[] g, float[] w, int from, int to, float rescale, float clip, float weightDecay) {
    for (int i = from; i < to; i++) {
      float gi = g[i] * rescale;
      if (clip >= 0f) {
        gi = Math.max(-clip, Math.min(clip, gi));
      }
      g[i] = gi + weightDecay * w[i];
    }
  }

  /** Tests: never write through direct buffers (the path other engines and devices take). */
  void disableDirectMemory() {
    directMemory = false;
  }

  /** Tests: whether every parameter updated so far was written through its direct buffer. */
  boolean writesDirectly() {
    return !moments.isEmpty()
        && moments.values().stream().allMatch(m -> Boolean.TRUE.equals(m.direct));
  }

  /**
   * The learning rate of the most recent update (before bias correction), as the tracker gave it;
   * NaN before the first update. With a per-step schedule it is the rate of the last step taken.
   */
  public float lastLearningRate() {
    return lastLearningRate;
  }

  /** The number of updates applied to the parameter {@code parameter} so far. */
  public int updateCount(Parameter parameter) {
    Moments m = moments.get(parameter.getId());
    return m == null ? 0 : m.count;
  }

  /**
   * Writes the step count and both moments of every parameter, in the order of {@code
   * parameters}.
   */
  public void save(DataOutputStream out, ParameterList parameters) throws IOException {
    out.writeInt(FORMAT);
    out.writeInt(parameters.size());
    for (Pair<String, Parameter> p : parameters) {
      Moments m = moments.get(p.getValue().getId());
      if (m == null || m.mean == null) {
        out.writeInt(0);
        continue;
      }
      out.writeInt(m.count);
      out.writeInt(m.mean.length);
      writeFloats(out, m.mean);
      writeFloats(out, m.variance);
    }
  }

  /**
   * Restores what {@link #save} wrote for the same network.
   *
   * @param manager used only to decode state saved by earlier versions (format 1)
   * @throws IOException if the saved state is for another number of parameters or shapes, or is
   *     cut short
   */
  public void load(DataInputStream in, ParameterList parameters, NDManager manager)
      throws IOException {
    int format = in.readInt();
    if (format != FORMAT && format != FORMAT_ENCODED) {
      throw new IOException(
          "unsupported Adam state format " + format + ", expected " + FORMAT + " or "
              + FORMAT_ENCODED);
    }
    int n = in.readInt();
    if (n != parameters.size()) {
      throw new IOException(
          "saved Adam state has " + n + " parameters, the network has " + parameters.size());
    }
    Map<String, Moments> loaded = new HashMap<>();
    for (Pair<String, Parameter> p : parameters) {
      int count = in.readInt();
      if (count == 0) {
        continue;
      }
      Moments m = new Moments();
      m.count = count;
      if (format == FORMAT) {
        int size = in.readInt();
        if (size < 0) {
          throw new IOException("saved Adam state is corrupt: negative size " + size);
        }
        m.mean = readFloats(in, size);
        m.variance = readFloats(in, size);
      } else {
        m.mean = readEncoded(in, manager);
        m.variance = readEncoded(in, manager);
      }
      Parameter parameter = p.getValue();
      if (parameter.isInitialized() && m.mean.length != parameter.getArray().size()) {
        throw new IOException(
            "saved Adam moments of " + p.getKey() + " have " + m.mean.length
                + " elements, the parameter has shape " + parameter.getArray().getShape());
      }
      loaded.put(parameter.getId(), m);
    }
    moments.clear();
    moments.putAll(loaded);
  }

  private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES);
    bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
    out.write(bytes.array());
  }

  private static float[] readFloats(DataInputStream in, int size) throws IOException {
    byte[] bytes = in.readNBytes(size * Float.BYTES);
    if (bytes.length != size * Float.BYTES) {
      throw new IOException("saved Adam state is truncated");
    }
    float[] values = new float[size];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  private static float[] readEncoded(DataInputStream in, NDManager manager) throws IOException {
    int length = in.readInt();
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new IOException("saved Adam state is truncated");
    }
    try (NDArray array = NDArray.decode(manager, bytes)) {
      return array.toFloatArray();
    }
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "CheckpointableAdam[beta1=%s, beta2=%s, eps=%s, %d parameters]",
        beta1,
        beta2,
        epsilon,
        moments.size());
  }

  /** Builds {@link CheckpointableAdam}; {@code optX} setters as DJL's {@code Adam.Builder}. */
  public static final class Builder extends OptimizerBuilder<Builder> {
    private ParameterTracker learningRate = Tracker.fixed(0.001f);
    private float beta1 = 0.9f;
    private float beta2 = 0.999f;
    private float epsilon = 1e-8f;

    Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /** The learning rate tracker (default: fixed 0.001). */
    public Builder optLearningRateTracker(ParameterTracker tracker) {
      this.learningRate = tracker;
      return this;
    }

    /** Decay of the first moment (default 0.9). */
    public Builder optBeta1(float beta1) {
      this.beta1 = beta1;
      return this;
    }

    /** Decay of the second moment (default 0.999). */
    public Builder optBeta2(float beta2) {
      this.beta2 = beta2;
      return this;
    }

    /** Added to the denominator (default 1e-8). */
    public Builder optEpsilon(float epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming a beta outside [0, 1) or a negative epsilon
     */
    public CheckpointableAdam build() {
      if (!(beta1 >= 0 && beta1 < 1)) {
        throw new IllegalArgumentException("beta1 (" + beta1 + ") must be in [0, 1)");
      }
      if (!(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("beta2 (" + beta2 + ") must be in [0, 1)");
      }
      if (!(epsilon >= 0)) {
        throw new IllegalArgumentException("epsilon (" + epsilon + ") must be >= 0");
      }
      return new CheckpointableAdam(this);
    }
  }
}
