package io.alrc.experiments.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The model, optimizer and stabilizer of one training run: trains on a batch, evaluates, and saves
 * or restores everything a checkpoint needs. One engine per run (and per JVM: DJL allows one
 * training at a time).
 */
public interface StepEngine extends AutoCloseable {
  /**
   * One training step: forward, per-example loss, stabilizer, backward, optimizer update (unless
   * the step is skipped as non-finite).
   *
   * @param step the 1-based step
   * @param batch the step's inputs and targets
   * @param lr the learning rate of this step
   */
  StepResult train(long step, Batch batch, double lr);

  /** The per-example errors of {@code batch} under the current parameters (no training). */
  double[] evaluate(Batch batch);

  /** The network's output for {@code batch} (no training), as a flat NCHW float array. */
  float[] predict(Batch batch);

  /** Writes parameters, optimizer state and stabilizer state. */
  void save(DataOutputStream out) throws IOException;

  /** Restores what {@link #save} wrote, so training continues bit-identically. */
  void load(DataInputStream in) throws IOException;

  /** Number of trainable parameters. */
  long parameterCount();

  @Override
  void close();
}
