package io.alrc.experiments.stem;

import java.util.List;

/**
 * An endless, indexable stream of square greyscale training images in [-1, 1]: what the STEM
 * experiments train on. Image {@code i} depends only on the source's seed and {@code i}, so a run
 * can resume at any index and two runs with the same seed see the same images.
 *
 * <p>Implementations are thread-safe: each call works on its own arrays.
 */
public interface StemSource {
  /** Width and height of every image, in pixels. */
  int size();

  /**
   * Image {@code index} of the stream.
   *
   * @param index &gt;= 0
   * @return {@code size() * size()} row-major pixels in [-1, 1]; the array belongs to the caller
   */
  float[] image(long index);

  /**
   * Synthetic HAADF images: image {@code i} is {@link HaadfGenerator#generate(long)} with seed
   * {@link HaadfGenerator#seed(long, long) seed(streamSeed, i)}.
   *
   * @param config the generator's ranges (its size is the source's size)
   * @param streamSeed the stream's seed
   * @return the source
   */
  static StemSource synthetic(HaadfConfig config, long streamSeed) {
    HaadfGenerator generator = new HaadfGenerator(config);
    return new StemSource() {
      @Override
      public int size() {
        return config.size();
      }

      @Override
      public float[] image(long index) {
        return generator.generate(HaadfGenerator.seed(streamSeed, index));
      }
    };
  }

  /**
   * Random crops of real micrographs: image {@code i} picks one of {@code images} uniformly and a
   * {@link StemCrops#random random crop} of it with a random symmetry, all from {@code
   * seed(streamSeed, i)}.
   *
   * @param images the micrographs, each at least {@code size} wide and high; not empty
   * @param size crop side
   * @param streamSeed the stream's seed
   * @return the source
   * @throws IllegalArgumentException if {@code images} is empty or one is smaller than {@code size}
   */
  static StemSource crops(List<StemImage> images, int size, long streamSeed) {
    List<StemImage> copy = List.copyOf(images);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("images must not be empty");
    }
    for (StemImage image : copy) {
      if (size < 1 || image.width() < size || image.height() < size) {
        throw new IllegalArgumentException(
            image.source() + ": " + image.width() + " x " + image.height()
                + " is smaller than the crop size " + size);
      }
    }
    return new StemSource() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public float[] image(long index) {
        Rng rng = new Rng(Rng.mix(streamSeed, index));
        StemImage image = copy.get(rng.nextInt(copy.size()));
        return StemCrops.random(image, size, rng.nextLong()).pixels();
      }
    };
  }
}
