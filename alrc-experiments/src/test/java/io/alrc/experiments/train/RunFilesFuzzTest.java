package io.alrc.experiments.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alrc.experiments.run.RunFiles;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The files {@code --resume} reads, damaged at random: {@code config.json} (edited values of any
 * type, keys removed or added, text garbled) and {@code checkpoint/state.bin} (bits flipped, bytes
 * cut or appended). Every outcome is either a valid result or a named error (IllegalArgumentException
 * or an IOException with a message), never another exception; a damaged checkpoint never resumes.
 */
class RunFilesFuzzTest {
  private static final String[] VALUES = {"null", "true", "-1", "0", "1e308", "\"x\"", "[]", "{}",
      "[1, -2]", "\"alrc\"", "\"AGC\"", "1.5", "2147483648", "\"\\u0000\""};

  private static ObjectNode validConfig() throws IOException {
    try (InputStream in =
        RunFilesFuzzTest.class.getResourceAsStream("/legacy-configs/javacpp-cifar-alrc-overrides.json")) {
      return (ObjectNode) RunFiles.JSON.readTree(in);
    }
  }

  @Property(tries = 400)
  void anEditedConfigurationReadsOrFailsWithANamedError(
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int seed) throws IOException {
    Random r = new Random(seed);
    ObjectNode node = validConfig();
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    int edits = 1 + r.nextInt(3);
    for (int i = 0; i < edits; i++) {
      switch (r.nextInt(3)) {
        case 0 -> node.set(keys.get(r.nextInt(keys.size())),
            RunFiles.JSON.readTree(VALUES[r.nextInt(VALUES.length)]));
        case 1 -> node.remove(keys.get(r.nextInt(keys.size())));
        default -> node.put(new String[] {"max_norm", "z_alpha", "extra", "precision"}[r.nextInt(4)],
            r.nextDouble() * 4 - 1);
      }
    }
    byte[] text = RunFiles.JSON.writeValueAsBytes(node);
    if (r.nextInt(4) == 0) {
      text[r.nextInt(text.length)] = (byte) r.nextInt(128); // garble the text as well
    }
    try {
      RunFiles.JSON.readValue(text, TrainConfig.class).validate();
    } catch (IllegalArgumentException | JsonProcessingException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  /** An engine with a small state of its own, so the checkpoint's envelope is what is tested. */
  static final class StateEngine implements StepEngine {
    final float[] weights = new float[64];

    @Override
    public StepResult train(long step, Batch batch, double lr) {
      for (int i = 0; i < weights.length; i++) {
        weights[i] += (float) (lr * ((step * 31 + i) % 7));
      }
      return new StepResult(1, 1, 1, Double.NaN, 0, 1, 1, false, -1);
    }

    @Override
    public double[] evaluate(Batch batch) {
      return new double[batch.batch()];
    }

    @Override
    public float[] predict(Batch batch) {
      return new float[0];
    }

    @Override
    public void save(DataOutputStream out) throws IOException {
      out.writeInt(weights.length);
      for (float w : weights) {
        out.writeFloat(w);
      }
    }

    @Override
    public void load(DataInputStream in) throws IOException {
      int n = in.readInt();
      if (n != weights.length) {
        throw new IOException("checkpoint holds " + n + " weights, the engine has " + weights.length);
      }
      float[] read = new float[n];
      for (int i = 0; i < n; i++) {
        read[i] = in.readFloat();
      }
      System.arraycopy(read, 0, weights, 0, n);
    }

    @Override
    public long parameterCount() {
      return weights.length;
    }

    @Override
    public void close() {}
  }

  private static TrainConfig config() {
    return RandomTask.config(StepEngines.JAVACPP, "stem-completion", "none", "adam", 1e-3, 1)
        .steps(6).checkpointEvery(3).evalEvery(3).evalExamples(1).build().validate();
  }

  @Property(tries = 150)
  void aDamagedCheckpointIsRefusedWithANamedError(
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int seed) throws IOException {
    Path dir = Files.createTempDirectory("fuzz-run");
    try {
      TrainConfig c = config();
      RandomTask task = new RandomTask(1, 2, 1, 16, 50);
      new TrainingRun(c, dir, task, new StateEngine(), Progress.none()).run(false);
      Files.delete(dir.resolve("summary.json"));
      Path state = dir.resolve("checkpoint/state.bin");
      byte[] bytes = Files.readAllBytes(state);
      Random r = new Random(seed);
      byte[] bad;
      switch (r.nextInt(3)) {
        case 0 -> {
          bad = bytes.clone();
          int flips = 1 + r.nextInt(3);
          for (int i = 0; i < flips; i++) {
            bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
          }
        }
        case 1 -> bad = java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length));
        default -> {
          bad = java.util.Arrays.copyOf(bytes, bytes.length + 1 + r.nextInt(8));
          bad[bytes.length] = (byte) r.nextInt(256);
        }
      }
      Files.write(state, bad);
      try {
        new TrainingRun(c, dir, task, new StateEngine(), Progress.none()).run(true);
        throw new AssertionError("a damaged checkpoint resumed");
      } catch (TrainingRun.CheckpointException e) {
        assertThat(e.getMessage()).contains("state.bin");
      }
    } finally {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
