package io.alrc.experiments.stem;

import io.alrc.experiments.data.Seeds;
import io.alrc.experiments.nn.Network;
import io.alrc.experiments.nn.Network.Conv;
import io.alrc.experiments.nn.Network.Relu;
import io.alrc.experiments.nn.Network.Upsample;
import io.alrc.experiments.train.Batch;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.TrainConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The electron-microscopy tasks of the paper (section 3.3), trained on the embedded synthetic HAADF
 * STEM generator:
 *
 * <ul>
 *   <li>{@code stem-completion}: complete an image from an Archimedean spiral partial scan
 *       covering 1/20 of the pixels ({@link SpiralScan}); input 2 channels ({@link
 *       PartialScanInput}: scan values and mask), target the full image.
 *   <li>{@code stem-sr}: supersampling; input the image downsampled 2x or 4x (area average) and
 *       upsampled back bilinearly ({@link Supersampling}), target the full image.
 * </ul>
 *
 * Images are {@code image_size} square, in [-1, 1]. Training image {@code i} of the run is
 * synthetic image {@code i} of a stream seeded from the run's seed, so batches never repeat and a
 * resumed run sees the same ones. Evaluation uses crops (with the 8 flips/rotations) of real
 * micrographs when {@code eval_data} names them (files or folders, comma-separated), else a
 * held-out synthetic stream; both are fixed for every run, so runs are comparable. The
 * per-example loss is {@code 50 * mean(err^p)}: on [-1, 1] images this puts typical losses a little
 * below the reference profile's initial moments (25 and 900), as the paper's settings assume.
 */
public final class StemTask implements Task {
  /** The completion task's name. */
  public static final String COMPLETION = "stem-completion";

  /** The supersampling task's name. */
  public static final String SUPERSAMPLING = "stem-sr";

  /** The per-example loss weight {@code w}. */
  public static final double LOSS_WEIGHT = 50;

  private static final long TRAIN_STREAM = 10;
  private static final long EVAL_SEED = 0x5EED_57E3L;

  private final String name;
  private final int size;
  private final int batch;
  private final int factor;
  private final StemSource train;
  private final StemSource eval;
  private final SpiralMask mask;
  private final String description;

  /**
   * Sets up the task of {@code config} ({@code stem-completion} or {@code stem-sr}).
   *
   * @throws IOException naming an evaluation file that cannot be read
   * @throws IllegalArgumentException if {@code eval_data} is empty or has an empty entry
   */
  public StemTask(TrainConfig config) throws IOException {
    this.name = config.task();
    this.size = config.imageSize();
    this.batch = config.batch();
    this.factor = config.srFactor() == null ? 2 : config.srFactor();
    HaadfConfig generator = HaadfConfig.defaults(size);
    this.train = StemSource.synthetic(generator, Seeds.derive(config.seed(), TRAIN_STREAM));
    this.mask = name.equals(COMPLETION) ? SpiralScan.mask(size) : null;
    List<StemImage> real = readEvalImages(config.evalData());
    if (real.isEmpty()) {
      this.eval = StemSource.synthetic(generator, EVAL_SEED);
      this.description = "training: synthetic HAADF " + size + "x" + size
          + "; evaluation: held-out synthetic images";
    } else {
      this.eval = StemSource.crops(real, size, EVAL_SEED);
      List<String> names = real.stream().map(StemImage::source).toList();
      this.description = "training: synthetic HAADF " + size + "x" + size
          + "; evaluation: crops of " + real.size() + " real micrographs " + names;
    }
  }

  /** The evaluation micrographs of {@code eval_data}: {@link StemImages#readList(String)}. */
  static List<StemImage> readEvalImages(String spec) throws IOException {
    return StemImages.readList(spec);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Network network(TrainConfig config) {
    return stemNetwork(inputChannels(), 1, config.width());
  }

  /**
   * The compact encoder-decoder of the electron-microscopy tasks, small enough to train at a useful
   * speed on two CPU cores:
   *
   * <pre>
   * conv 3x3 in -&gt; c, ReLU                          H x W
   * conv 3x3 stride 2 c -&gt; 2c, ReLU                 H/2
   * conv 3x3 stride 2 2c -&gt; 4c, ReLU                H/4
   * 2 residual blocks: x + relu(conv(relu(conv(x))))  at 4c
   * upsample 2x, conv 3x3 4c -&gt; 2c, ReLU           H/2
   * upsample 2x, conv 3x3 2c -&gt; c, ReLU            H
   * conv 3x3 c -&gt; out (linear)
   * </pre>
   *
   * with {@code c = max(1, round(16 * width))}; no normalisation, as the paper's networks. H and W
   * must be multiples of 4. Nearest upsampling followed by a convolution (rather than a transposed
   * convolution) avoids checkerboard artefacts. Layers {@code enc1}-{@code enc3}, {@code res1a} ...
   * {@code res2b}, {@code dec1}, {@code dec2}, {@code out}.
   *
   * @param in input channels
   * @param out output channels
   * @param width the multiplier of the base channel count 16
   */
  public static Network stemNetwork(int in, int out, double width) {
    int c = Network.scaled(16, width);
    List<Network.Layer> layers = new ArrayList<>(List.of(
        new Conv("enc1", in, c, 3, 1), new Relu(),
        new Conv("enc2", c, 2 * c, 3, 2), new Relu(),
        new Conv("enc3", 2 * c, 4 * c, 3, 2), new Relu(),
        Network.residual("res1", 4 * c),
        Network.residual("res2", 4 * c),
        new Upsample(2), new Conv("dec1", 4 * c, 2 * c, 3, 1), new Relu(),
        new Upsample(2), new Conv("dec2", 2 * c, c, 3, 1), new Relu(),
        new Conv("out", c, out, 3, 1)));
    return new Network("stem", layers);
  }

  private int inputChannels() {
    return mask != null ? PartialScanInput.CHANNELS : 1;
  }

  /** The network input for one image. */
  public float[] input(float[] image) {
    return mask != null ? PartialScanInput.build(image, mask) : Supersampling.input(image, size, factor);
  }

  private Batch batchOf(StemSource source, long firstIndex, int count) {
    int plane = size * size;
    int in = inputChannels();
    float[] input = new float[count * in * plane];
    float[] target = new float[count * plane];
    for (int k = 0; k < count; k++) {
      float[] image = source.image(firstIndex + k);
      System.arraycopy(input(image), 0, input, k * in * plane, in * plane);
      System.arraycopy(image, 0, target, k * plane, plane);
    }
    return new Batch(input, target, count, in, 1, size, size, -1);
  }

  @Override
  public Batch trainBatch(long step) {
    return batchOf(train, (step - 1) * batch, batch);
  }

  @Override
  public int evalSize() {
    return Integer.MAX_VALUE;
  }

  @Override
  public Batch evalBatch(int from, int to) {
    return batchOf(eval, from, to - from);
  }

  @Override
  public double lossWeight() {
    return LOSS_WEIGHT;
  }

  @Override
  public String describeData() {
    return description;
  }
}
