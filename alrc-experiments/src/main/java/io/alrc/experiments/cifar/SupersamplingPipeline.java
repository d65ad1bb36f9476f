package io.alrc.experiments.cifar;

import java.util.Objects;

/**
 * Turns one CIFAR-10 image into an (input, target) pair for 2x supersampling, as in the paper's
 * experiment (the project's spec, section 3.1).
 *
 * <pre>
 * x      = the 3x32x32 pixel values as floats in [0, 255]
 * x      = flip left-right                          if augmentation.flip
 * x      = x + brightnessDelta                      (no clipping)
 * x_c    = (x_c - mean(x_c)) * contrastFactor + mean(x_c)   for each channel c
 * target = (x - mean(x)) / max(std(x), 1/sqrt(3072))        over all 3072 values
 * input  = resize(resize(target, 16x16), 32x32)     bilinear, align corners, no antialiasing
 * </pre>
 *
 * These are TensorFlow 1's {@code random_flip_left_right}, {@code random_brightness}, {@code
 * random_contrast}, {@code per_image_standardization} and {@code resize_images(align_corners=True)}
 * on a float32 image, the order of the authors' input function; see {@link ImageOps} and {@link
 * BilinearResize}. With {@link Augmentation#NONE} (evaluation) the first three steps are skipped.
 *
 * <p>Because the contrast step keeps each channel's mean and the standardisation removes the
 * overall mean, the brightness delta has no effect on the output beyond float rounding (unless the
 * standard deviation floor applies); it is kept, and drawn, for fidelity to the reference
 * pipeline. The contrast factor does matter: it changes the within-channel spread relative to the
 * differences between the channel means.
 *
 * <p>Both outputs are channel-major (CHW, R G B planes), ready to be one item of an NCHW batch.
 * Holds scratch memory, so an instance is <b>not thread-safe</b>: use one per thread.
 */
public final class SupersamplingPipeline {
  /** Side of the low-resolution image the input is made from. */
  public static final int LOW_RES = 16;

  /** Values per image, input or target (3 * 32 * 32). */
  public static final int VALUES = Cifar10.IMAGE_BYTES;

  private static final BilinearResize DOWN =
      BilinearResize.alignCorners(Cifar10.SIZE, Cifar10.SIZE, LOW_RES, LOW_RES);
  private static final BilinearResize UP =
      BilinearResize.alignCorners(LOW_RES, LOW_RES, Cifar10.SIZE, Cifar10.SIZE);

  private final float[] small = new float[Cifar10.CHANNELS * LOW_RES * LOW_RES];

  /** Creates a pipeline with its own scratch memory. */
  public SupersamplingPipeline() {}

  /**
   * Makes the pair for image {@code index} of {@code data}.
   *
   * @param data the dataset
   * @param index the image index
   * @param augmentation the random choices, or {@link Augmentation#NONE}
   * @param input receives the 3x32x32 input at {@code inputOffset}
   * @param inputOffset index of the first input value
   * @param target receives the 3x32x32 target at {@code targetOffset}
   * @param targetOffset index of the first target value
   */
  public void pair(
      Cifar10Dataset data,
      int index,
      Augmentation augmentation,
      float[] input,
      int inputOffset,
      float[] target,
      int targetOffset) {
    pair(
        data.array(index),
        data.offset(index),
        augmentation,
        input,
        inputOffset,
        target,
        targetOffset);
  }

  /**
   * Makes the pair for an image given as {@value Cifar10#IMAGE_BYTES} CHW pixel bytes.
   *
   * @param pixels the bytes (unsigned, 0..255)
   * @param pixelOffset index of the first pixel byte
   * @param augmentation the random choices, or {@link Augmentation#NONE}
   * @param input receives the 3x32x32 input at {@code inputOffset}
   * @param inputOffset index of the first input value
   * @param target receives the 3x32x32 target at {@code targetOffset}
   * @param targetOffset index of the first target value
   */
  public void pair(
      byte[] pixels,
      int pixelOffset,
      Augmentation augmentation,
      float[] input,
      int inputOffset,
      float[] target,
      int targetOffset) {
    Objects.requireNonNull(augmentation, "augmentation");
    target(pixels, pixelOffset, augmentation, target, targetOffset);
    DOWN.apply(target, targetOffset, small, 0, Cifar10.CHANNELS);
    UP.apply(small, 0, input, inputOffset, Cifar10.CHANNELS);
  }

  /**
   * Only the target: the augmented, standardised 3x32x32 image.
   *
   * @param pixels the bytes (unsigned, 0..255)
   * @param pixelOffset index of the first pixel byte
   * @param augmentation the random choices, or {@link Augmentation#NONE}
   * @param target receives the 3x32x32 target at {@code targetOffset}
   * @param targetOffset index of the first target value
   */
  public static void target(
      byte[] pixels, int pixelOffset, Augmentation augmentation, float[] target, int targetOffset) {
    int w = Cifar10.SIZE;
    if (augmentation.flip()) {
      // Convert and mirror in one pass.
      for (int row = 0; row < Cifar10.CHANNELS * w; row++) {
        int s = pixelOffset + row * w;
        int d = targetOffset + row * w + w - 1;
        for (int x = 0; x < w; x++) {
          target[d - x] = pixels[s + x] & 0xFF;
        }
      }
    } else {
      for (int j = 0; j < VALUES; j++) {
        target[targetOffset + j] = pixels[pixelOffset + j] & 0xFF;
      }
    }
    if (augmentation.brightnessDelta() != 0f) {
      ImageOps.addBrightness(target, targetOffset, VALUES, augmentation.brightnessDelta());
    }
    if (augmentation.contrastFactor() != 1f) {
      ImageOps.adjustContrast(
          target, targetOffset, Cifar10.CHANNELS, Cifar10.PLANE, augmentation.contrastFactor());
    }
    ImageOps.standardize(target, targetOffset, VALUES);
  }
}
