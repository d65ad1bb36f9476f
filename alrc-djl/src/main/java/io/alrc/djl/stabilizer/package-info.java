/**
 * The peer gradient stabilizers (global-norm clipping, AutoClip, ZClip, unit-wise AGC, per-tensor AdaGC) as DJL
 * components that act between backward and the optimizer step. The statistics and rules are the
 * core's ({@link io.alrc.stabilizer}); this package measures DJL gradients, scales them in place,
 * and keeps the current state. Start at {@link io.alrc.djl.stabilizer.GradientStabilizers}.
 */
package io.alrc.djl.stabilizer;
