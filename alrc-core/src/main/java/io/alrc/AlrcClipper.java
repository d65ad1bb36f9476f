package io.alrc;

import java.util.Locale;

/**
 * Adaptive learning rate clipping (ALRC; Ede and Beanland, "Adaptive Learning Rate Clipping
 * Stabilizes Learning", Machine Learning: Science and Technology 2020, arXiv 1906.09060).
 *
 * <p>ALRC limits each backpropagated per-example loss to a number of running standard deviations
 * above the running mean of the loss. A spiking example keeps its gradient direction; only its
 * magnitude shrinks, which is the same as lowering the learning rate for that example. Use it when
 * training with small batches, high-order losses (e.g. mean quartic error) or high learning rates
 * suffers from single losses far above the rest.
 *
 * <p>One {@link #update(double[], AlrcState) update} per training step, on the per-example losses
 * {@code L_1..L_B >= 0} of that step (not their batch mean):
 *
 * <pre>
 * sigma = sqrt(max(mu2 - mu1^2, 0) + eps)
 * lmax  = mu1 + n * sigma                      # from the moments BEFORE this step's update
 * for each example i:
 *     if L_i &lt; lmax:  out_i = L_i,   s_i = 1
 *     else:           out_i = lmax,  s_i = lmax / L_i
 * objective = mean_i(L_i * s_i)  with s_i a constant (no gradient through s_i, mu1, mu2)
 * mu1 &lt;- beta1 * mu1 + gamma1 * mean_i(out_i)       # updated with the CLIPPED values
 * mu2 &lt;- beta2 * mu2 + gamma2 * mean_i(out_i^2)
 * </pre>
 *
 * The gradient of example {@code i} is {@code s_i * dL_i/dtheta}: multiply each example's loss by
 * its scale as a constant (stop-gradient) before taking the batch mean. The constants are in {@link
 * AlrcConfig}. With the auto start (the default, {@link AlrcConfig#auto()}) the first K losses are
 * clipped at a robust bound (median + 6 robust standard deviations) instead, the moments start
 * from them, and the updates use Adam's bias-corrected weights; {@link AlrcConfig} has the exact
 * rule. {@link AlrcStep#warmup()} tells which steps were warm-up steps.
 *
 * <h2>Edge cases</h2>
 *
 * <ul>
 *   <li>A loss of exactly 0 gets scale 1 and output 0, never 0/0.
 *   <li>A non-finite loss (NaN or infinity) in any example skips the whole step: the moments are
 *       untouched, every scale is 0 (nothing may be updated), the skip is counted in the state, and
 *       the {@link AlrcConfig#nonFiniteLimit() K-th} consecutive skipped step throws {@link
 *       NonFiniteLossException}.
 *   <li>A finite negative loss is outside ALRC's domain and throws {@link IllegalArgumentException}
 *       naming the example and its value. So does an empty batch.
 *   <li>{@code mu2 - mu1^2} below 0 by rounding is clamped at 0.
 * </ul>
 *
 * <h2>Precision</h2>
 *
 * All arithmetic is in {@code double}; float inputs are widened exactly. Results match the spec's
 * float32 test vectors to float32 precision.
 *
 * <h2>Thread safety</h2>
 *
 * A clipper holds only its immutable configuration; the state is passed in and returned, never
 * kept. Instances are therefore thread-safe, and the input arrays are never modified. Callers that
 * share one evolving state between threads must order their updates themselves.
 */
public final class AlrcClipper {
  private final AlrcConfig config;
  private final double lowerN;
  private final long powerFree1;
  private final long powerFree2;

