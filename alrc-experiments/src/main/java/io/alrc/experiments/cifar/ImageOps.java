package io.alrc.experiments.cifar;

/**
 * The per-image operations of the supersampling pipeline on channel-major float images, each
 * matching its TensorFlow 1 counterpart for {@code float32} images.
 *
 * <p>An image is {@code channels} planes of {@code height x width} values, row-major, starting at
 * {@code offset} in a {@code float[]}; every method works in place. As in TensorFlow for float
 * input, nothing is clipped to [0, 255] and no type conversion or rescaling happens.
 *
 * <p>Stateless and thread-safe (as long as callers do not share an image array between threads).
 */
public final class ImageOps {
  private ImageOps() {}

  /**
   * Mirrors each row ({@code tf.image.flip_left_right}).
   *
   * @param img the image
   * @param offset index of its first value
   * @param channels planes
   * @param height rows
   * @param width columns
   */
  public static void flipLeftRight(float[] img, int offset, int channels, int height, int width) {
    for (int row = 0; row < channels * height; row++) {
      int a = offset + row * width;
      int b = a + width - 1;
      while (a < b) {
        float t = img[a];
        img[a++] = img[b];
        img[b--] = t;
      }
    }
  }

  /**
   * Adds {@code delta} to every value ({@code tf.image.adjust_brightness} on a float image: a plain
   * add, no clipping).
   *
   * @param img the image
   * @param offset index of its first value
   * @param length number of values
   * @param delta the amount added, in the image's units (here 0..255 pixel values)
   */
  public static void addBrightness(float[] img, int offset, int length, float delta) {
    for (int i = offset; i < offset + length; i++) {
      img[i] += delta;
    }
  }

  /**
   * Scales each channel's deviations from that channel's mean ({@code tf.image.adjust_contrast}):
   * {@code x <- (x - mean_c) * factor + mean_c}, with {@code mean_c} the mean of channel c over
   * all its pixels (accumulated in double, then rounded to float). The factor is the same for every
   * channel.
   *
   * @param img the image
   * @param offset index of its first value
   * @param channels planes
   * @param plane values per plane (height * width)
   * @param factor the contrast factor; 1 leaves the image unchanged up to rounding
   */
  public static void adjustContrast(
      float[] img, int offset, int channels, int plane, float factor) {
    for (int c = 0; c < channels; c++) {
      int start = offset + c * plane;
      double sum = 0;
      for (int i = start; i < start + plane; i++) {
        sum += img[i];
      }
      float mean = (float) (sum / plane);
      for (int i = start; i < start + plane; i++) {
        img[i] = (img[i] - mean) * factor + mean;
      }
    }
  }

  /**
   * Per-image standardisation ({@code tf.image.per_image_standardization}): {@code x <- (x - mean)
   * / max(std, 1 / sqrt(N))} over all {@code N} values of the image, with the population standard
   * deviation (divisor N). The floor keeps a uniform image finite: it becomes all zeros.
   *
   * <p>Mean and variance are accumulated in double precision (two passes), so the result is at
   * least as accurate as TensorFlow's float32 reduction.
   *
   * @param img the image
   * @param offset index of its first value
   * @param length N, the number of values; &gt;= 1
   * @return the divisor used, {@code max(std, 1 / sqrt(N))}
   */
  public static double standardize(float[] img, int offset, int length) {
    double sum = 0;
    for (int i = offset; i < offset + length; i++) {
      sum += img[i];
    }
    double mean = sum / length;
    double ss = 0;
    for (int i = offset; i < offset + length; i++) {
      double d = img[i] - mean;
      ss += d * d;
    }
    double std = Math.sqrt(ss / length);
    double scale = Math.max(std, 1 / Math.sqrt(length));
    double inv = 1 / scale;
    for (int i = offset; i < offset + length; i++) {
      img[i] = (float) ((img[i] - mean) * inv);
    }
    return scale;
  }
}
