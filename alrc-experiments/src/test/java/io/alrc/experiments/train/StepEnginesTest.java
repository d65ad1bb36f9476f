package io.alrc.experiments.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.experiments.run.RunFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine choice in a run's configuration (no engine is created here). */
class StepEnginesTest {
  @TempDir Path tmp;

  private static TrainConfig config(String engine) {
    return TrainConfig.builder()
        .task("stem-completion")
        .safeguard(false)
        .lr(1e-3)
        .batch(1)
        .steps(10)
        .width(0.25)
        .imageSize(16)
        .evalEvery(5)
        .evalExamples(4)
        .checkpointEvery(5)
        .version("test")
        .engine(engine)
        .build();
  }

  @Test
  void runsWithoutAnEngineFieldTrainOnDjlAsBefore() throws Exception {
    TrainConfig legacy = config(null).validate();
    assertThat(legacy.engineName()).isEqualTo(StepEngines.DJL);
    Path dir = Files.createDirectories(tmp.resolve("run"));
    RunFiles.writeJson(dir.resolve("config.json"), legacy);
    assertThat(Files.readString(dir.resolve("config.json"))).doesNotContain("engine");
    assertThat(TrainingRun.readConfig(dir).engineName()).isEqualTo(StepEngines.DJL);
  }

  @Test
  void theEngineIsWrittenReadBackAndChecked() throws Exception {
    TrainConfig c = config("javacpp").validate();
    Path dir = Files.createDirectories(tmp.resolve("run"));
    RunFiles.writeJson(dir.resolve("config.json"), c);
    TrainConfig read = TrainingRun.readConfig(dir);
    assertThat(read).isEqualTo(c);
    assertThat(read.engineName()).isEqualTo(StepEngines.JAVACPP);
    assertThat(c.withEngine("djl").engineName()).isEqualTo("djl");
    assertThatThrownBy(() -> config("onnx").validate())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown engine 'onnx': expected one of javacpp, djl");
  }
}
