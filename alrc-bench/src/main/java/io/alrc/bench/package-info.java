/** Benchmarks: JMH figures of the core, training-step speed against PyTorch. */
package io.alrc.bench;
