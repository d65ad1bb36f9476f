package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupersamplingBatchesTest {
  @TempDir Path dir;
  private Cifar10Dataset data;

  @BeforeEach
  void data() throws IOException {
    int[] labels = IntStream.range(0, 10).toArray();
    data =
        Cifar10Dataset.open(
            Files.write(dir.resolve("d.bin"), Cifar10TestFiles.records(9, labels)));
  }

  @Test
  void batchIsNchwWithTheAugmentationOfItsPositions() {
    SupersamplingBatches batches = new SupersamplingBatches(data, 3, 17);
    SupersamplingBatch b = batches.batch(4);

    assertThat(b.shape()).containsExactly(3, 3, 32, 32);
    assertThat(b.input()).hasSize(3 * 3072);
    SupersamplingPipeline p = new SupersamplingPipeline();
    for (int item = 0; item < 3; item++) {
      long position = 4 * 3 + item;
      assertThat(b.indices()[item]).isEqualTo(batches.exampleAt(position));
      float[] in = new float[3072];
      float[] tg = new float[3072];
      p.pair(data, b.indices()[item], batches.augmentationAt(position), in, 0, tg, 0);
      assertThat(Arrays.copyOfRange(b.input(), item * 3072, (item + 1) * 3072))
          .containsExactly(in);
      assertThat(Arrays.copyOfRange(b.target(), item * 3072, (item + 1) * 3072))
          .containsExactly(tg);
    }
  }

  @Test
  void resumingAtAStepReproducesTheUninterruptedRun() {
    SupersamplingBatches run = new SupersamplingBatches(data, 4, 123);
    SupersamplingBatch[] seen = new SupersamplingBatch[12];
    for (int s = 0; s < seen.length; s++) {
      seen[s] = run.batch(s);
    }
    SupersamplingBatches resumed = new SupersamplingBatches(data, 4, 123);
    for (int s : new int[] {9, 2, 11, 7}) {
      SupersamplingBatch b = resumed.batch(s);
      assertThat(b.indices()).as("indices of step %d", s).containsExactly(seen[s].indices());
      assertThat(b.input()).as("input of step %d", s).containsExactly(seen[s].input());
      assertThat(b.target()).as("target of step %d", s).containsExactly(seen[s].target());
    }
  }

  @Test
  void otherSeedsGiveOtherBatches() {
    SupersamplingBatch a = new SupersamplingBatches(data, 4, 1).batch(0);
    SupersamplingBatch b = new SupersamplingBatches(data, 4, 2).batch(0);
    assertThat(Arrays.equals(a.target(), b.target())).isFalse();
  }

  @Test
  void everyEpochVisitsEachExampleOnceInAFreshOrder() {
    SupersamplingBatches batches = new SupersamplingBatches(data, 3, 5);
    int[][] epochs = new int[4][10];
    for (int e = 0; e < 4; e++) {
      for (int r = 0; r < 10; r++) {
        epochs[e][r] = batches.exampleAt(e * 10L + r);
      }
      assertThat(epochs[e]).as("epoch %d", e).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }
    assertThat(Arrays.equals(epochs[0], epochs[1]) && Arrays.equals(epochs[1], epochs[2]))
        .as("the order changes between epochs")
        .isFalse();
    // Step 3 with B = 3 spans positions 9..11: the end of epoch 0 and the start of epoch 1.
    assertThat(batches.batch(3).indices()).containsExactly(epochs[0][9], epochs[1][0], epochs[1][1]);
  }

  @Test
  void fillReusesTheCallersArraysAndChecksTheirSize() {
    SupersamplingBatches batches = new SupersamplingBatches(data, 2, 8);
    float[] in = new float[2 * 3072];
    float[] tg = new float[2 * 3072];
    batches.fill(6, null, in, tg);
    SupersamplingBatch b = batches.batch(6);
    assertThat(in).containsExactly(b.input());
    assertThat(tg).containsExactly(b.target());
    assertThatThrownBy(() -> batches.fill(0, null, new float[3072], tg))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("input (3072) and target (6144) must hold at least B x 3072 = 6144 floats");
    assertThatThrownBy(() -> batches.fill(-1, null, in, tg))
        .hasMessage("step (-1) must be >= 0");
    assertThatThrownBy(() -> new SupersamplingBatches(data, 0, 1))
        .hasMessage("batchSize (0) must be >= 1");
  }

  @Test
  void evaluationBatchIsUnaugmentedAndInOrder() {
    SupersamplingBatch e = SupersamplingBatches.evaluation(data, 2, 3);
    assertThat(e.indices()).containsExactly(2, 3, 4);
    float[] in = new float[3072];
    float[] tg = new float[3072];
    new SupersamplingPipeline().pair(data, 3, Augmentation.NONE, in, 0, tg, 0);
    assertThat(Arrays.copyOfRange(e.target(), 3072, 6144)).containsExactly(tg);
    assertThat(Arrays.copyOfRange(e.input(), 3072, 6144)).containsExactly(in);
    assertThatThrownBy(() -> SupersamplingBatches.evaluation(data, 8, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("images 8..10 are not within 0..9 of " + data.files());
  }
}
