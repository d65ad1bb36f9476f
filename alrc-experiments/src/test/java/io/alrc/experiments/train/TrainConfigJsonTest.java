package io.alrc.experiments.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alrc.experiments.run.RunFiles;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@code config.json} as written by earlier versions (one per stabilizer, from real runs) reads
 * into the typed configuration and writes back to the same JSON, so old run directories resume
 * with exactly their settings.
 */
class TrainConfigJsonTest {
  private static JsonNode legacy(String name) throws IOException {
    try (InputStream in = TrainConfigJsonTest.class.getResourceAsStream("/legacy-configs/" + name)) {
      return RunFiles.JSON.readTree(in);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "javacpp-cifar-none.json", "javacpp-cifar-agc.json", "javacpp-cifar-autoclip.json",
    "javacpp-cifar-zclip.json", "javacpp-cifar-global-norm-max-norm-0.5.json",
    "javacpp-cifar-alrc-n-2-profile-reference.json", "javacpp-cifar-alrc-n-3-profile-cifar2019.json",
    "javacpp-cifar-alrc-overrides.json", "javacpp-cifar-sgd.json", "javacpp-stemc-huber-alrc.json",
    "javacpp-stemsr-none.json", "djl-era-no-engine.json"})
  void earlierConfigurationsReadAndWriteBackUnchanged(String name) throws IOException {
    JsonNode written = legacy(name);
    TrainConfig config = RunFiles.JSON.treeToValue(written, TrainConfig.class).validate();
    JsonNode again = RunFiles.JSON.readTree(RunFiles.JSON.writeValueAsBytes(config));
    assertThat(again).isEqualTo(written);
    assertThat(config.stabilizer().name()).isEqualTo(written.get("stabilizer").asText());
  }

  @Test
  void theStabilizerIsTyped() throws IOException {
    TrainConfig zclip = RunFiles.JSON.treeToValue(legacy("javacpp-cifar-zclip.json"), TrainConfig.class);
    assertThat(zclip.stabilizer()).isEqualTo(new Stabilizer.ZClip(0.97, 2.5, 25));
    TrainConfig alrc = RunFiles.JSON.treeToValue(legacy("javacpp-cifar-alrc-overrides.json"), TrainConfig.class);
    assertThat(alrc.stabilizer()).isEqualTo(new Stabilizer.Alrc(2, "reference", 0.99, 1.0, 2.5, 4, null, null, null));
    assertThat(alrc.alrcConfig().initialMu2()).isEqualTo(2.5);
    assertThat(RunFiles.JSON.treeToValue(legacy("djl-era-no-engine.json"), TrainConfig.class).engineName())
        .isEqualTo(StepEngines.DJL);
  }

  @Test
  void precisionIsAbsentInEarlierRunsReadsAsFp32AndIsWrittenForNewOnes() throws IOException {
    TrainConfig legacy = RunFiles.JSON.treeToValue(legacy("javacpp-cifar-none.json"), TrainConfig.class);
    assertThat(legacy.precision()).isNull();
    assertThat(legacy.precisionName()).isEqualTo(TrainConfig.FP32);
    assertThat(legacy.bf16()).isFalse();
    assertThat(RunFiles.JSON.readTree(RunFiles.JSON.writeValueAsBytes(legacy)).has("precision")).isFalse();

    TrainConfig fresh = TrainConfig.builder().build().validate();
    assertThat(fresh.precision()).as("new runs record their precision").isEqualTo("fp32");
    TrainConfig bf16 = legacy.toBuilder().precision("BF16").cpu("Some CPU").cpuFlags(List.of("amx_bf16"))
        .build().validate();
    JsonNode written = RunFiles.JSON.readTree(RunFiles.JSON.writeValueAsBytes(bf16));
    assertThat(written.get("precision").asText()).isEqualTo("BF16");
    assertThat(written.get("cpu").asText()).isEqualTo("Some CPU");
    assertThat(written.get("cpu_flags").get(0).asText()).isEqualTo("amx_bf16");
    TrainConfig back = RunFiles.JSON.treeToValue(written, TrainConfig.class);
    assertThat(back).isEqualTo(bf16);
    assertThat(back.bf16()).isTrue();

    assertThatThrownBy(() -> legacy.toBuilder().precision("fp16").build().validate())
        .hasMessage("unknown precision 'fp16': expected one of fp32, bf16");
    assertThatThrownBy(() -> legacy.toBuilder().precision("bf16").engine("djl").build().validate())
        .hasMessageContaining("precision bf16 needs the javacpp engine");
    assertThatThrownBy(() -> legacy.toBuilder().precision("bf16").engine(null).build().validate())
        .as("no engine recorded: DJL")
        .hasMessageContaining("the djl engine trains in fp32 only");
  }

  @Test
  void unknownKeysAndParametersOfAnotherStabilizerAreRejected() throws IOException {
    ObjectNode unknown = (ObjectNode) legacy("javacpp-cifar-none.json");
    unknown.put("colour", "blue");
    assertThatThrownBy(() -> RunFiles.JSON.treeToValue(unknown, TrainConfig.class))
        .hasMessageContaining("unknown key 'colour'");
    ObjectNode misplaced = (ObjectNode) legacy("javacpp-cifar-agc.json");
    misplaced.put("max_norm", 2.0);
    assertThatThrownBy(() -> RunFiles.JSON.treeToValue(misplaced, TrainConfig.class))
        .hasMessageContaining("stabilizer agc has no parameter 'max_norm'");
    ObjectNode upper = (ObjectNode) legacy("javacpp-cifar-agc.json");
    upper.put("stabilizer", "AGC");
    assertThat(RunFiles.JSON.treeToValue(upper, TrainConfig.class).stabilizer())
        .isEqualTo(new Stabilizer.Agc(0.01));
    ObjectNode bad = (ObjectNode) legacy("javacpp-cifar-agc.json");
    bad.put("agc_lambda", -1);
    assertThatThrownBy(() -> RunFiles.JSON.treeToValue(bad, TrainConfig.class))
        .hasMessageContaining("stabilizer agc: lambda (-1.0) must be finite and > 0");
  }

  @Test
  void everyKindRoundTripsThroughItsValues() {
    for (Stabilizer.Kind kind : Stabilizer.kinds()) {
      Stabilizer s = kind.create(Map.of());
      assertThat(Stabilizer.of(kind.name().toUpperCase(java.util.Locale.ROOT), s.values())).isEqualTo(s);
      assertThat(s.kind()).isSameAs(kind);
      assertThat(List.copyOf(s.values().keySet()))
          .isSubsetOf(kind.params().stream().map(Stabilizer.Param::key).toList());
    }
  }
}
