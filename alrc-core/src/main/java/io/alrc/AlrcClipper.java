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
 * AlrcConfig}.
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

  /** A clipper for {@code config}. */
  public AlrcClipper(AlrcConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("config must not be null");
    }
    this.config = config;
    this.lowerN = config.lowerN().isPresent() ? config.lowerN().getAsDouble() : Double.NaN;
  }

  /** The configuration. */
  public AlrcConfig config() {
    return config;
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
      return skip(losses, state, step, nonFinite, sigma);
    }

    final boolean warming = config.warmupLosses() > 0 && state.warmupCount() < config.warmupLosses();
    final double lmax = warming ? Double.POSITIVE_INFINITY : state.mu1() + config.n() * sigma;
    final double lmin =
        warming || Double.isNaN(lowerN) ? Double.NEGATIVE_INFINITY : state.mu1() - lowerN * sigma;
    final double[] out = new double[b];
    final double[] scales = new double[b];
    int clipped = 0;
    double minScale = 1;
    double sumOut = 0;
    double sumOutSq = 0;
    for (int i = 0; i < b; i++) {
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
        step, next, lmax, lmin, state.mu1(), sigma, maxLoss, out, scales, clipped, minScale, false);
  }

  private AlrcStep skip(double[] losses, AlrcState state, long step, int index, double sigma) {
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
            state.warmupSumSq());
    double[] out = new double[losses.length];
    java.util.Arrays.fill(out, Double.NaN);
    boolean warming = config.warmupLosses() > 0 && state.warmupCount() < config.warmupLosses();
    double lmax = warming ? Double.POSITIVE_INFINITY : state.mu1() + config.n() * sigma;
    return new AlrcStep(
        step,
        next,
        lmax,
        Double.NEGATIVE_INFINITY,
        state.mu1(),
        sigma,
        Double.NaN,
        out,
        new double[losses.length],
        0,
        Double.NaN,
        true);
  }

}
