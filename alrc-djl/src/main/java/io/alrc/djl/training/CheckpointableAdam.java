package io.alrc.djl.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015) whose per-parameter moments and step counts are explicit state that
 * can be saved and restored, so a resumed training run continues bit-identically. DJL's own {@code
 * Adam} keeps that state private; this optimizer runs the same fused native update ({@code
 * NDArrayEx.adamUpdate}, the engine's single-call kernel, which also clears the gradient) with the
 * same bias correction:
 *
 * <pre>
 * t   = number of updates of this parameter, this one included
 * lr' = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
 * m  &lt;- beta1 * m + (1 - beta1) * g
 * v  &lt;- beta2 * v + (1 - beta2) * g^2
 * w  &lt;- w - lr' * m / (sqrt(v) + eps)
 * </pre>
 *
 * <p>The learning rate comes from a {@link ParameterTracker} (DJL's convention); {@link
 * #setLearningRate(float)} replaces it with a fixed value, for loops that compute their own
 * schedule. DJL gives parameters random ids per process, so {@link #save} and {@link #load} match
 * state to parameters by their position in the model's {@link ParameterList}, which is stable for
 * a given network. Single device; not thread-safe (one trainer, one thread).
 */
public final class CheckpointableAdam extends Optimizer {
  private static final int FORMAT = 1;

  private ParameterTracker learningRate;
  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private final Map<String, Moments> moments = new HashMap<>();

  private static final class Moments {
    int count;
    NDArray mean;
    NDArray variance;
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
    Moments m = moments.computeIfAbsent(parameterId, k -> new Moments());
    if (m.mean == null) {
      m.mean = weight.zerosLike();
      m.variance = weight.zerosLike();
    }
    int t = ++m.count;
    double coef1 = 1.0 - Math.pow(beta1, t);
    double coef2 = 1.0 - Math.pow(beta2, t);
    float lr = learningRate.getNewValue(parameterId, t);
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
    weight
        .getNDArrayInternal()
        .adamUpdate(
            new NDList(weight, grad, m.mean, m.variance),
            new NDList(weight),
            lr,
            corrected,
            weightDecay,
            rescaleGrad,
            clipGrad,
            beta1,
            beta2,
            epsilon,
            true,
            false);
  }

  /** The number of updates applied to the parameter {@code parameterId} so far. */
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
      writeArray(out, m.mean);
      writeArray(out, m.variance);
    }
  }

  /**
   * Restores what {@link #save} wrote for the same network.
   *
   * @param manager the manager that will own the moments (the model's)
   * @throws IOException if the saved state is for another number of parameters or shapes
   */
  public void load(DataInputStream in, ParameterList parameters, NDManager manager)
      throws IOException {
    int format = in.readInt();
    if (format != FORMAT) {
      throw new IOException("unsupported Adam state format " + format + ", expected " + FORMAT);
    }
    int n = in.readInt();
    if (n != parameters.size()) {
      throw new IOException(
          "saved Adam state has " + n + " parameters, the network has " + parameters.size());
    }
    for (Moments m : moments.values()) {
      closeMoments(m);
    }
    moments.clear();
    for (Pair<String, Parameter> p : parameters) {
      int count = in.readInt();
      if (count == 0) {
        continue;
      }
      Moments m = new Moments();
      m.count = count;
      m.mean = readArray(in, manager);
      m.variance = readArray(in, manager);
      Parameter parameter = p.getValue();
      if (parameter.isInitialized() && !m.mean.getShape().equals(parameter.getArray().getShape())) {
        throw new IOException(
            "saved Adam moments of " + p.getKey() + " have shape " + m.mean.getShape()
                + ", the parameter has " + parameter.getArray().getShape());
      }
      moments.put(parameter.getId(), m);
    }
  }

  private static void closeMoments(Moments m) {
    if (m.mean != null) {
      m.mean.close();
      m.variance.close();
    }
  }

  private static void writeArray(DataOutputStream out, NDArray array) throws IOException {
    byte[] bytes = array.encode();
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static NDArray readArray(DataInputStream in, NDManager manager) throws IOException {
    int length = in.readInt();
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new IOException("saved Adam state is truncated");
    }
    return NDArray.decode(manager, bytes);
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
