package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StemImagesTest {
  @TempDir Path dir;

  @Test
  void recognisesTheFormatByContentNotName() throws IOException {
    Path tiffNamedPng = dir.resolve("really-a-tiff.png");
    Float32Tiff.write(tiffNamedPng, new StemImage("t", 2, 1, new float[] {0.25f, 2}));
    assertThat(StemImages.read(tiffNamedPng).pixels()).containsExactly(0.25f, 2f);

    Path png = dir.resolve("b.tif");
    GreyPng.write16(png, new float[] {-1, 1}, 2, 1);
    assertThat(StemImages.read(png).pixels()).containsExactly(0f, 1f);
  }

  @Test
  void rejectsWhatIsNotAnImage() throws IOException {
    Path text = dir.resolve("notes.png");
    Files.writeString(text, "hello, world", StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> StemImages.read(text))
        .isInstanceOf(StemImageException.class)
        .hasMessage(text + ": not a PNG or TIFF image (it starts with 68 65 6C 6C)");
    assertThatThrownBy(() -> GreyPng.read(text))
        .hasMessage(text + ": not a PNG file (it starts with 68 65 6C 6C)");

    Path empty = dir.resolve("empty.tif");
    Files.write(empty, new byte[0]);
    assertThatThrownBy(() -> StemImages.read(empty)).hasMessage(empty + ": empty file, not an image");

    assertThatThrownBy(() -> StemImages.read(dir.resolve("missing.png")))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void readsADirectoryInNameOrderSkippingOtherFiles() throws IOException {
    GreyPng.write16(dir.resolve("b.png"), new float[] {1}, 1, 1);
    Float32Tiff.write(dir.resolve("a.tif"), new StemImage("a", 1, 1, new float[] {7}));
    Files.writeString(dir.resolve("README.md"), "not an image");
    List<StemImage> images = StemImages.readDirectory(dir);
    assertThat(images).extracting(i -> Path.of(i.source()).getFileName().toString())
        .containsExactly("a.tif", "b.png");
  }

  @Test
  void imageChecksItsSizeAndCopiesItsPixels() {
    float[] pixels = {1, 2, 3, 4, 5, 6};
    StemImage image = new StemImage("six", 3, 2, pixels);
    pixels[0] = 99;
    assertThat(image.pixel(0, 0)).as("constructor copied").isEqualTo(1f);
    image.pixels()[1] = 99;
    assertThat(image.pixel(1, 0)).as("accessor copies").isEqualTo(2f);
    assertThat(image.pixel(2, 1)).isEqualTo(6f);
    assertThat(image.finiteRange()).containsExactly(1.0, 6.0);
    assertThatThrownBy(() -> new StemImage("five", 3, 2, new float[5]))
        .hasMessage("five: 5 pixels do not make a 3 x 2 image");
    assertThatThrownBy(() -> image.pixel(3, 0))
        .hasMessage("(3, 0) is outside the 3 x 2 image six");
  }
}
