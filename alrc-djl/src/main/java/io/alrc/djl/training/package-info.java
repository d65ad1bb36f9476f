/**
 * One decision per training step between backward and the optimizer step: {@link
 * io.alrc.djl.training.StepGuard} commits ALRC's statistics (or loss truncation's history), applies
 * gradient stabilizers, or skips a non-finite step, or (skip-step, {@link
 * io.alrc.djl.training.SpikeSignal}) a spike, through the {@link
 * io.alrc.djl.training.GuardedOptimizer}. Works in {@code
 * EasyTrain.fit} ({@link io.alrc.djl.training.StepGuard#configure}, one call) and in hand-written
 * loops. Its telemetry reaches DJL's {@code Metrics} and log lines ({@link
 * io.alrc.djl.training.GuardMetrics}) and TensorBoard ({@link
 * io.alrc.djl.training.TensorBoardTrainingListener}); {@link
 * io.alrc.djl.training.CheckpointableAdam} is Adam with state that can be saved.
 */
package io.alrc.djl.training;
