package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.alrc.experiments.stem.GreyPng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code alrc train --eval-data} for the STEM tasks: a value that names no images is rejected with
 * exit 2 naming it, before anything is trained or written, instead of evaluating on synthetic
 * images while config.json names the value.
 */
class EvalDataOptionTest {
  @TempDir Path dir;

  private Cli.Result train(String evalData) {
    return Cli.run("train", "--task", "stem-completion", "--image-size", "16", "--width", "0.25",
        "--steps", "1", "--threads", "1", "--eval-data", evalData,
        "--out", dir.resolve("run").toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ",", " "})
  void aListNamingNothingExits2(String value) {
    Cli.Result r = train(value);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("alrc train: eval_data '" + value + "'");
    assertThat(dir.resolve("run/config.json")).doesNotExist();
  }

  @Test
  void anEmptyFolderExits2() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    Cli.Result r = train(empty.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("alrc train: " + empty + ": in eval_data '" + empty
        + "': the folder holds no .png, .tif or .tiff file");
    assertThat(dir.resolve("run/config.json")).doesNotExist();
  }

  @Test
  void anEmptyEntryExits2InsteadOfReadingTheCurrentDirectory() throws IOException {
    Path a = dir.resolve("a.png");
    GreyPng.write16(a, new float[32 * 32], 32, 32);
    String value = a + ",," + a;
    Cli.Result r = train(value);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("alrc train: eval_data '" + value
        + "': entry 2 of 3 is empty; separate files or folders by single commas");
  }
}
