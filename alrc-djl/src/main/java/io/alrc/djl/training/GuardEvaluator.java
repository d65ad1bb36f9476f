package io.alrc.djl.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.listener.EvaluatorTrainingListener;
import io.alrc.telemetry.StepTelemetry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One quantity of a {@link StepGuard}'s reports as a DJL {@link Evaluator}, so that DJL's listeners
 * accumulate, publish and log it like a loss (names and meanings: {@link GuardMetrics}). It does
 * not look at labels or predictions: each training update of its accumulators takes the guard's
 * report of the step, so the guard must decide the step first (it is the first listener after
 * {@link StepGuard#configure}); an update before that throws {@link IllegalStateException}.
 * Validation updates ({@link EvaluatorTrainingListener#VALIDATE_EPOCH}) add nothing.
 */
final class GuardEvaluator extends Evaluator {
  /** What a report contributes. */
  enum Quantity {
    OBJECTIVE,
    CLIP_FRACTION,
    THRESHOLD,
    MU1,
    SIGMA,
    SKIPPED,
    STABILIZER_THRESHOLD,
    STABILIZER_CLIP_FRACTION,
    SPIKE_SKIPPED,
    LOSS_SPIKE_THRESHOLD,
    GRADIENT_NORM_SPIKE_THRESHOLD,
    TRUNCATION_OBJECTIVE,
    TRUNCATION_DROP_FRACTION,
    TRUNCATION_THRESHOLD
  }

  /** One accumulator: a sum over a count, or the last value. */
  private static final class Acc {
    double sum;
    double count;
    double last = Double.NaN;
  }

  private final StepGuard guard;
  private final Quantity quantity;
  private final int stabilizer;
  private final Map<String, Acc> accumulators = new ConcurrentHashMap<>();
  private long lastDecision;

  GuardEvaluator(String name, StepGuard guard, Quantity quantity, int stabilizer) {
    super(name);
    this.guard = guard;
    this.quantity = quantity;
    this.stabilizer = stabilizer;
  }

  /** The value of the guard's last report, as a scalar in the predictions' manager. */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    Acc one = new Acc();
    guard.lastReport().ifPresent(r -> add(one, r));
    return predictions.head().getManager().create((float) value(one));
  }

  @Override
  public void addAccumulator(String key) {
    accumulators.put(key, new Acc());
  }

  @Override
  public void updateAccumulator(String key, NDList labels, NDList predictions) {
    updateAccumulators(new String[] {key}, labels, predictions);
  }

  /**
   * Adds the guard's report of the current training step to every accumulator in {@code keys};
   * validation keys add nothing.
   *
   * @throws IllegalStateException if the guard has not decided a step since the last update
   */
  @Override
  public synchronized void updateAccumulators(String[] keys, NDList labels, NDList predictions) {
    boolean training = false;
    for (String k : keys) {
      training |= !EvaluatorTrainingListener.VALIDATE_EPOCH.equals(k);
    }
    if (!training) {
      return;
    }
    long decision = guard.decision();
    if (decision == lastDecision || guard.lastReport().isEmpty()) {
      throw new IllegalStateException(
          getName() + " was updated for a training batch that the StepGuard has not decided yet:"
              + " the guard must run before DJL's EvaluatorTrainingListener; build the"
              + " TrainingConfig with guard.configure(config), or add the guard as the first"
              + " listener");
    }
    lastDecision = decision;
    StepReport report = guard.lastReport().get();
    for (String k : keys) {
      if (!EvaluatorTrainingListener.VALIDATE_EPOCH.equals(k)) {
        add(accumulator(k), report);
      }
    }
  }

  @Override
  public void resetAccumulator(String key) {
    accumulators.computeIfPresent(key, (k, v) -> new Acc());
  }

  /** {@inheritDoc} NaN when the range had nothing to report (e.g. validation). */
  @Override
  public float getAccumulator(String key) {
    return (float) value(accumulator(key));
  }

  private Acc accumulator(String key) {
    Acc a = accumulators.get(key);
    if (a == null) {
      throw new IllegalArgumentException("No evaluator found at this key: " + key);
    }
    return a;
  }

  private double value(Acc a) {
    return switch (quantity) {
      case OBJECTIVE, CLIP_FRACTION, STABILIZER_CLIP_FRACTION, TRUNCATION_OBJECTIVE,
          TRUNCATION_DROP_FRACTION ->
          a.count == 0 ? Double.NaN : a.sum / a.count;
      case SKIPPED, SPIKE_SKIPPED -> a.count == 0 ? Double.NaN : a.sum;
      case THRESHOLD, MU1, SIGMA, STABILIZER_THRESHOLD, LOSS_SPIKE_THRESHOLD,
          GRADIENT_NORM_SPIKE_THRESHOLD, TRUNCATION_THRESHOLD -> a.last;
    };
  }

  private void add(Acc a, StepReport r) {
    switch (quantity) {
      case SKIPPED -> {
        a.sum += r.skipped() ? 1 : 0;
        a.count++;
        return;
      }
      case SPIKE_SKIPPED -> {
        a.sum += r.spikeSkipped() ? 1 : 0;
        a.count++;
        return;
      }
      case LOSS_SPIKE_THRESHOLD -> {
        if (r.lossSpike() != null) {
          a.last = r.lossSpike().threshold();
        }
        return;
      }
      case GRADIENT_NORM_SPIKE_THRESHOLD -> {
        if (r.gradientNormSpike() != null) {
          a.last = r.gradientNormSpike().threshold();
        }
        return;
      }
      default -> {}
    }
    if (!r.applied()) {
      return;
    }
    StepTelemetry alrc = r.alrc();
    switch (quantity) {
      case OBJECTIVE -> {
        a.sum += r.objective();
        a.count++;
      }
      case CLIP_FRACTION -> {
        a.sum += alrc.clipped();
        a.count += r.examples();
      }
      case THRESHOLD -> a.last = alrc.threshold();
      case MU1 -> a.last = alrc.mean();
      case SIGMA -> a.last = alrc.sigma();
      case STABILIZER_THRESHOLD -> a.last = r.stabilizers().get(stabilizer).threshold();
      case STABILIZER_CLIP_FRACTION -> {
        a.sum += r.stabilizers().get(stabilizer).clipped() > 0 ? 1 : 0;
        a.count++;
      }
      case TRUNCATION_OBJECTIVE -> {
        a.sum += r.objective();
        a.count++;
      }
      case TRUNCATION_DROP_FRACTION -> {
        a.sum += r.truncation().clipped();
        a.count += r.examples();
      }
      case TRUNCATION_THRESHOLD -> a.last = r.truncation().threshold();
      default -> throw new AssertionError(quantity);
    }
  }
}
