package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alrc.experiments.run.CsvTable;
import io.alrc.tensorboard.IndependentEventDecoder;
import io.alrc.tensorboard.IndependentEventDecoder.DecodedEvent;
import io.alrc.tensorboard.TrainingTags;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alrc train} writes TensorBoard event files into the run directory, read back here with
 * the independent decoder of alrc-tensorboard's tests (its own TFRecord reader checks every CRC):
 * one event per step with the values of metrics.csv, the test errors of eval.csv and the injected
 * spikes.
 */
class TensorBoardFilesTest {
  @TempDir Path tmp;

  private static List<Path> eventFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).sorted().toList();
    }
  }

  @Test
  void eventFilesHoldTheValuesOfMetricsAndEvalCsv() throws Exception {
    Path run = tmp.resolve("run");
    Cli.Result r = Cli.run("train", "--task", "stem-completion", "--image-size", "16", "--width",
        "0.125", "--batch", "2", "--steps", "30", "--stabilizer", "alrc", "--alrc-warmup", "8",
        "--eval-every", "10", "--eval-examples", "2", "--checkpoint-every", "10", "--threads", "1",
        "--spike-steps", "5,17", "--out", run.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    List<Path> files = eventFiles(run);
    assertThat(files).hasSize(1);
    List<DecodedEvent> events = IndependentEventDecoder.decode(files.get(0));
    assertThat(events.get(0).fileVersion()).isEqualTo("brain.Event:2");

    Map<Long, Map<String, Float>> byStep = new HashMap<>();
    for (DecodedEvent e : events) {
      if (e.values() != null) {
        byStep.computeIfAbsent(e.step(), k -> new HashMap<>()).putAll(e.values());
      }
    }
    CsvTable metrics = CsvTable.read(run.resolve("metrics.csv"));
    double[] step = metrics.column("step");
    double[] loss = metrics.column("loss");
    double[] unadjusted = metrics.column("unadjusted_loss");
    double[] threshold = metrics.column("threshold");
    double[] clipped = metrics.column("clipped");
    double[] injected = metrics.column("injected");
    for (int i = 0; i < step.length; i++) {
      Map<String, Float> v = byStep.get((long) step[i]);
      assertThat(v).as("step %s", step[i]).isNotNull();
      assertThat((double) v.get(TrainingTags.LOSS)).isCloseTo(loss[i], within(1e-6 * Math.abs(loss[i]) + 1e-30));
      assertThat((double) v.get(TrainingTags.UNCLIPPED_LOSS))
          .isCloseTo(unadjusted[i], within(1e-6 * Math.abs(unadjusted[i])));
      if (Double.isFinite(threshold[i])) {
        assertThat((double) v.get(TrainingTags.ALRC_THRESHOLD))
            .isCloseTo(threshold[i], within(1e-6 * Math.abs(threshold[i])));
      }
      assertThat((double) v.get(TrainingTags.ALRC_CLIP_FRACTION)).isEqualTo(clipped[i] / 2);
      assertThat(v.containsKey("train/injected_spike")).as("step %s", step[i]).isEqualTo(injected[i] >= 0);
      assertThat(v).containsKeys(TrainingTags.LEARNING_RATE, TrainingTags.SKIPPED_STEPS);
    }
    CsvTable eval = CsvTable.read(run.resolve("eval.csv"));
    double[] evalStep = eval.column("step");
    double[] testError = eval.column("test_error");
    for (int i = 0; i < evalStep.length; i++) {
      assertThat((double) byStep.get((long) evalStep[i]).get("test/error"))
          .isCloseTo(testError[i], within(1e-6 * testError[i]));
    }
    assertThat(byStep.get(5L)).containsKey("train/injected_spike");
  }
}
