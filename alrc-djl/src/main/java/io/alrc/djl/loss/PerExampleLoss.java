package io.alrc.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A loss that returns one value per example instead of DJL's batch mean: the input {@link
 * StatefulAlrcLoss} clips. Implement it (a lambda will do) to wrap any loss you write; {@link
 * PerExampleLosses} has the common ones.
 *
 * <pre>
 * evaluate(labels, predictions) = [L_1, ..., L_B]      # shape (B,), one loss per example
 * </pre>
 *
 * <p>Contract: the result has rank 1 and as many elements as the batch has examples; it must stay
 * differentiable with respect to the predictions (it is what the gradient flows through). It is a
 * new array owned by the caller, who closes it; an implementation must not return one of its input
 * arrays unchanged unless the caller is told (the ALRC loss checks for that case and then leaves
 * the array open). ALRC needs every finite value to be {@code >= 0}.
 *
 * <p>Implementations should be stateless, and are then thread-safe.
 */
@FunctionalInterface
public interface PerExampleLoss {
  /**
   * The per-example losses of one batch.
   *
   * @param labels the labels, as DJL passes them to {@code Loss.evaluate}
   * @param predictions the model's outputs, first dimension the batch
   * @return shape {@code (B,)}: one loss per example
   */
  NDArray evaluate(NDList labels, NDList predictions);

  /** A short name for logs and metric names; lambdas get {@code "PerExampleLoss"}. */
  default String name() {
    return "PerExampleLoss";
  }
}
