/**
 * ALRC as a DJL {@link ai.djl.training.loss.Loss}: per-example losses ({@link
 * io.alrc.djl.loss.PerExampleLosses}) and the stateful ALRC wrapper ({@link
 * io.alrc.djl.loss.AlrcLoss#builder()}).
 */
package io.alrc.djl.loss;
