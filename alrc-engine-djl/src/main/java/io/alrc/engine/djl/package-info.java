/**
 * The training engine {@code djl} of {@code alrc train}: {@link io.alrc.engine.djl.DjlStepEngine}
 * realises a task's {@link io.alrc.experiments.nn.Network} as DJL blocks ({@link
 * io.alrc.engine.djl.DjlNetworks}) and trains it on DJL's PyTorch engine with the project's DJL
 * integration. Registered through {@link io.alrc.engine.djl.DjlEngineProvider}.
 */
package io.alrc.engine.djl;
