package io.alrc.stabilizer;

import io.alrc.snapshot.SnapshotFormat;
import io.alrc.telemetry.StepTelemetry;
import java.util.Arrays;
import java.util.Locale;

/**
 * AdaGC (Wang, Li, Chen, Zeng, Yang, Yu, Ma, Shen, "AdaGC: Improving Training Stability for Large
 * Language Model Pretraining", arXiv 2502.11034, 2025): adaptive gradient clipping per parameter
 * tensor, each tensor against an exponential moving average of its own past clipped gradient
 * norms. Call {@link #update} once per training step, after backward and before the optimizer
 * step, with the L2 norm of every parameter tensor's gradient in a fixed order; multiply tensor
 * {@code i}'s gradient by {@link Step#scale(int) scale(i)}.
 *
 * <p>With {@code ||g_i||} the norm of tensor {@code i}'s gradient at step {@code t} (counted from
 * 1, finite steps only) and {@code G = sqrt(sum_i ||g_i||^2)} the global norm:
 *
 * <pre>
 * warm-up, t &lt;= T_start (global-norm clipping, gamma = running minimum of the CLIPPED norms):
 *   h     = min(1, lambda_abs / (G + 1e-6))              # the same factor for every tensor
 *   s_i   = h
 *   gamma_i &lt;- min(gamma_i, h * ||g_i||)                 # the first value seen initialises gamma_i
 * afterwards, t &gt; T_start (per tensor):
 *   if ||g_i|| &gt; lambda_rel * gamma_i:
 *     s_i = lambda_rel * gamma_i / (||g_i|| + 1e-6),   c_i = lambda_rel * gamma_i
 *   else:
 *     s_i = 1,                                          c_i = ||g_i||
 *   gamma_i &lt;- beta * gamma_i + (1 - beta) * c_i       # EMA of the CLIPPED norm
 * </pre>
 *
 * The definition follows the paper's algorithm and the authors' PyTorch implementation
 * ({@code lishuai-97/AdaGC}, {@code megatron-gpt2.patch}: class {@code AdaGC} in {@code
 * megatron/optimizer/clip_grads.py}): the warm-up covers steps 1 to {@code T_start} inclusive, its
 * minimum is taken over the norms after the global clipping, the EMA is fed the clipped norm
 * {@code lambda_rel * gamma_i} (not {@code s_i * ||g_i||}, which differs by the 1e-6), and a tensor
 * first seen after the warm-up starts with {@code gamma_i = ||g_i||}. Defaults: {@code lambda_abs}
 * {@value #DEFAULT_LAMBDA_ABS}, {@code lambda_rel} {@value #DEFAULT_LAMBDA_REL}, {@code beta}
 * {@value #DEFAULT_BETA}, {@code T_start} {@value #DEFAULT_WARMUP} steps, as the paper (the
 * authors' GPT-2 script runs {@code lambda_rel} 1.04 and {@code beta} 0.99; their PaddlePaddle
 * version ({@code ClipGradByAdaptiveNorm}) takes the warm-up minimum over the norms before
 * clipping and uses an epsilon of 1e-8). Use it where a single global bound is wrong for some
 * layers, or where gradient norms decay during training so that a fixed bound stops acting.
 *
 * <pre>{@code
 * AdaGC adagc = new AdaGC(params.size());          // lambda_abs 1, lambda_rel 1.05, beta 0.98, 100
 * AdaGC.State state = adagc.init();
 * for (...) {
 *   // backward; norms[i] = L2 norm of params.get(i)'s gradient
 *   AdaGC.Step step = adagc.update(norms, state);
 *   if (step.skipped()) {
 *     continue;                                    // a non-finite norm: no optimizer step
 *   }
 *   // multiply params.get(i)'s gradient by step.scale(i), then the optimizer step
 *   state = step.state();
 * }
 * }</pre>
 *
 * <h2>Deliberate differences from the reference</h2>
 *
 * <ul>
 *   <li><b>Zero norms.</b> A tensor whose gradient norm is exactly 0 keeps {@code gamma_i}
 *       unchanged and gets scale {@code h} (warm-up) or 1, as the reference treats a tensor without
 *       a gradient. The reference would take the 0 into the warm-up minimum, after which {@code
 *       lambda_rel * gamma_i = 0} scales every later gradient of that tensor to 0 for the rest of
 *       training.
 *   <li><b>Non-finite norms.</b> A step with any NaN or infinite norm is skipped: every scale is 0
 *       (the caller must not apply the step), the state is unchanged and the step does not count
 *       towards the warm-up. The reference aborts on NaN ({@code check_for_nan_in_grad}).
 *   <li><b>Arithmetic.</b> All in {@code double}; the clipped warm-up norm is {@code h *
 *       ||g_i||}, computed from the input rather than measured again on the scaled gradient.
 * </ul>
 *
 * <h2>Tensor count</h2>
 *
 * The number of parameter tensors is fixed by the constructor: the state holds one {@code gamma}
 * per tensor, every update must bring exactly that many norms in the same order, and a snapshot
 * records the count, which {@link #restore} checks.
 *
 * <p>Thread-safe and immutable: the clipper holds only its configuration; the state goes in and a
 * new one comes out; the input arrays are never modified (except by {@link #clipInPlace}, whose
 * job that is).
 */
