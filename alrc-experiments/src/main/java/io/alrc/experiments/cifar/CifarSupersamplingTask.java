package io.alrc.experiments.cifar;

import ai.djl.nn.Block;
import io.alrc.djl.nn.PaperNet;
import io.alrc.experiments.train.Batch;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The paper's CIFAR-10 2x supersampling task (section 3.1): augmented, standardised 32x32 images
 * as targets, their bilinear 32-&gt;16-&gt;32 versions as inputs, the paper's 10-layer residual
 * network, per-example loss {@code 25 * mean(err^p)}.
 */
public final class CifarSupersamplingTask implements Task {
  /** The task's name. */
  public static final String NAME = "cifar10-sr";

  private final TrainConfig config;
  private final Cifar10Dataset training;
  private final Cifar10Dataset evaluation;
  private final SupersamplingBatches batches;
  private final String description;

  /**
   * Opens the data: training files under {@code config.data()} (or {@code $ALRC_DATA}, or the
   * user cache), evaluation file {@code config.evalData()} (default {@code test_batch.bin}).
   *
   * @throws IOException naming the file or folder that is missing or corrupt
   */
  public CifarSupersamplingTask(TrainConfig config) throws IOException {
    this.config = config;
    Cifar10Location location =
        Cifar10Locator.system().locate(Optional.ofNullable(config.data()).map(Path::of));
    this.training = location.openTraining();
    Optional<Path> evalFile = Optional.ofNullable(config.evalData()).map(Path::of);
    this.evaluation = location.openEvaluation(evalFile);
    this.batches = new SupersamplingBatches(training, config.batch(), config.seed());
    this.description =
        "training: " + training.size() + " images from " + location.trainingFiles()
            + "; evaluation: " + evaluation.size() + " images from "
            + location.evaluationFile(evalFile);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Block network(TrainConfig c) {
    return PaperNet.builder().width(c.width()).build();
  }

  @Override
  public Batch trainBatch(long step) {
    SupersamplingBatch b = batches.batch(step);
    return new Batch(b.input(), b.target(), b.size(), 3, 3, Cifar10.SIZE, Cifar10.SIZE, -1);
  }

  @Override
  public int evalSize() {
    return evaluation.size();
  }

  @Override
  public Batch evalBatch(int from, int to) {
    SupersamplingBatch b = SupersamplingBatches.evaluation(evaluation, from, to - from);
    return new Batch(b.input(), b.target(), b.size(), 3, 3, Cifar10.SIZE, Cifar10.SIZE, -1);
  }

  @Override
  public double lossWeight() {
    return 25;
  }

  @Override
  public String describeData() {
    return description;
  }
}
