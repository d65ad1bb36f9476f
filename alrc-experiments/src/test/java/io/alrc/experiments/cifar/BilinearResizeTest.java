package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import org.junit.jupiter.api.Test;

class BilinearResizeTest {
  private static float[] resize(float[] src, int ih, int iw, int oh, int ow) {
    float[] dst = new float[oh * ow];
    BilinearResize.alignCorners(ih, iw, oh, ow).apply(src, 0, dst, 0, 1);
    return dst;
  }

  @Test
  void twoByTwoToThreeByThreeAddsMidpoints() {
    // scale (2-1)/(3-1) = 0.5: output positions 0, 0.5, 1 on each axis.
    float[] out = resize(new float[] {0, 1, 2, 3}, 2, 2, 3, 3);
    assertThat(out).containsExactly(0f, 0.5f, 1f, 1f, 1.5f, 2f, 2f, 2.5f, 3f);
  }

  @Test
  void fourToTwoToFourKeepsOnlyTheCornersWithoutAntialiasing() {
    float[] img = {
      0, 50, 60, 9, //
      70, 80, 90, 100, //
      -5, 7, 1000, 3, //
      90, 11, 12, 99
    };
    // 4 -> 2: scale 3, positions 0 and 3: the four corners 0, 9, 90, 99; the inner values
    // (including 1000) are ignored, as there is no antialiasing.
    float[] small = resize(img, 4, 4, 2, 2);
    assertThat(small).containsExactly(0f, 9f, 90f, 99f);
    // 2 -> 4: scale 1/3, positions 0, 1/3, 2/3, 1.
    // Row 0: 0 + 9x/3 = 0 3 6 9; row 3: 90 93 96 99; row 1 = row0 + (row3 - row0)/3 = 30 33 36 39.
    float[] back = resize(small, 2, 2, 4, 4);
    float[] expected = {0, 3, 6, 9, 30, 33, 36, 39, 60, 63, 66, 69, 90, 93, 96, 99};
    for (int i = 0; i < 16; i++) {
      assertThat(back[i]).as("value %d", i).isCloseTo(expected[i], within(1e-4f));
    }
  }

  @Test
  void weightsFor32To16MatchTheAlignCornersFormula() {
    // Row y of a ramp image holds y, so the output row i holds i * 31/15 (rounded to float).
    float[] ramp = new float[32 * 32];
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        ramp[y * 32 + x] = y;
      }
    }
    float[] out = resize(ramp, 32, 32, 16, 16);
    float scale = 31f / 15f;
    for (int i = 0; i < 16; i++) {
      assertThat(out[i * 16 + 5]).as("row %d", i).isCloseTo(i * scale, within(1e-5f));
    }
    assertThat(out[15 * 16]).as("the last row maps onto the last input row").isEqualTo(31f);
  }

  @Test
  void sameSizeIsTheIdentityAndSizeOneTakesTheFirstPixel() {
    float[] img = new float[5 * 7];
    for (int i = 0; i < img.length; i++) {
      img[i] = i * 1.5f - 7;
    }
    assertThat(resize(img, 5, 7, 5, 7)).containsExactly(img);
    assertThat(resize(img, 5, 7, 1, 1)).containsExactly(img[0]);
  }

  @Test
  void channelsAreResizedIndependently() {
    float[] two = {0, 1, 2, 3, 10, 20, 30, 40};
    float[] out = new float[2 * 9];
    BilinearResize.alignCorners(2, 2, 3, 3).apply(two, 0, out, 0, 2);
    assertThat(out).containsExactly(0f, 0.5f, 1f, 1f, 1.5f, 2f, 2f, 2.5f, 3f,
        10f, 15f, 20f, 20f, 25f, 30f, 30f, 35f, 40f);
  }

  @Test
  void rejectsEmptySizes() {
    assertThatThrownBy(() -> BilinearResize.alignCorners(32, 32, 0, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("outHeight (0) must be >= 1");
  }

  /** Bilinear interpolation reproduces a bilinear function, so 32->16->32 leaves it unchanged. */
  @Property(tries = 50)
  void bilinearFunctionsSurviveTheRoundTrip(
      @ForAll @FloatRange(min = -3, max = 3) float a,
      @ForAll @FloatRange(min = -3, max = 3) float b,
      @ForAll @FloatRange(min = -3, max = 3) float c,
      @ForAll @FloatRange(min = -0.1f, max = 0.1f) float d) {
    float[] img = new float[32 * 32];
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        img[y * 32 + x] = a + b * x + c * y + d * x * y;
      }
    }
    float[] back = resize(resize(img, 32, 32, 16, 16), 16, 16, 32, 32);
    for (int i = 0; i < img.length; i++) {
      assertThat(back[i]).isCloseTo(img[i], within(5e-4f));
    }
  }

  /** Agrees with a direct double-precision evaluation of the align-corners formula. */
  @Test
  void matchesAnIndependentDoublePrecisionReference() {
    SplittableRandom rng = new SplittableRandom(11);
    float[] img = new float[3 * 32 * 32];
    for (int i = 0; i < img.length; i++) {
      img[i] = (float) rng.nextGaussian();
    }
    float[] out = new float[3 * 16 * 16];
    BilinearResize.alignCorners(32, 32, 16, 16).apply(img, 0, out, 0, 3);
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) {
          double py = i * 31.0 / 15.0;
          double px = j * 31.0 / 15.0;
          int y0 = (int) Math.floor(py);
          int x0 = (int) Math.floor(px);
          int y1 = Math.min(y0 + 1, 31);
          int x1 = Math.min(x0 + 1, 31);
          double ly = py - y0;
          double lx = px - x0;
          double v =
              (1 - ly) * ((1 - lx) * img[c * 1024 + y0 * 32 + x0] + lx * img[c * 1024 + y0 * 32 + x1])
                  + ly * ((1 - lx) * img[c * 1024 + y1 * 32 + x0] + lx * img[c * 1024 + y1 * 32 + x1]);
          assertThat((double) out[c * 256 + i * 16 + j]).isCloseTo(v, within(1e-5));
        }
      }
    }
  }
}
