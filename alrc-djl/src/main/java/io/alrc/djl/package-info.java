/**
 * ALRC and the peer stabilizers inside DJL training loops.
 *
 * <ul>
 *   <li>{@link io.alrc.djl.loss}: ALRC and loss truncation as DJL {@code Loss}es around a
 *       per-example loss.
 *   <li>{@link io.alrc.djl.stabilizer}: global-norm clipping, AutoClip, ZClip, AGC and AdaGC on DJL
 *       gradients.
 *   <li>{@link io.alrc.djl.training}: the once-per-step decision (commit, stabilize, skip a
 *       non-finite step, or skip-step on a spike) for {@code EasyTrain.fit} and hand-written loops.
 * </ul>
 *
 * Every class holding training state says so and is not thread-safe; the rules and statistics are
 * the core's ({@link io.alrc}).
 */
package io.alrc.djl;
