package io.alrc.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Adam that updates the weights and its moments in place: no array of a parameter's size is
 * allocated per step, and only one scalar array (the step's learning rate) per step. A drop-in replacement for DJL's {@code Optimizer.adam()} ({@code
 * DefaultTrainingConfig.optOptimizer(InPlaceAdam.builder()...build())}, then {@code
 * Trainer.step()} as usual), with the same update rule:
 *
 * <pre>
 * g  = rescaleGrad * grad + weightDecay * w
 * m  = beta1 * m + (1 - beta1) * g
 * v  = beta2 * v + (1 - beta2) * g^2
 * w -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon)
 * </pre>
 *
 * (the form of DJL's Adam and of TensorFlow's, which the ALRC paper used). The {@code grad}
 * argument is used as scratch space (DJL's {@code LocalParameterServer} passes a per-step copy).
 * The weight's gradient is zeroed afterwards, also when it held NaN or infinity, so a skipped
 * non-finite step does not poison the next one.
 *
 * <p>Why: DJL's own Adam (PyTorch engine) clones the gradient twice and creates four temporary
 * arrays of the parameter's size per parameter and step; with glibc's malloc each of these large
 * buffers is mmapped and page-faulted afresh, which made {@code Trainer.step()} cost about 50 ms on
 * the paper's 1.04 M-parameter network. See {@code docs/performance.md}.
 *
 * <p>One device per parameter (the state is kept per parameter id). Gradient clipping ({@code
 * optClipGrad}) clips to {@code [-clipGrad, clipGrad]} (DJL's PyTorch kernel clips only from above)
 * and allocates; it is off by default.
 */
public class InPlaceAdam extends Optimizer {
  private final ParameterTracker learningRateTracker;
  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private volatile NDManager stateManager;
  private NDArray lrScalar;
  private int lrStep = -1;
  private float lrValue = Float.NaN;

  /**
   * Creates an optimizer from a builder.
   *
   * @param builder the builder
   */
  protected InPlaceAdam(Builder builder) {
    super(builder);
    learningRateTracker = builder.learningRateTracker;
    beta1 = builder.beta1;
    beta2 = builder.beta2;
    epsilon = builder.epsilon;
  }

  /** A builder with DJL's Adam defaults (lr 0.001, beta 0.9 / 0.999, epsilon 1e-8). */
  public static Builder builder() {
    return new Builder();
  }

  /** {@inheritDoc} */
  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    int t = updateCount(parameterId);
    float lr = learningRateTracker.getNewValue(parameterId, t);
    double corrected = lr * Math.sqrt(1.0 - Math.pow(beta2, t)) / (1.0 - Math.pow(beta1, t));
    float lrt = (float) corrected;
    float wd = getWeightDecay();
    if (!Float.isFinite(lrt) || !Float.isFinite(wd)) {
      throw new IllegalStateException("learning rate or weight decay is NaN or infinite");
    }
    State s = state(parameterId, weight);
    NDArray step = stepLearningRate(s, t, lrt);

    // the incoming gradient is DJL's per-step copy (LocalParameterServer duplicates it): use it as
    // the scratch buffer, so nothing of the parameter's size is allocated
    NDArray g = grad;
    if (rescaleGrad != 1f) {
      g.muli(rescaleGrad);
    }
    if (clipGrad >= 0f) {
      try (NDArray c = g.clip(-clipGrad, clipGrad)) {
        g.muli(s.zero).addi(c);
      }
    }
    if (wd != 0f) {
      try (NDArray d = weight.mul(wd)) {
        g.addi(d);
      }
    }
    // m = b1 * m + (1 - b1) * g  ==  b1 * (m - g) + g
    s.m.subi(g).muli(s.beta1).addi(g);
    // v = b2 * (v - g^2) + g^2
    g.muli(g);
    s.v.subi(g).muli(s.beta2).addi(g);
    // g <- lrt / (sqrt(v) + eps) * m   (g holds g^2, finite here unless the gradient was not)
    g.muli(s.zero).addi(s.v).powi(0.5f).addi(s.eps).powi(-1f).muli(step).muli(s.m);
    weight.subi(g);
    // zero the weight's gradient, NaN- and infinity-proof: pow(x, 0) == 1 for every x
    try (NDArray real = weight.getGradient()) {
      real.powi(0f).subi(s.one);
    }
  }

  private synchronized NDArray stepLearningRate(State s, int t, float lrt) {
    if (lrScalar == null || lrStep != t || lrValue != lrt) {
      if (lrScalar != null) {
        lrScalar.close();
      }
      lrScalar = s.manager.create(lrt);
      lrStep = t;
      lrValue = lrt;
    }
    return lrScalar;
  }

  private State state(String parameterId, NDArray weight) {
    State s = states.get(parameterId);
    if (s == null) {
      synchronized (this) {
        if (stateManager == null) {
          stateManager = weight.getManager().newSubManager();
        }
        s = states.computeIfAbsent(parameterId, k -> new State(stateManager, weight, this));
      }
    }
    return s;
  }

  /** The moments of one parameter and the constants as scalar arrays. */
  private static final class State {
    final NDManager manager;
    final NDArray m;
    final NDArray v;
    final NDArray beta1;
    final NDArray beta2;
    final NDArray eps;
    final NDArray zero;
    final NDArray one;

    State(NDManager manager, NDArray weight, InPlaceAdam o) {
      this.manager = manager;
      m = manager.zeros(weight.getShape(), weight.getDataType());
      v = manager.zeros(weight.getShape(), weight.getDataType());
      beta1 = manager.create(o.beta1);
      beta2 = manager.create(o.beta2);
      eps = manager.create(o.epsilon);
      zero = manager.create(0f);
      one = manager.create(1f);
    }
  }

  /** Builds an {@link InPlaceAdam}. */
  public static final class Builder extends OptimizerBuilder<Builder> {
    private ParameterTracker learningRateTracker = Tracker.fixed(0.001f);
    private float beta1 = 0.9f;
    private float beta2 = 0.999f;
    private float epsilon = 1e-8f;

    Builder() {}

    /** {@inheritDoc} */
    @Override
    protected Builder self() {
      return this;
    }

    /** Sets the learning rate tracker (default: fixed 0.001). */
    public Builder optLearningRateTracker(ParameterTracker tracker) {
      this.learningRateTracker = tracker;
      return this;
    }

    /** Sets the decay rate of the first moment (default 0.9). */
    public Builder optBeta1(float beta1) {
      this.beta1 = beta1;
      return this;
    }

    /** Sets the decay rate of the second moment (default 0.999). */
    public Builder optBeta2(float beta2) {
      this.beta2 = beta2;
      return this;
    }

    /** Sets epsilon (default 1e-8). */
    public Builder optEpsilon(float epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    /** Builds the optimizer. */
    public InPlaceAdam build() {
      return new InPlaceAdam(this);
    }
  }
}