public final class AdaGC {
  /** The kind written in snapshots and telemetry. */
  public static final String KIND = "adagc";

  /** The default global-norm bound during the warm-up, {@code lambda_abs}. */
  public static final double DEFAULT_LAMBDA_ABS = 1.0;

  /** The default relative bound, {@code lambda_rel}. */
  public static final double DEFAULT_LAMBDA_REL = 1.05;

  /** The default EMA factor, {@code beta}. */
  public static final double DEFAULT_BETA = 0.98;

  /** The default number of warm-up steps, {@code T_start}. */
  public static final int DEFAULT_WARMUP = 100;

  private final int tensors;
  private final double lambdaAbs;
  private final double lambdaRel;
  private final double beta;
  private final int warmup;

  /**
   * AdaGC with the paper's defaults for a model of {@code tensors} parameter tensors.
   *
   * @param tensors the number of parameter tensors; &gt;= 1
   */
  public AdaGC(int tensors) {
    this(tensors, DEFAULT_LAMBDA_ABS, DEFAULT_LAMBDA_REL, DEFAULT_BETA, DEFAULT_WARMUP);
  }

  /**
   * @param tensors the number of parameter tensors, whose norms every update brings in a fixed
   *     order; &gt;= 1
   * @param lambdaAbs the global-norm bound during the warm-up; finite, &gt; 0
   * @param lambdaRel the largest allowed ratio of a tensor's norm to its EMA; finite, &gt;= 1
   * @param beta the EMA factor; in [0, 1)
   * @param warmup the number of global-clipping warm-up steps {@code T_start}; &gt;= 0
   */
  public AdaGC(int tensors, double lambdaAbs, double lambdaRel, double beta, int warmup) {
    if (tensors < 1) {
      throw new IllegalArgumentException("tensors (" + tensors + ") must be >= 1");
    }
    if (!(Double.isFinite(lambdaAbs) && lambdaAbs > 0)) {
      throw new IllegalArgumentException("lambdaAbs (" + lambdaAbs + ") must be finite and > 0");
    }
    if (!(Double.isFinite(lambdaRel) && lambdaRel >= 1)) {
      throw new IllegalArgumentException("lambdaRel (" + lambdaRel + ") must be finite and >= 1");
    }
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException("beta (" + beta + ") must be in [0, 1)");
    }
    if (warmup < 0) {
      throw new IllegalArgumentException("warmup (" + warmup + ") must be >= 0");
    }
    this.tensors = tensors;
    this.lambdaAbs = lambdaAbs;
    this.lambdaRel = lambdaRel;
    this.beta = beta;
    this.warmup = warmup;
  }

  /** The kind, {@value #KIND}. */
  public String kind() {
    return KIND;
  }

  /** The number of parameter tensors. */
  public int tensors() {
    return tensors;
  }

  /** The global-norm bound during the warm-up, {@code lambda_abs}. */
  public double lambdaAbs() {
    return lambdaAbs;
  }

  /** The relative bound {@code lambda_rel}. */
  public double lambdaRel() {
    return lambdaRel;
  }

  /** The EMA factor {@code beta}. */
  public double beta() {
    return beta;
  }

  /** The number of warm-up steps {@code T_start}. */
  public int warmup() {
    return warmup;
  }

  /** The fresh state: no steps, no {@code gamma} yet. */
  public State init() {
    double[] gamma = new double[tensors];
    Arrays.fill(gamma, Double.NaN);
    return new State(0, gamma);
  }

  /**
   * One training step.
   *
   * @param norms the L2 norm of each parameter tensor's gradient, {@link #tensors()} of them in the
   *     fixed order; each &gt;= 0 (a NaN or infinite norm skips the step)
   * @param state the state after the previous step ({@link #init()} for the first)
   * @return the per-tensor scales, the next state and the telemetry
   * @throws IllegalArgumentException for the wrong number of norms or a negative norm (naming the
   *     tensor and its value)
   */
  public Step update(double[] norms, State state) {
    if (norms == null || state == null) {
      throw new IllegalArgumentException("norms and state must not be null");
    }
    if (norms.length != tensors) {
      throw new IllegalArgumentException(
          "expected " + tensors + " tensor norms (this AdaGC was built for " + tensors
              + " tensors), got " + norms.length);
    }
    if (state.gamma.length != tensors) {
      throw new IllegalArgumentException(
          "state holds " + state.gamma.length + " tensors, this AdaGC has " + tensors);
    }
    long step = state.steps + 1;
    boolean warming = step <= warmup;
    double sumSq = 0;
    int nonFinite = -1;
    for (int i = 0; i < tensors; i++) {
      double g = norms[i];
      if (g < 0) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT, "norm of tensor %d (%s) at step %d must be >= 0", i, g, step));
      }
      if (!Double.isFinite(g)) {
        if (nonFinite < 0) {
          nonFinite = i;
        }
      } else {
        sumSq += g * g;
      }
    }
    if (nonFinite >= 0) {
      return new Step(
          new double[tensors],
          state,
          GlobalNormClipper.skippedTelemetry(
              step, norms[nonFinite], warming ? lambdaAbs : lambdaRel));
    }
    double[] scales = new double[tensors];
    double[] gamma = state.gamma.clone();
    int clipped = 0;
    double minScale = 1;
    double observed;
    double threshold;
    if (warming) {
      double global = Math.sqrt(sumSq);
      double h = Norms.clipScale(global, lambdaAbs);
      for (int i = 0; i < tensors; i++) {
        scales[i] = h;
        double g = norms[i];
        if (g > 0) {
          double c = h * g;
          gamma[i] = Double.isNaN(gamma[i]) ? c : Math.min(gamma[i], c);
        }
      }
      if (h < 1) {
        clipped = tensors;
        minScale = h;
      }
      observed = global;
      threshold = lambdaAbs;
    } else {
      double maxRatio = 0;
      for (int i = 0; i < tensors; i++) {
        double g = norms[i];
        double s = 1;
        if (g > 0) {
          double avg = Double.isNaN(gamma[i]) ? g : gamma[i];
          double bound = lambdaRel * avg;
          double c = g;
          if (g > bound) {
            s = bound / (g + Norms.NORM_EPS);
            c = bound;
            clipped++;
            minScale = Math.min(minScale, s);
          }
          maxRatio = Math.max(maxRatio, g / avg);
          gamma[i] = beta * avg + (1 - beta) * c;
        }
        scales[i] = s;
      }
      observed = maxRatio;
      threshold = lambdaRel;
    }
    return new Step(
        scales,
        new State(step, gamma),
        new StepTelemetry(
            step, observed, threshold, Double.NaN, Double.NaN, clipped, minScale, false));
  }

  /**
   * Measures the norm of each gradient, computes the step with {@link #update} and scales the
   * gradients in place (unless the step is skipped, when they are left as they are).
   *
   * @param grads one array per parameter tensor, in the fixed order; modified in place
   * @param state the state after the previous step
   * @return the step, as {@link #update} returns it
   */
  public Step clipInPlace(float[][] grads, State state) {
    if (grads == null) {
      throw new IllegalArgumentException("grads must not be null");
    }
    double[] norms = new double[grads.length];
    for (int i = 0; i < grads.length; i++) {
      norms[i] = Norms.globalNorm(grads[i]);
    }
    Step step = update(norms, state);
    if (!step.skipped()) {
      for (int i = 0; i < grads.length; i++) {
        double s = step.scale(i);
        if (s < 1) {
          float[] g = grads[i];
          for (int k = 0; k < g.length; k++) {
            g[k] = (float) (g[k] * s);
          }
        }
      }
    }
    return step;
  }

  /** Encodes the configuration, the tensor count and {@code state}. */
  public byte[] snapshot(State state) {
    return SnapshotFormat.encode(
        KIND,
        out -> {
          out.writeInt(tensors);
          out.writeDouble(lambdaAbs);
          out.writeDouble(lambdaRel);
          out.writeDouble(beta);
          out.writeInt(warmup);
          out.writeLong(state.steps);
          Snapshots.writeDoubles(out, state.gamma);
        });
  }

  /**
   * Decodes a snapshot taken with the same configuration and tensor count.
   *
   * @throws IllegalArgumentException if the bytes are not an AdaGC snapshot, were taken with
   *     another configuration or tensor count (the message names both), or are truncated
   */
  public State restore(byte[] bytes) {
    return SnapshotFormat.decode(
        bytes,
        KIND,
        in -> {
          Snapshots.expectSame("tensors", in.readInt(), tensors);
          Snapshots.expectSame("lambdaAbs", in.readDouble(), lambdaAbs);
          Snapshots.expectSame("lambdaRel", in.readDouble(), lambdaRel);
          Snapshots.expectSame("beta", in.readDouble(), beta);
          Snapshots.expectSame("warmup", in.readInt(), warmup);
          long steps = in.readLong();
          int n = in.readInt();
          if (steps < 0 || n != tensors) {
            throw new IllegalArgumentException(
                "AdaGC snapshot is corrupt: steps " + steps + ", " + n + " gamma values for "
                    + tensors + " tensors");
          }
          return new State(steps, Snapshots.readDoubles(in, n));
        });
  }

  @Override
  public String toString() {
    return "AdaGC[tensors=" + tensors + ", lambdaAbs=" + lambdaAbs + ", lambdaRel=" + lambdaRel
        + ", beta=" + beta + ", warmup=" + warmup + "]";
  }

  /**
   * AdaGC's state: the number of steps and, per tensor, {@code gamma_i} (NaN until the tensor has
   * had a non-zero gradient norm). Immutable; {@link #gamma()} returns a copy.
   */
  public static final class State {
    private final long steps;
    private final double[] gamma;

    State(long steps, double[] gamma) {
      this.steps = steps;
      this.gamma = gamma;
    }

    /** Steps processed so far, skipped ones excluded. */
    public long steps() {
      return steps;
    }

    /** The number of tensors. */
    public int tensors() {
      return gamma.length;
    }

    /** {@code gamma_i} of tensor {@code i}; NaN while it has had no non-zero norm. */
    public double gamma(int i) {
      return gamma[i];
    }

    /** A copy of all {@code gamma_i}. */
    public double[] gamma() {
      return gamma.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s && steps == s.steps && Arrays.equals(gamma, s.gamma);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(steps) * 31 + Arrays.hashCode(gamma);
    }

    @Override
    public String toString() {
      return "AdaGC.State[steps=" + steps + ", gamma=" + Arrays.toString(gamma) + "]";
    }
  }

  /**
   * One AdaGC step's result. Immutable: {@link #scales()} returns a copy.
   *
   * <p>Telemetry: during the warm-up {@code observed} is the global norm {@code G} and {@code
   * threshold} is {@code lambda_abs}; afterwards {@code observed} is the largest ratio {@code
   * ||g_i|| / gamma_i} over the tensors (gamma before the step) and {@code threshold} is {@code
   * lambda_rel}, so in both phases {@code observed > threshold} means that something was clipped.
   * {@code clipped} counts the tensors scaled down (all of them when the warm-up's global clip
   * acts); {@code mean} and {@code sigma} are NaN.
   */
  public static final class Step {
    private final double[] scales;
    private final State state;
    private final StepTelemetry telemetry;

    Step(double[] scales, State state, StepTelemetry telemetry) {
      this.scales = scales;
      this.state = state;
      this.telemetry = telemetry;
    }

    /** The factor for tensor {@code i}'s gradient: in (0, 1]; 0 when the step is skipped. */
    public double scale(int i) {
      return scales[i];
    }

    /** A copy of the per-tensor scales, in the order of the input norms. */
    public double[] scales() {
      return scales.clone();
    }

    /** The number of tensors. */
    public int size() {
      return scales.length;
    }

    /** The state after this step (the previous one if skipped). */
    public State state() {
      return state;
    }

    /** What was measured and done. */
    public StepTelemetry telemetry() {
      return telemetry;
    }

    /** Whether the step was skipped because a norm was not finite. */
    public boolean skipped() {
      return telemetry.skipped();
    }

    @Override
    public String toString() {
      return "AdaGC.Step[" + telemetry + ", scales=" + Arrays.toString(scales) + "]";
    }
  }
}
