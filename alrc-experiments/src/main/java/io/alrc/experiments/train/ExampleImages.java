package io.alrc.experiments.train;

import io.alrc.experiments.stem.StemGallery;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Example images of a trained STEM run: for the first evaluation examples, a row of four tiles:
 * the network input (the sparse scan, or the upsampled low-resolution image), the output, the
 * truth, and the error map {@code |output - truth|} (black 0, white 1 or more). Images are shown
 * in [-1, 1] (black to white), clipped.
 */
public final class ExampleImages {
  private ExampleImages() {}

  /** Whether {@code config}'s task has example images (the STEM tasks). */
  public static boolean applies(TrainConfig config) {
    return config.task().startsWith("stem-");
  }

  /**
   * Loads {@code runDir}'s latest checkpoint and writes {@code count} examples to {@code png}.
   * Creates a training engine, so it must not run while another training runs in this JVM.
   *
   * @throws IOException if the run has no checkpoint or the file cannot be written
   */
  public static void write(Path runDir, Path png, int count) throws IOException {
    TrainConfig config = TrainingRun.readConfig(runDir);
    if (!applies(config)) {
      throw new IllegalArgumentException(runDir + " is a " + config.task() + " run: no example images");
    }
    try (Task task = Tasks.open(config);
        StepEngine engine = StepEngines.create(config, task)) {
      TrainingRun.loadCheckpoint(runDir, engine);
      Batch batch = task.evalBatch(0, count);
      float[] output = engine.predict(batch);
      int plane = batch.height() * batch.width();
      List<float[]> tiles = new ArrayList<>();
      for (int k = 0; k < batch.batch(); k++) {
        float[] input = new float[plane];
        System.arraycopy(batch.input(), k * batch.inputChannels() * plane, input, 0, plane);
        float[] out = new float[plane];
        System.arraycopy(output, k * plane, out, 0, plane);
        float[] truth = new float[plane];
        System.arraycopy(batch.target(), k * plane, truth, 0, plane);
        float[] error = new float[plane];
        for (int i = 0; i < plane; i++) {
          error[i] = (float) (2 * Math.min(1, Math.abs(out[i] - truth[i])) - 1);
          out[i] = Math.max(-1, Math.min(1, out[i]));
        }
        tiles.add(input);
        tiles.add(out);
        tiles.add(truth);
        tiles.add(error);
      }
      StemGallery.writeContactSheet(png, tiles, batch.height(), 4);
    }
  }
}
