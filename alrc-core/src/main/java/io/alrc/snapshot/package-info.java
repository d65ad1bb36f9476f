/** Versioned, self-describing saved forms of stabilizer states, and atomic file writes. */
package io.alrc.snapshot;
