/**
 * Generic data helpers for the experiments: the per-user cache directory, verified HTTP downloads
 * (size and MD5), progress reporting, and seed derivation for reproducible data pipelines.
 */
package io.alrc.experiments.data;
