package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import org.junit.jupiter.api.Test;

class SupersamplingPipelineTest {
  private static final int N = 3072;

  private static byte[] image(long seed) {
    return Cifar10TestFiles.pixels(Cifar10TestFiles.records(seed, 0), 0);
  }

  private static float[][] pair(byte[] px, Augmentation a) {
    float[] in = new float[N];
    float[] tg = new float[N];
    new SupersamplingPipeline().pair(px, 0, a, in, 0, tg, 0);
    return new float[][] {in, tg};
  }

  private static double mean(float[] x) {
    double s = 0;
    for (float v : x) {
      s += v;
    }
    return s / x.length;
  }

  private static double std(float[] x) {
    double m = mean(x);
    double s = 0;
    for (float v : x) {
      s += (v - m) * (v - m);
    }
    return Math.sqrt(s / x.length);
  }

  @Property(tries = 200) // more tries than the 108 edge cases of the four parameters
  void targetIsStandardisedForAnyAugmentation(
      @ForAll long seed,
      @ForAll boolean flip,
      @ForAll @FloatRange(min = -63, max = 63) float delta,
      @ForAll @FloatRange(min = 0.2f, max = 1.8f) float factor) {
    float[] target = pair(image(seed), new Augmentation(flip, delta, factor))[1];
    assertThat(mean(target)).as("mean").isCloseTo(0, within(1e-5));
    assertThat(std(target)).as("std").isCloseTo(1, within(1e-5));
  }

  @Test
  void inputIsTheTargetResizedTo16AndBackWithAlignCorners() {
    float[][] p = pair(image(1), new Augmentation(true, 10f, 1.3f));
    float[] small = new float[3 * 16 * 16];
    float[] back = new float[N];
    BilinearResize.alignCorners(32, 32, 16, 16).apply(p[1], 0, small, 0, 3);
    BilinearResize.alignCorners(16, 16, 32, 32).apply(small, 0, back, 0, 3);
    assertThat(p[0]).containsExactly(back);
    assertThat(p[0]).as("the input loses detail").isNotEqualTo(p[1]);
  }

  @Test
  void withoutAugmentationTheTargetIsThePerImageStandardisation() {
    byte[] px = image(2);
    float[] expected = new float[N];
    for (int i = 0; i < N; i++) {
      expected[i] = px[i] & 0xFF;
    }
    ImageOps.standardize(expected, 0, N);
    assertThat(pair(px, Augmentation.NONE)[1]).containsExactly(expected);
  }

  @Test
  void flipMirrorsTheTarget() {
    byte[] px = image(3);
    float[] plain = pair(px, new Augmentation(false, 5f, 0.7f))[1];
    float[] flipped = pair(px, new Augmentation(true, 5f, 0.7f))[1];
    ImageOps.flipLeftRight(plain, 0, 3, 32, 32);
    for (int i = 0; i < N; i++) {
      assertThat(flipped[i]).isCloseTo(plain[i], within(1e-6f));
    }
  }

  @Test
  void brightnessCancelsInTheStandardisation() {
    // The contrast step keeps each channel's mean, so the delta only shifts the overall mean,
    // which the standardisation removes (as in the reference TensorFlow pipeline).
    byte[] px = image(4);
    float[] a = pair(px, new Augmentation(false, -63f, 1.4f))[1];
    float[] b = pair(px, new Augmentation(false, 63f, 1.4f))[1];
    for (int i = 0; i < N; i++) {
      assertThat(a[i]).isCloseTo(b[i], within(1e-4f));
    }
  }

  @Test
  void contrastChangesTheStandardisedImage() {
    byte[] px = image(5);
    float[] low = pair(px, new Augmentation(false, 0f, 0.2f))[1];
    float[] high = pair(px, new Augmentation(false, 0f, 1.8f))[1];
    assertThat(Arrays.equals(low, high)).isFalse();
  }

  @Test
  void uniformImageGivesZerosNotNaN() {
    byte[] px = new byte[N];
    Arrays.fill(px, (byte) 200);
    float[][] p = pair(px, new Augmentation(true, 30f, 1.8f));
    assertThat(p[0]).containsOnly(0f);
    assertThat(p[1]).containsOnly(0f);
  }

  @Test
  void worksAtOffsetsInsideLargerArrays() {
    byte[] px = image(6);
    byte[] padded = new byte[N + 7];
    System.arraycopy(px, 0, padded, 7, N);
    float[] in = new float[N + 3];
    float[] tg = new float[N + 5];
    new SupersamplingPipeline().pair(padded, 7, Augmentation.NONE, in, 3, tg, 5);
    float[][] ref = pair(px, Augmentation.NONE);
    assertThat(Arrays.copyOfRange(in, 3, N + 3)).containsExactly(ref[0]);
    assertThat(Arrays.copyOfRange(tg, 5, N + 5)).containsExactly(ref[1]);
  }
}
