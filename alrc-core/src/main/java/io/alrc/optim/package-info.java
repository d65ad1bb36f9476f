/**
 * Optimizer arithmetic shared by the training loops: {@link io.alrc.optim.AdamKernel}, Adam's fused
 * float32 update.
 */
package io.alrc.optim;
