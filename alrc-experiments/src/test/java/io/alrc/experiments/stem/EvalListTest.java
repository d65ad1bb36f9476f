package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code eval_data} lists ({@link StemImages#readList}): every entry must name images; an empty
 * list, an empty entry or an empty folder is an error naming the value, never a silent fall-back to
 * synthetic images (or, for an empty entry, to the images of the current directory).
 */
class EvalListTest {
  @TempDir Path dir;

  @Test
  void noListMeansNoRealImages() throws IOException {
    assertThat(StemImages.readList(null)).isEmpty();
  }

  @Test
  void filesAndFoldersAreReadInListOrder() throws IOException {
    Path a = dir.resolve("a.tif");
    Float32Tiff.write(a, new StemImage("a", 1, 1, new float[] {7}));
    Path sub = Files.createDirectories(dir.resolve("sub"));
    GreyPng.write16(sub.resolve("b.png"), new float[] {1}, 1, 1);
    List<StemImage> images = StemImages.readList(sub + " , " + a);
    assertThat(images).extracting(i -> Path.of(i.source()).getFileName().toString())
        .containsExactly("b.png", "a.tif");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", ","})
  void anEmptyListIsRejectedNamingIt(String list) {
    assertThatThrownBy(() -> StemImages.readList(list))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("eval_data '" + list + "'");
  }

  @Test
  void anEmptyEntryIsRejectedInsteadOfReadingTheCurrentDirectory() throws IOException {
    Path a = dir.resolve("a.png");
    GreyPng.write16(a, new float[] {1}, 1, 1);
    Path b = dir.resolve("b.tif");
    Float32Tiff.write(b, new StemImage("b", 1, 1, new float[] {7}));
    String list = a + ",," + b;
    assertThatThrownBy(() -> StemImages.readList(list))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("eval_data '" + list + "': entry 2 of 3 is empty; separate files or folders by"
            + " single commas");
    assertThatThrownBy(() -> StemImages.readList(","))
        .hasMessage("eval_data ',': entry 1 of 2 is empty; separate files or folders by single"
            + " commas");
  }

  @Test
  void anEmptyFolderIsRejectedNamingIt() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    Files.writeString(empty.resolve("notes.txt"), "no images here");
    assertThatThrownBy(() -> StemImages.readList(empty.toString()))
        .isInstanceOf(StemImageException.class)
        .hasMessage(empty + ": in eval_data '" + empty + "': the folder holds no .png, .tif or .tiff"
            + " file");
  }

  @Test
  void aMissingEntryOrADeviceIsRejectedNamingIt() {
    Path missing = dir.resolve("missing.png");
    assertThatThrownBy(() -> StemImages.readList(missing.toString()))
        .isInstanceOf(StemImageException.class)
        .hasMessage(missing + ": in eval_data '" + missing + "': no such file or folder");
    if (Files.exists(Path.of("/dev/null"))) {
      assertThatThrownBy(() -> StemImages.readList("/dev/null"))
          .isInstanceOf(StemImageException.class)
          .hasMessage("/dev/null: in eval_data '/dev/null': not a regular file or folder (a device,"
              + " pipe or socket?)");
    }
  }

  @Test
  void anInvalidPathIsAnIllegalArgument() {
    assertThatThrownBy(() -> StemImages.readList("a\u0000b.png"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("eval_data 'a\u0000b.png': 'a\u0000b.png' is not a valid path");
  }
}
