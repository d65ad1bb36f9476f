/**
 * Engine-neutral descriptions of the tasks' networks ({@link io.alrc.experiments.nn.Network}):
 * layers, channel counts and the initialisation rule, which each training engine realises with its
 * own tensors.
 */
package io.alrc.experiments.nn;
