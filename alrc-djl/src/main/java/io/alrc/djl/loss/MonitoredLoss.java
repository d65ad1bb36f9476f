package io.alrc.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;
import java.util.OptionalDouble;

/**
 * Any DJL {@link Loss}, passed through, with the value of its latest evaluation kept for {@link
 * io.alrc.djl.training.StepGuard}'s loss-spike monitor (skip-step, {@code
 * StepGuard.Builder#optSkipOnSpikes}): the guard needs the step's loss, and DJL hands listeners only
 * labels and predictions. With an ALRC or truncated loss the guard reads their pending losses
 * instead, and this wrapper is not needed.
 *
 * <pre>{@code
 * MonitoredLoss loss = MonitoredLoss.of(Loss.l2Loss());
 * StepGuard guard = StepGuard.builder().optMonitoredLoss(loss).optSkipOnSpikes().build();
 * DefaultTrainingConfig config = guard.configure(new DefaultTrainingConfig(loss));
 * }</pre>
 *
 * {@link #evaluate} returns the wrapped loss's value unchanged and keeps it (as a {@code double}, one
 * copy of a scalar to the host) as <em>pending</em>, replacing an earlier one; the guard takes it
 * once per step, after backward. The accumulator methods go to the wrapped loss, which the value
 * therefore never sees: DJL's logs and validation are as without the wrapper. The value is the
 * mean of the batch if the wrapped loss reduces to one scalar; a loss of several elements is
 * averaged. <b>Not thread-safe</b> beyond its own fields; one instance per training.
 */
public final class MonitoredLoss extends Loss {
  private final Loss loss;
  private double pending = Double.NaN;
  private boolean hasPending;

  private MonitoredLoss(Loss loss) {
    super(loss.getName());
    this.loss = loss;
  }

  /**
   * {@code loss}, monitored.
   *
   * @throws IllegalArgumentException if {@code loss} is null or already monitored
   */
  public static MonitoredLoss of(Loss loss) {
    if (loss == null) {
      throw new IllegalArgumentException("loss must not be null");
    }
    if (loss instanceof MonitoredLoss) {
      throw new IllegalArgumentException("loss is already monitored: " + loss.getName());
    }
    return new MonitoredLoss(loss);
  }

  /** The wrapped loss. */
  public Loss loss() {
    return loss;
  }

  /** The wrapped loss's value, unchanged; keeps its (mean) value as pending. */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray value = loss.evaluate(labels, predictions);
    double v = scalar(value);
    synchronized (this) {
      pending = v;
      hasPending = true;
    }
    return value;
  }

  /** The value of {@code a} (its mean if it has several elements) on the host. */
  private static double scalar(NDArray a) {
    NDArray m = a.size() == 1 ? a : a.mean();
    try {
      if (m.getDataType() == DataType.FLOAT32) {
        return m.toFloatArray()[0];
      }
      if (m.getDataType() == DataType.FLOAT64) {
        return m.toDoubleArray()[0];
      }
      try (NDArray f = m.toType(DataType.FLOAT32, true)) {
        return f.toFloatArray()[0];
      }
    } finally {
      if (m != a) {
        m.close();
      }
    }
  }

  /** Whether an evaluation is pending (evaluated since the last {@link #takePending()}). */
  public synchronized boolean hasPending() {
    return hasPending;
  }

  /** The pending value without taking it; empty if none. */
  public synchronized OptionalDouble pendingValue() {
    return hasPending ? OptionalDouble.of(pending) : OptionalDouble.empty();
  }

  /** Takes the pending value (the guard does, once per step); empty if none. */
  public synchronized OptionalDouble takePending() {
    OptionalDouble v = pendingValue();
    hasPending = false;
    pending = Double.NaN;
    return v;
  }

  /** {@inheritDoc} Kept by the wrapped loss. */
  @Override
  public void addAccumulator(String key) {
    loss.addAccumulator(key);
  }

  /** {@inheritDoc} The wrapped loss's; the pending value is untouched. */
  @Override
  public void updateAccumulator(String key, NDList labels, NDList predictions) {
    loss.updateAccumulator(key, labels, predictions);
  }

  /** {@inheritDoc} The wrapped loss's; the pending value is untouched. */
  @Override
  public void updateAccumulators(String[] keys, NDList labels, NDList predictions) {
    loss.updateAccumulators(keys, labels, predictions);
  }

  /** {@inheritDoc} */
  @Override
  public void resetAccumulator(String key) {
    loss.resetAccumulator(key);
  }

  /** {@inheritDoc} */
  @Override
  public float getAccumulator(String key) {
    return loss.getAccumulator(key);
  }

  @Override
  public String toString() {
    return "MonitoredLoss[" + loss.getName() + "]";
  }
}
