/**
 * ALRC and the peer gradient stabilizers inside DJL training loops.
 *
 * <ul>
 *   <li>{@link io.alrc.djl.loss}: ALRC as a DJL {@code Loss} around a per-example loss.
 *   <li>{@link io.alrc.djl.stabilizer}: global-norm clipping, AutoClip, ZClip and AGC on DJL
 *       gradients.
 *   <li>{@link io.alrc.djl.training}: the once-per-step decision (commit, stabilize, or skip a
 *       non-finite step) for {@code EasyTrain.fit} and hand-written loops.
 * </ul>
 *
 * Every class holding training state says so and is not thread-safe; the rules and statistics are
 * the core's ({@link io.alrc}).
 */
package io.alrc.djl;
