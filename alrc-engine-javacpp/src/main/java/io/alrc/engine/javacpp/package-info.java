/**
 * The training engine of {@code alrc train} on libtorch through the JavaCPP presets ({@code
 * org.bytedeco:pytorch}), channels-last: {@link io.alrc.engine.javacpp.JavacppStepEngine}, found by
 * {@code io.alrc.experiments.train.StepEngines} as the engine {@code javacpp}. The library's
 * integration for users' own training loops stays on DJL ({@code io.alrc.djl}).
 */
package io.alrc.engine.javacpp;
