/**
 * One decision per training step between backward and the optimizer step: {@link
 * io.alrc.djl.training.StepGuard} commits ALRC's statistics, applies gradient stabilizers, or skips
 * a non-finite step through the {@link io.alrc.djl.training.GuardedOptimizer}. Works in {@code
 * EasyTrain.fit} (as a {@code TrainingListener}) and in hand-written loops.
 */
package io.alrc.djl.training;
