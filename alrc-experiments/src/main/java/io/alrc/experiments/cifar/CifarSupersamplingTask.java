package io.alrc.experiments.cifar;

import io.alrc.experiments.nn.Network;
import io.alrc.experiments.nn.Network.Conv;
import io.alrc.experiments.nn.Network.Relu;
import io.alrc.experiments.train.Batch;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
  public Network network(TrainConfig c) {
    return paperNetwork(3, c.width());
  }

  /** Parameters of {@link #paperNetwork} at the paper's widths with 3 channels. */
  public static final long PAPER_PARAMETERS = 1_042_819L;

  /**
   * The paper's fully convolutional CIFAR-10 network (section 3.1 of the spec): stride 1, same
   * padding, no normalisation,
   *
   * <pre>
   * conv 5x5 c-&gt;64, ReLU; conv 3x3 64-&gt;128, ReLU;
   * 3 x residual { x0 = x; x = relu(conv3x3(x)); x = relu(conv3x3(x)); x = x + x0 }   (128 channels)
   * conv 3x3 128-&gt;64, ReLU; conv 5x5 64-&gt;c (linear)
   * </pre>
   *
   * with the hidden counts 64 and 128 scaled by {@code width} ({@link Network#scaled}); at width 1
   * and 3 channels it has {@value #PAPER_PARAMETERS} parameters. Layers {@code conv1}, {@code
   * conv2}, {@code res1a} ... {@code res3b}, {@code conv3}, {@code conv4}.
   *
   * @param channels image channels of input and output (3 for colour)
   * @param width the multiplier of the hidden channel counts (1 = the paper's)
   */
  public static Network paperNetwork(int channels, double width) {
    int c64 = Network.scaled(64, width);
    int c128 = Network.scaled(128, width);
    List<Network.Layer> layers = new ArrayList<>();
    layers.add(new Conv("conv1", channels, c64, 5, 1));
    layers.add(new Relu());
    layers.add(new Conv("conv2", c64, c128, 3, 1));
    layers.add(new Relu());
    for (int i = 1; i <= 3; i++) {
      layers.add(Network.residual("res" + i, c128));
    }
    layers.add(new Conv("conv3", c128, c64, 3, 1));
    layers.add(new Relu());
    layers.add(new Conv("conv4", c64, channels, 5, 1));
    return new Network("paper", layers);
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
