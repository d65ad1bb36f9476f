/** Adaptive learning rate clipping (ALRC) and its configuration, state, steps and snapshots. */
package io.alrc;
