package io.alrc.experiments.cifar;

import java.util.random.RandomGenerator;

/**
 * The random choices for one training image: a left-right flip, a brightness delta and a contrast
 * factor, as drawn by TensorFlow 1's {@code random_flip_left_right}, {@code
 * random_brightness(max_delta=63)} and {@code random_contrast(lower=0.2, upper=1.8)}.
 *
 * <p>{@link #draw} takes three values from the generator, in this order: {@code nextDouble() <
 * 0.5} for the flip (probability 0.5), {@code nextDouble(-63, 63)} for the delta and {@code
 * nextDouble(0.2, 1.8)} for the factor, the last two rounded to float. One delta and one factor
 * serve all three channels, as in TensorFlow (a scalar per image); the contrast is applied about
 * each channel's own mean (see {@link ImageOps#adjustContrast}).
 *
 * @param flip mirror the image left-right
 * @param brightnessDelta added to every 0..255 value; in [-63, 63]
 * @param contrastFactor multiplies each channel's deviations from its mean; in [0.2, 1.8]
 */
public record Augmentation(boolean flip, float brightnessDelta, float contrastFactor) {
  /** Largest absolute brightness delta, on 0..255 values. */
  public static final double MAX_BRIGHTNESS_DELTA = 63;

  /** Smallest contrast factor. */
  public static final double MIN_CONTRAST = 0.2;

  /** Largest contrast factor. */
  public static final double MAX_CONTRAST = 1.8;

  /** No augmentation: no flip, delta 0, factor 1 (the pipeline then skips these steps). */
  public static final Augmentation NONE = new Augmentation(false, 0f, 1f);

  /**
   * Draws the three choices.
   *
   * @param rng the generator; three values are taken from it
   * @return the choices
   */
  public static Augmentation draw(RandomGenerator rng) {
    boolean flip = rng.nextDouble() < 0.5;
    float delta = (float) rng.nextDouble(-MAX_BRIGHTNESS_DELTA, MAX_BRIGHTNESS_DELTA);
    float factor = (float) rng.nextDouble(MIN_CONTRAST, MAX_CONTRAST);
    return new Augmentation(flip, delta, factor);
  }
}
