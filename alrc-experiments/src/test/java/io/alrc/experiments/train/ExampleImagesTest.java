package io.alrc.experiments.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleImagesTest {
  @TempDir Path tmp;

  private static float[] flat(int n, float v) {
    float[] a = new float[n];
    Arrays.fill(a, v);
    return a;
  }

  @Test
  void aFigureHasALabelledHeaderAndAColumnPerRunOutputAndError() throws Exception {
    int size = 32;
    int n = size * size;
    List<float[]> inputs = List.of(flat(n, -1), flat(n, -1));
    List<float[]> truths = List.of(flat(n, 1), flat(n, 1));
    ExampleImages.Examples off = new ExampleImages.Examples(size, size, inputs, List.of(flat(n, 0), flat(n, 0)), truths);
    ExampleImages.Examples alrc = new ExampleImages.Examples(size, size, inputs, List.of(flat(n, 1), flat(n, 1)), truths);
    Path png = tmp.resolve("examples.png");
    ExampleImages.writeFigure(png, List.of("off", "alrc n=3"), List.of(off, alrc));

    BufferedImage image = ImageIO.read(png.toFile());
    // columns: input, output off, output alrc, truth, |error| off, |error| alrc; 32-pixel tiles
    // enlarged 3 times to 96, 4 pixels apart
    int tile = 96;
    assertThat(image.getWidth()).isEqualTo(6 * tile + 7 * 4);
    int header = image.getHeight() - 2 * (tile + 4);
    assertThat(header).as("two lines of labels").isGreaterThanOrEqualTo(2 * 15);
    assertThat(darkPixels(image, 0, 0, image.getWidth(), header)).as("label text").isGreaterThan(100);
    int y = header + tile / 2;
    int[] expected = {0, 128, 255, 255, 255, 0}; // input -1, outputs 0 and 1, truth 1, errors 1 and 0
    for (int c = 0; c < 6; c++) {
      int x = 4 + c * (tile + 4) + tile / 2;
      assertThat(image.getRaster().getSample(x, y, 0)).as("column %d", c).isCloseTo(expected[c],
          org.assertj.core.data.Offset.offset(1));
    }
  }

  @Test
  void runsOnOtherImagesCannotShareAFigure() {
    int n = 4;
    ExampleImages.Examples a = new ExampleImages.Examples(2, 2, List.of(flat(n, 0)), List.of(flat(n, 0)), List.of(flat(n, 0)));
    ExampleImages.Examples b = new ExampleImages.Examples(2, 2, List.of(flat(n, 1)), List.of(flat(n, 0)), List.of(flat(n, 0)));
    assertThat(a.sameImages(b)).isFalse();
    assertThatThrownBy(() -> ExampleImages.writeFigure(tmp.resolve("x.png"), List.of("a", "b"), List.of(a, b)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("different images");
  }

  private static int darkPixels(BufferedImage image, int x0, int y0, int w, int h) {
    int count = 0;
    for (int y = y0; y < y0 + h; y++) {
      for (int x = x0; x < x0 + w; x++) {
        if (image.getRaster().getSample(x, y, 0) < 128) {
          count++;
        }
      }
    }
    return count;
  }
}