  /** A clipper for {@code config}. */
  public AlrcClipper(AlrcConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("config must not be null");
    }
    this.config = config;
    this.lowerN = config.lowerN().isPresent() ? config.lowerN().getAsDouble() : Double.NaN;
    this.powerFree1 = powerFree(config.beta1());
    this.powerFree2 = powerFree(config.beta2());
  }

  /** A step count past which {@code beta^t < e^-40}, so that {@code 1 - beta^t} rounds to 1. */
  private static long powerFree(double beta) {
    return (long) Math.ceil(40 / -StrictMath.log(beta));
  }

  /** The configuration. */
  public AlrcConfig config() {
    return config;
  }

  /**
   * The running standard deviation a step from {@code state} uses: {@code sqrt(max(mu2 - mu1^2, 0)
   * + eps)}, with {@code eps * mu2} in place of {@code eps} for the auto start.
   */
  public double sigma(AlrcState state) {
    return config.autoStart() ? autoSigma(state.mu1(), state.mu2()) : state.sigma(config.eps());
  }

  /**
   * The threshold in force for a step from {@code state}, as a skipped step reports it: {@code mu1
   * + n * sigma}; during the auto start's warm-up the bound of the warm-up losses so far (a step's
   * own losses still move it); {@code +Infinity} while nothing is clipped (a warm-up without
   * enough losses, the legacy warm-up, only zero losses so far).
   */
  public double threshold(AlrcState state) {
    boolean warming = state.inWarmup(config);
    if (config.autoStart()) {
      if (warming) {
        return warmupBound(bufferOf(state), state.warmupBufferSize());
      }
      double lmax = state.mu1() + config.n() * sigma(state);
      return lmax > 0 ? lmax : Double.POSITIVE_INFINITY;
    }
    return warming ? Double.POSITIVE_INFINITY : state.mu1() + config.n() * sigma(state);
  }

  /** The fresh state: {@code mu1(0)}, {@code mu2(0)}, all counters 0. */
  public AlrcState init() {
    return AlrcState.initial(config);
  }

  /**
   * One training step on per-example losses given as floats; see {@link #update(double[],
   * AlrcState)}.
   */
  public AlrcStep update(float[] losses, AlrcState state) {
    if (losses == null) {
      throw new IllegalArgumentException("losses must not be null");
    }
    double[] wide = new double[losses.length];
    for (int i = 0; i < losses.length; i++) {
      wide[i] = losses[i];
    }
    return update(wide, state);
  }

  /**
   * One training step: computes the threshold from {@code state}, the scale of every example, and
   * the next state. Does not modify {@code losses}.
   *
   * @param losses the step's per-example losses, each finite and &gt;= 0 (a non-finite value skips
   *     the step); at least one
   * @param state the state after the previous step ({@link #init()} for the first)
   * @return the scales, clipped losses, threshold and the next state
   * @throws IllegalArgumentException for an empty batch or a finite negative loss (naming the
   *     example index and value)
   * @throws NonFiniteLossException when this is the {@link AlrcConfig#nonFiniteLimit() K-th}
   *     consecutive step with a non-finite loss
   */
  public AlrcStep update(double[] losses, AlrcState state) {
    if (losses == null || state == null) {
      throw new IllegalArgumentException("losses and state must not be null");
    }
    final int b = losses.length;
    if (b == 0) {
      throw new IllegalArgumentException("losses must hold at least one example loss, got none");
    }
    final long step = state.steps() + 1;
    final double sigma = state.sigma(config.eps());
    int nonFinite = -1;
    double maxLoss = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < b; i++) {
      double l = losses[i];
      if (!Double.isFinite(l)) {
        if (nonFinite < 0) {
          nonFinite = i;
        }
      } else if (l < 0) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "loss of example %d (%s) at step %d is negative: ALRC needs losses >= 0",
                i,
                l,
                step));
      } else if (l > maxLoss) {
        maxLoss = l;
      }
    }
    if (nonFinite >= 0) {
      return skip(losses, state, step, nonFinite);
    }

    if (config.autoStart()) {
      return autoUpdate(losses, state, step, maxLoss);
    }
    final boolean warming = config.warmupLosses() > 0 && state.warmupCount() < config.warmupLosses();
    final double lmax = warming ? Double.POSITIVE_INFINITY : state.mu1() + config.n() * sigma;
    final double lmin =
        warming || Double.isNaN(lowerN) ? Double.NEGATIVE_INFINITY : state.mu1() - lowerN * sigma;
    final double[] out = new double[b];
    final double[] scales = new double[b];
    final double[] sums = new double[3];
    final int clipped = clip(losses, lmax, lmin, out, scales, sums);
    final double minScale = sums[2];
    final double sumOut = sums[0];
    final double sumOutSq = sums[1];
    final double meanOut = sumOut / b;
    final double meanOutSq = sumOutSq / b;

    AlrcState next;
    if (warming) {
      long count = state.warmupCount() + b;
      double sum = state.warmupSum() + sumOut;
      double sumSq = state.warmupSumSq() + sumOutSq;
      double mu1 = state.mu1();
      double mu2 = state.mu2();
      if (count >= config.warmupLosses()) {
        count = config.warmupLosses();
        mu1 = sum / (state.warmupCount() + b);
        mu2 = Math.max(sumSq / (state.warmupCount() + b), mu1 * mu1);
      }
      next = new AlrcState(mu1, mu2, step, state.skippedSteps(), 0, count, sum, sumSq);
    } else {
      next =
          new AlrcState(
              config.beta1() * state.mu1() + config.gamma1() * meanOut,
              config.beta2() * state.mu2() + config.gamma2() * meanOutSq,
              step,
              state.skippedSteps(),
              0,
              state.warmupCount(),
              state.warmupSum(),
              state.warmupSumSq());
    }
    return new AlrcStep(
        step, next, lmax, lmin, state.mu1(), sigma, maxLoss, out, scales, clipped, minScale, false,
        warming);
  }

  /**
   * Clips every loss at {@code lmax} (and raises a positive one below {@code lmin}), writing the
   * outputs and scales, and into {@code sums} the sum of the outputs, the sum of their squares and
   * the smallest scale of a clipped loss (1 if none).
   *
   * @return how many losses were scaled down
   */
  private static int clip(
      double[] losses, double lmax, double lmin, double[] out, double[] scales, double[] sums) {
    int clipped = 0;
    double minScale = 1;
    double sumOut = 0;
    double sumOutSq = 0;
    for (int i = 0; i < losses.length; i++) {
      double l = losses[i];
      double o;
      double s;
      if (l < lmax || l == 0) {
        if (l < lmin && l > 0) {
          // extension: a positive loss under the lower threshold is raised to it
          o = lmin;
          s = lmin / l;
        } else {
          o = l;
          s = 1;
        }
      } else {
        o = lmax;
        s = lmax / l;
        clipped++;
        if (s < minScale) {
          minScale = s;
        }
      }
      out[i] = o;
      scales[i] = s;
      sumOut += o;
      sumOutSq += o * o;
    }
    sums[0] = sumOut;
    sums[1] = sumOutSq;
    sums[2] = minScale;
    return clipped;
  }

  // ---- the auto start (AlrcConfig#warmup() > 0)

  /**
   * The relative standard deviation of the auto start, {@code sqrt(max(mu2 - mu1^2, 0) + eps *
   * mu2)}.
   */
  private double autoSigma(double mu1, double mu2) {
    return Math.sqrt(Math.max(mu2 - mu1 * mu1, 0) + config.eps() * mu2);
  }

  private AlrcStep autoUpdate(double[] losses, AlrcState state, long step, double maxLoss) {
    final int b = losses.length;
    final double sigmaBefore = autoSigma(state.mu1(), state.mu2());
    final double[] out = new double[b];
    final double[] scales = new double[b];
    final double[] sums = new double[3];
    if (state.warmupCount() < config.warmup()) {
      double[] buffer = merged(state, losses);
      double bound = warmupBound(buffer, buffer.length);
      int clipped = clip(losses, bound, Double.NEGATIVE_INFINITY, out, scales, sums);
      long count = state.warmupCount() + b;
      // the moments of every warm-up loss clipped at the latest bound; zeros add nothing
      double sum = 0;
      double sumSq = 0;
      for (double v : buffer) {
        double o = v < bound ? v : bound;
        sum += o;
        sumSq += o * o;
      }
      boolean done = count >= config.warmup();
      AlrcState next =
          new AlrcState(
              sum / count,
              sumSq / count,
              step,
              state.skippedSteps(),
              0,
              count,
              0,
              0,
              done ? new double[0] : buffer);
      return new AlrcStep(
          step, next, bound, Double.NEGATIVE_INFINITY, state.mu1(), sigmaBefore, maxLoss, out,
          scales, clipped, sums[2], false, true);
    }
    double lmax = state.mu1() + config.n() * sigmaBefore;
    if (!(lmax > 0)) {
      lmax = Double.POSITIVE_INFINITY; // only zero losses so far: no scale to clip against
    }
    double lmin =
        Double.isNaN(lowerN) ? Double.NEGATIVE_INFINITY : state.mu1() - lowerN * sigmaBefore;
    int clipped = clip(losses, lmax, lmin, out, scales, sums);
    long t = state.steps() - state.skippedSteps() + 1; // this step's number among finite steps
    double w1 = t > powerFree1 ? 1 - config.beta1() : biasCorrectedWeight(config.beta1(), t);
    double w2 = t > powerFree2 ? 1 - config.beta2() : biasCorrectedWeight(config.beta2(), t);
    AlrcState next =
        new AlrcState(
            state.mu1() + w1 * (sums[0] / b - state.mu1()),
            state.mu2() + w2 * (sums[1] / b - state.mu2()),
            step,
            state.skippedSteps(),
            0,
            state.warmupCount(),
            0,
            0);
    return new AlrcStep(
        step, next, lmax, lmin, state.mu1(), sigmaBefore, maxLoss, out, scales, clipped,
        sums[2], false, false);
  }

  /**
   * Adam's bias-corrected weight of the t-th observation, {@code (1 - beta) / (1 - beta^t)}: the
   * running mean it gives is the exponential moving average from zero divided by {@code 1 -
   * beta^t}. Past {@code beta^t < 2^-54} the denominator rounds to 1, so the power is not computed.
   */
  static double biasCorrectedWeight(double beta, long t) {
    double gamma = 1 - beta;
    if (t * -StrictMath.log(beta) > 40) {
      return gamma;
    }
    return gamma / (1 - StrictMath.pow(beta, t));
  }

  /** The state's warm-up buffer with this step's positive losses merged in, ascending. */
  private static double[] merged(AlrcState state, double[] losses) {
    int positive = 0;
    for (double l : losses) {
      if (l > 0) {
        positive++;
      }
    }
    double[] add = new double[positive];
    int k = 0;
    for (double l : losses) {
      if (l > 0) {
        add[k++] = l;
      }
    }
    java.util.Arrays.sort(add);
    int n = state.warmupBufferSize();
    double[] all = new double[n + positive];
    int i = 0;
    int j = 0;
    k = 0;
    while (i < n || j < positive) {
      if (j >= positive || (i < n && state.warmupBuffer(i) <= add[j])) {
        all[k++] = state.warmupBuffer(i++);
      } else {
        all[k++] = add[j++];
      }
    }
    return all;
  }

  /**
   * The warm-up bound from the {@code p} smallest entries of an ascending array of positive
   * losses: {@code med + WARMUP_SPREAD * MAD_SCALE * mad} with {@code med} the {@code ceil(p/2)}-th
   * smallest loss and {@code mad} the {@code ceil(p/2)}-th smallest of the deviations {@code |L -
   * med|}; {@code +Infinity} (no clipping) below {@value AlrcConfig#WARMUP_MIN_POSITIVE} losses.
   */
  static double warmupBound(double[] ascending, int p) {
    if (p < AlrcConfig.WARMUP_MIN_POSITIVE) {
      return Double.POSITIVE_INFINITY;
    }
    int mid = (p + 1) / 2 - 1;
    double med = ascending[mid];
    double[] deviations = new double[p];
    for (int i = 0; i < p; i++) {
      deviations[i] = Math.abs(ascending[i] - med);
    }
    java.util.Arrays.sort(deviations);
    return med + AlrcConfig.WARMUP_SPREAD * (AlrcConfig.MAD_SCALE * deviations[mid]);
  }

  private AlrcStep skip(double[] losses, AlrcState state, long step, int index) {
    int consecutive = state.consecutiveSkipped() + 1;
    if (consecutive >= config.nonFiniteLimit()) {
      throw new NonFiniteLossException(
          step,
          consecutive,
          String.format(
              Locale.ROOT,
              "step %d: loss of example %d is %s, the %s non-finite step in a row (limit %d):"
                  + " training has diverged; lower the learning rate or raise nonFiniteLimit",
              step,
              index,
              losses[index],
              NonFiniteLossException.ordinal(consecutive),
              config.nonFiniteLimit()));
    }
    AlrcState next =
        new AlrcState(
            state.mu1(),
            state.mu2(),
            step,
            state.skippedSteps() + 1,
            consecutive,
            state.warmupCount(),
            state.warmupSum(),
            state.warmupSumSq(),
            state.warmupBuffer());
    double[] out = new double[losses.length];
    java.util.Arrays.fill(out, Double.NaN);
    return new AlrcStep(
        step,
        next,
        threshold(state),
        Double.NEGATIVE_INFINITY,
        state.mu1(),
        sigma(state),
        Double.NaN,
        out,
        new double[losses.length],
        0,
        Double.NaN,
        true,
        state.inWarmup(config));
  }

  private static double[] bufferOf(AlrcState state) {
    return state.warmupBufferSize() == 0 ? new double[0] : state.warmupBuffer();
  }

}
