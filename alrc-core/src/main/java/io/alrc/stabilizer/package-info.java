/**
 * The statistics of the peer stabilizers, for side-by-side comparison with ALRC: fixed
 * global-norm clipping, AutoClip, ZClip (all {@link io.alrc.stabilizer.NormStabilizer}s on the
 * global gradient norm), unit-wise adaptive gradient clipping ({@link
 * io.alrc.stabilizer.AdaptiveGradientClipper}) and per-tensor AdaGC ({@link
 * io.alrc.stabilizer.AdaGC}), which act on gradients after backward; skipping the optimizer
 * update on loss or gradient-norm spikes ({@link io.alrc.stabilizer.SpikeSkipper}); and loss
 * truncation ({@link io.alrc.stabilizer.LossTruncation}), which like ALRC acts on the per-example
 * losses before backward. Pure functions of explicit, immutable states, with the same telemetry
 * record and snapshot envelope as ALRC; applying them to a framework's gradients, losses or
 * optimizer is the framework adapter's job.
 */
package io.alrc.stabilizer;
