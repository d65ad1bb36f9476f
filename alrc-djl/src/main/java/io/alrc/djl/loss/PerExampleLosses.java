package io.alrc.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import java.util.Locale;

/**
 * Per-example losses for ALRC, with error {@code e = label - prediction} averaged over every
 * dimension except the first (the batch):
 *
 * <pre>
 * meanPower(p, w)  L_i = w * mean_j |e_ij|^p          # p = 2: squared error, p = 4: quartic error
 * mse()            L_i = mean_j e_ij^2                 # meanPower(2, 1); no factor 1/2, unlike DJL's L2Loss
 * l1()             L_i = mean_j |e_ij|
 * huber(delta)     L_i = mean_j (|e| &lt;= delta ? e^2 / 2 : delta * (|e| - delta / 2))
 * sqrtAbove(f, t)  L_i = f_i &lt; t ? f_i : sqrt(f_i)     # the paper's safeguard (t = 50) and "Huberized" MSE (t = 1)
 * </pre>
 *
 * The paper's CIFAR-10 losses are {@code sqrtAbove(meanPower(2, 25), 50)} (squared) and {@code
 * sqrtAbove(meanPower(4, 25), 50)} (quartic).
 *
 * <p>Labels are reshaped to the predictions' shape, as DJL's own losses do; both must hold the same
 * number of values. DJL's {@code NDArray.mean(int[])} takes one axis only on the PyTorch engine, so
 * each loss reshapes to {@code (B, -1)} and averages axis 1. Intermediate arrays are closed before
 * returning. All losses here are stateless and thread-safe.
 */
public final class PerExampleLosses {
  private PerExampleLosses() {}

  /** Mean squared error per example, {@code mean_j e_ij^2} (no factor 1/2). */
  public static PerExampleLoss mse() {
    return new MeanPower("MSE", 2, 1);
  }

  /**
   * Weighted mean power error per example, {@code w * mean_j |e_ij|^p}; the paper's losses use
   * {@code w = 25} and {@code p} 2 or 4.
   *
   * @param p the power; finite, &gt;= 1 (below 1 the gradient at a zero error is infinite)
   * @param weight the factor {@code w}; finite, &gt; 0
   * @throws IllegalArgumentException naming the parameter that is out of range
   */
  public static PerExampleLoss meanPower(double p, double weight) {
    if (!(Double.isFinite(p) && p >= 1)) {
      throw new IllegalArgumentException(
          "power p (" + p + ") must be finite and >= 1: below 1 the gradient at a zero error is"
              + " infinite");
    }
    if (!(Double.isFinite(weight) && weight > 0)) {
      throw new IllegalArgumentException("weight (" + weight + ") must be finite and > 0");
    }
    String name =
        weight == 1
            ? String.format(Locale.ROOT, "MeanPower%s", fmt(p))
            : String.format(Locale.ROOT, "%sxMeanPower%s", fmt(weight), fmt(p));
    return new MeanPower(name, p, weight);
  }

  /** Mean absolute error per example, {@code mean_j |e_ij|}. */
  public static PerExampleLoss l1() {
    return new MeanPower("L1", 1, 1);
  }

  /**
   * Huber loss per example: quadratic for {@code |e| <= delta}, linear beyond, continuous with a
   * continuous derivative.
   *
   * @param delta the switch point; finite, &gt; 0
   */
  public static PerExampleLoss huber(double delta) {
    if (!(Double.isFinite(delta) && delta > 0)) {
      throw new IllegalArgumentException("delta (" + delta + ") must be finite and > 0");
    }
    return new Huber(delta);
  }

  /**
   * A loss whose values at or above {@code threshold} are replaced by their square root: the
   * paper's fixed safeguard ({@code threshold} 50, applied before ALRC) and its "Huberized" MSE
   * ({@code threshold} 1). The square root is taken of {@code max(L_i, threshold)}, so its gradient
   * is finite even where {@code L_i} is 0.
   *
   * @param base the loss to transform
   * @param threshold where the square root starts; finite, &gt; 0
   */
  public static PerExampleLoss sqrtAbove(PerExampleLoss base, double threshold) {
    if (base == null) {
      throw new IllegalArgumentException("base loss must not be null");
    }
    if (!(Double.isFinite(threshold) && threshold > 0)) {
      throw new IllegalArgumentException("threshold (" + threshold + ") must be finite and > 0");
    }
    return new SqrtAbove(base, threshold);
  }

  /**
   * {@code x < t ? x : sqrt(x)} element-wise on per-example losses, with the root taken of {@code
   * max(x, t)} so that the branch not taken has a zero gradient (not 0/0 at a loss of 0). The
   * caller closes the result; {@code losses} is left alone.
   */
  public static NDArray sqrtAbove(NDArray losses, double threshold) {
    try (NDArray clamped = losses.maximum(threshold);
        NDArray root = clamped.sqrt();
        NDArray below = losses.lt(threshold)) {
      return NDArrays.where(below, losses, root);
    }
  }

  /** The same loss under another name (for logs and metrics). */
  public static PerExampleLoss named(String name, PerExampleLoss loss) {
    if (name == null || name.isBlank() || loss == null) {
      throw new IllegalArgumentException("name must be non-blank and loss non-null");
    }
    return new PerExampleLoss() {
      @Override
      public NDArray evaluate(NDList labels, NDList predictions) {
        return loss.evaluate(labels, predictions);
      }

      @Override
      public String name() {
        return name;
      }
    };
  }

