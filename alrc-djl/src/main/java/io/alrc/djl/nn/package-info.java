/**
 * Networks and fast training-step machinery for DJL: the ALRC paper's CIFAR-10 network ({@link
 * io.alrc.djl.nn.PaperNet}) and an in-place Adam ({@link io.alrc.djl.nn.InPlaceAdam}) that keeps
 * DJL's {@code Trainer} / {@code GradientCollector} / {@code Optimizer} conventions.
 */
package io.alrc.djl.nn;
