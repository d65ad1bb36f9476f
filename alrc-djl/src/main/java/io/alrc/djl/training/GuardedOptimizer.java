package io.alrc.djl.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.optimizer.Optimizer;
import java.util.HashMap;
import java.util.Map;

/**
 * An {@link Optimizer} that applies its delegate's update only in steps its {@link StepGuard} let
 * through. {@link StepGuard#configure} puts one into the {@code TrainingConfig}; for a config built by
 * hand, get it from {@link StepGuard#wrap(Optimizer)}.
 *
 * <p>Why a decorator: {@code EasyTrain.fit} always calls {@code trainer.step()}, which calls {@code
 * Optimizer.update(parameterId, weight, grad)} once per trainable parameter. In a skipped step this
 * class does not call the delegate at all, so the weights, the delegate's moments and its
 * per-parameter update counts (Adam's bias correction reads them) stay exactly as they were. It
 * then clears the parameter's gradient: DJL's PyTorch optimizers zero the gradient after their
 * update, and without that the next backward would add to the skipped step's gradient. The
 * gradient is filled with 0 rather than multiplied by 0, which would leave NaN in place. Clearing
 * happens here, after {@code Trainer.step()}'s first-step check that the gradients are not all
 * zero, so that check still passes.
 *
 * <p>It also checks the wiring: an update before any {@link StepGuard#afterBackward} decision, or
 * a second update of a parameter under the same decision (afterBackward did not run for a step,
 * or DJL updates the parameter once per device in multi-device training, which the guard does not
 * support), throws {@link IllegalStateException}. Not thread-safe, like DJL's optimizers.
 */
public final class GuardedOptimizer extends Optimizer {
  private final StepGuard guard;
  private final Optimizer delegate;
  private final Map<String, Long> decisionApplied = new HashMap<>();

  GuardedOptimizer(StepGuard guard, Optimizer delegate) {
    super(new NoOptions());
    if (delegate == null) {
      throw new IllegalArgumentException("optimizer to guard must not be null");
    }
    if (delegate instanceof GuardedOptimizer) {
      throw new IllegalArgumentException("optimizer is already guarded");
    }
    this.guard = guard;
    this.delegate = delegate;
  }

  /** The optimizer whose updates are guarded. */
  public Optimizer delegate() {
    return delegate;
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    long decision = guard.decision();
    if (decision == 0) {
      throw new IllegalStateException(
          "trainer.step() ran before StepGuard.afterBackward decided the step: add the guard to"
              + " the TrainingConfig's listeners (EasyTrain.fit) or call guard.afterBackward(trainer)"
              + " after backward (hand-written loop)");
    }
    Long previous = decisionApplied.put(parameterId, decision);
    if (previous != null && previous == decision) {
      throw new IllegalStateException(
          "parameter " + parameterId + " would be updated twice under the decision of step "
              + guard.steps() + ": StepGuard.afterBackward must run once after every backward,"
              + " before trainer.step(); and the guard supports one device (DJL updates each"
              + " parameter once per device)");
    }
    guard.acknowledge(decision);
    if (guard.skipping()) {
      clearGradient(weight);
      return;
    }
    delegate.update(parameterId, weight, grad);
  }

  /**
   * Fills the weight's gradient with 0 in place. The handle lives in a temporary sub-manager:
   * DJL's indexed set leaves a scalar array in the manager of the array it writes to, which would
   * otherwise be the model's manager and grow by one array per parameter and skipped step.
   */
  static void clearGradient(NDArray weight) {
    try (NDManager scratch = weight.getManager().newSubManager()) {
      NDArray g = weight.getGradient();
      g.attach(scratch);
      g.set(new NDIndex("..."), 0);
    }
  }

  @Override
  public String toString() {
    return "GuardedOptimizer[" + delegate + "]";
  }

  /** The base class needs a builder; none of its options are used, the delegate has its own. */
  private static final class NoOptions extends OptimizerBuilder<NoOptions> {
    @Override
    protected NoOptions self() {
      return this;
    }
  }
}
