package io.alrc.experiments.train;

import io.alrc.experiments.cifar.CifarSupersamplingTask;
import io.alrc.experiments.nn.Network;
import io.alrc.experiments.stem.StemTask;
import java.util.Map;
import java.util.Random;

/**
 * Tests of the training engines: random batches, a pure function of the step (as the real tasks'
 * batches are of the seed and the step), on the paper's network ({@code cifar10-sr}) or the STEM
 * network (any other task name in the configuration). Shipped in this module's test jar.
 */
public final class RandomTask implements Task {
  private final int batch;
  private final int in;
  private final int out;
  private final int size;
  private final double weight;

  /**
   * @param batch examples per batch
   * @param in input channels
   * @param out target channels
   * @param size image side
   * @param weight the loss weight {@code w} of {@code w * mean(err^p)}
   */
  public RandomTask(int batch, int in, int out, int size, double weight) {
    this.batch = batch;
    this.in = in;
    this.out = out;
    this.size = size;
    this.weight = weight;
  }

  /** 8x8 colour images, loss weight 25, as CIFAR-10 supersampling. */
  public static RandomTask cifar(int batch) {
    return new RandomTask(batch, 3, 3, 8, 25);
  }

  /**
   * A small configuration for engine tests: quartic error with the safeguard for {@code
   * cifar10-sr}, squared otherwise, the stabilizer at its defaults, width 0.125, 100 steps, 2
   * threads, seed 42, the given engine.
   */
  public static TrainConfig.Builder config(
      String engine, String task, String stabilizer, String optimizer, double lr, int batch) {
    return TrainConfig.builder()
        .task(task)
        .loss(task.equals("cifar10-sr") ? "quartic" : "squared")
        .safeguard(task.equals("cifar10-sr"))
        .stabilizer(Stabilizer.of(stabilizer, Map.of()))
        .optimizer(optimizer)
        .lr(lr)
        .lrDecaySteps(0)
        .batch(batch)
        .steps(100)
        .width(0.125)
        .imageSize(16)
        .seed(42)
        .evalEvery(10)
        .evalExamples(4)
        .checkpointEvery(10)
        .threads(2)
        .version("test")
        .engine(engine);
  }

  @Override
  public String name() {
    return "random";
  }

  @Override
  public Network network(TrainConfig config) {
    return config.task().equals("cifar10-sr")
        ? CifarSupersamplingTask.paperNetwork(in, config.width())
        : StemTask.stemNetwork(in, out, config.width());
  }

  @Override
  public Batch trainBatch(long step) {
    Random r = new Random(step * 7919 + batch);
    float[] target = new float[batch * out * size * size];
    float[] input = new float[batch * in * size * size];
    for (int i = 0; i < target.length; i++) {
      target[i] = (float) (0.5 * r.nextGaussian());
    }
    for (int i = 0; i < input.length; i++) {
      input[i] = target[i % target.length] * 0.5f + (float) (0.1 * r.nextGaussian());
    }
    return new Batch(input, target, batch, in, out, size, size, -1);
  }

  @Override
  public int evalSize() {
    return batch;
  }

  @Override
  public Batch evalBatch(int from, int to) {
    return trainBatch(1_000_000);
  }

  @Override
  public double lossWeight() {
    return weight;
  }

  @Override
  public String describeData() {
    return "random";
  }
}
