/**
 * Networks for DJL: the ALRC paper's CIFAR-10 network ({@link io.alrc.djl.nn.PaperNet}) and its
 * residual block. Training-speed notes (allocator, per-step {@code NDManager} scoping, why DJL's own
 * Adam is kept) are in {@code docs/performance.md}.
 */
package io.alrc.djl.nn;
