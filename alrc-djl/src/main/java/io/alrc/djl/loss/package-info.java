/**
 * ALRC as a DJL {@link ai.djl.training.loss.Loss}: per-example losses ({@link
 * io.alrc.djl.loss.PerExampleLosses}) and the stateful ALRC wrapper ({@link
 * io.alrc.djl.loss.AlrcLoss#builder()}); loss truncation, the peer that also acts on per-example
 * losses ({@link io.alrc.djl.loss.TruncatedLoss#builder()}); and {@link
 * io.alrc.djl.loss.MonitoredLoss}, which lets the step guard's skip-step read any loss's value.
 */
package io.alrc.djl.loss;
