/**
 * The statistics of the peer gradient stabilizers, for side-by-side comparison with ALRC: fixed
 * global-norm clipping, AutoClip, ZClip (all {@link io.alrc.stabilizer.NormStabilizer}s on the
 * global gradient norm) and unit-wise adaptive gradient clipping. Pure functions of explicit,
 * immutable states, with the same telemetry record and snapshot envelope as ALRC; applying them to
 * a framework's gradients is the framework adapter's job.
 */
package io.alrc.stabilizer;
