package io.alrc.experiments.stem;

/**
 * One synthetic image and what was drawn for it.
 *
 * @param scene the drawn parameters
 * @param pixels {@code size * size} row-major pixels in [-1, 1]; the array belongs to the caller
 */
public record HaadfSample(HaadfScene scene, float[] pixels) {}
