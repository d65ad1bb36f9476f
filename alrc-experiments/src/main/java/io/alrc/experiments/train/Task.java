package io.alrc.experiments.train;

import io.alrc.experiments.nn.Network;

/**
 * One of the paper's tasks: its network, its training batches and its evaluation set. Batches are
 * a pure function of the run's seed and the step, so a resumed run sees exactly the batches an
 * uninterrupted one would, without saving any random-generator state.
 */
public interface Task extends AutoCloseable {
  /** The task's name as in {@code --task}. */
  String name();

  /** The network for {@code config} (widths, channels), which the engine realises. */
  Network network(TrainConfig config);

  /** The training batch of {@code step} (1-based), deterministic from the seed and the step. */
  Batch trainBatch(long step);

  /** Number of evaluation examples available. */
  int evalSize();

  /** Evaluation examples {@code from} (inclusive) to {@code to} (exclusive) as one batch. */
  Batch evalBatch(int from, int to);

  /**
   * The factor {@code w} of the per-example loss {@code w * mean(err^p)}: 25 for CIFAR-10, as the
   * paper.
   */
  default double lossWeight() {
    return 1;
  }

  /** A description of the data used, for the run's log. */
  String describeData();

  @Override
  default void close() {}
}