  /**
   * The loss as an ordinary DJL {@link Loss} whose value is the batch mean {@code mean_i L_i}: for
   * runs without ALRC that must optimise the same objective, and for logging the unclipped loss.
   */
  public static Loss batchMean(PerExampleLoss loss) {
    if (loss == null) {
      throw new IllegalArgumentException("loss must not be null");
    }
    return new BatchMeanLoss(loss);
  }

  /**
   * Checks that {@code perExample} is a per-example result for a batch of {@code batch} examples.
   *
   * @throws IllegalArgumentException naming the loss and the shape found
   */
  static void checkPerExample(String lossName, NDArray perExample, long batch) {
    Shape s = perExample.getShape();
    if (s.dimension() != 1 || (batch >= 0 && s.get(0) != batch)) {
      throw new IllegalArgumentException(
          "per-example loss '" + lossName + "' returned shape " + s + ", expected (" + batch
              + ",): one loss per example");
    }
  }

  /** The error {@code label - prediction} as {@code (B, -1)}, after checking the shapes. */
  static NDArray errorRows(NDList labels, NDList predictions, String lossName) {
    NDArray pred = predictions.head();
    NDArray label = labels.head();
    Shape ps = pred.getShape();
    if (ps.dimension() == 0) {
      throw new IllegalArgumentException(
          "loss '" + lossName + "': predictions must have a batch dimension, got shape " + ps);
    }
    if (label.size() != pred.size()) {
      throw new IllegalArgumentException(
          "loss '" + lossName + "': labels of shape " + label.getShape()
              + " do not match predictions of shape " + ps);
    }
    NDArray l = label.reshape(ps);
    try (NDArray e = l.sub(pred)) {
      NDArray rows = e.reshape(ps.get(0), -1);
      if (rows == e) {
        throw new IllegalStateException("reshape returned its input; cannot own the result");
      }
      return rows;
    } finally {
      if (l != label) {
        l.close();
      }
    }
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  private static final class MeanPower implements PerExampleLoss {
    private final String name;
    private final double p;
    private final double weight;

    MeanPower(String name, double p, double weight) {
      this.name = name;
      this.p = p;
      this.weight = weight;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      try (NDArray e = errorRows(labels, predictions, name);
          NDArray powered = power(e)) {
        NDArray mean = powered.mean(new int[] {1});
        if (weight == 1) {
          return mean;
        }
        try (mean) {
          return mean.mul(weight);
        }
      }
    }

    private NDArray power(NDArray e) {
      if (p == 2) {
        return e.square();
      }
      if (p == 1) {
        return e.abs();
      }
      if (p == 4) {
        try (NDArray sq = e.square()) {
          return sq.square();
        }
      }
      try (NDArray a = e.abs()) {
        return a.pow(p);
      }
    }

    @Override
    public String name() {
      return name;
    }
  }

  private static final class Huber implements PerExampleLoss {
    private final double delta;

    Huber(double delta) {
      this.delta = delta;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      // q = min(|e|, delta); L = q^2/2 + delta * (|e| - q): no branch, so no NaN from an
      // unselected branch's gradient
      try (NDArray e = errorRows(labels, predictions, name());
          NDArray a = e.abs();
          NDArray q = a.minimum(delta);
          NDArray q2 = q.square();
          NDArray half = q2.mul(0.5);
          NDArray lin = a.sub(q);
          NDArray linD = lin.mul(delta);
          NDArray sum = half.add(linD)) {
        return sum.mean(new int[] {1});
      }
    }

    @Override
    public String name() {
      return "Huber";
    }
  }

  private static final class SqrtAbove implements PerExampleLoss {
    private final PerExampleLoss base;
    private final double threshold;

    SqrtAbove(PerExampleLoss base, double threshold) {
      this.base = base;
      this.threshold = threshold;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      NDArray l = base.evaluate(labels, predictions);
      boolean own = !isInput(l, labels, predictions);
      try {
        return sqrtAbove(l, threshold);
      } finally {
        if (own) {
          l.close();
        }
      }
    }

    @Override
    public String name() {
      return "SqrtAbove" + fmt(threshold) + "(" + base.name() + ")";
    }
  }

  /** Whether {@code a} is one of the input arrays (then the caller must not close it). */
  static boolean isInput(NDArray a, NDList labels, NDList predictions) {
    for (NDArray x : labels) {
      if (x == a) {
        return true;
      }
    }
    for (NDArray x : predictions) {
      if (x == a) {
        return true;
      }
    }
    return false;
  }

  /** A per-example loss as a DJL loss returning the batch mean. */
  static final class BatchMeanLoss extends Loss {
    private final PerExampleLoss loss;

    BatchMeanLoss(PerExampleLoss loss) {
      super(loss.name());
      this.loss = loss;
    }

    BatchMeanLoss(String name, PerExampleLoss loss) {
      super(name);
      this.loss = loss;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      NDArray per = loss.evaluate(labels, predictions);
      try {
        checkPerExample(loss.name(), per, predictions.head().getShape().get(0));
        return per.mean();
      } finally {
        if (!isInput(per, labels, predictions)) {
          per.close();
        }
      }
    }
  }
}
