/**
 * TensorBoard event files for training telemetry: {@link io.alrc.tensorboard.TensorBoardWriter}
 * writes scalars (TFRecord-framed {@code Event} protocol buffers with {@code simple_value}s, read
 * by TensorBoard 1.x and 2.x), {@link io.alrc.tensorboard.TrainingTags} names the project's
 * training scalars, and {@link io.alrc.tensorboard.TensorBoardReader} reads them back. The
 * message classes ({@code io.alrc.tensorboard.proto}) are generated at build time from the
 * module's own minimal {@code .proto}, wire-compatible with TensorBoard's.
 */
package io.alrc.tensorboard;
