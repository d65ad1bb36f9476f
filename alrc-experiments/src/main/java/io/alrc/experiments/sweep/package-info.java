/**
 * Sweeps: a spec of training options and grid axes ({@link io.alrc.experiments.sweep.SweepSpec}),
 * expanded into named runs ({@link io.alrc.experiments.sweep.SweepRun}) that are checked as {@code
 * alrc train} would check them ({@link io.alrc.experiments.sweep.TrainOptions}), and run as
 * separate JVMs, several at a time, resumably ({@link io.alrc.experiments.sweep.SweepRunner}).
 * See {@code docs/sweeps.md}.
 */
package io.alrc.experiments.sweep;
