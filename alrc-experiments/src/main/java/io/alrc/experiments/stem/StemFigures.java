package io.alrc.experiments.stem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Regenerates the STEM figures of the documentation:
 *
 * <ul>
 *   <li>{@code docs/images/stem-gallery.png}: 8 synthetic HAADF images, 128 x 128, stream seed 1
 *       (the contact sheet of {@link StemGallery#writeContactSheet(Path, long, int, int)});
 *   <li>{@code docs/images/stem-inputs.png}: one synthetic 128 x 128 image (stream seed 1, image
 *       0), its 1/20 spiral mask, the partial-scan input's scan channel, and the 2x and 4x
 *       supersampling inputs.
 * </ul>
 *
 * <p>How to run, from the repository root, after building:
 *
 * <pre>
 * java -cp alrc-experiments/target/classes io.alrc.experiments.stem.StemFigures [repository root]
 * </pre>
 */
public final class StemFigures {
  /** Stream seed of the figures. */
  public static final long SEED = 1;

  private StemFigures() {}

  /**
   * Writes the figures and prints the gallery's captions.
   *
   * @param args the repository root; default the working directory
   * @throws IOException if a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    Path images = Files.createDirectories(root.resolve("docs").resolve("images"));
    List<String> captions = StemGallery.writeContactSheet(images.resolve("stem-gallery.png"), SEED, 8, 128);
    captions.forEach(System.out::println);
    writeInputs(images.resolve("stem-inputs.png"));
  }

  /**
   * Writes the inputs figure: image, mask, scan channel, 2x and 4x supersampling inputs.
   *
   * @param file the PNG
   * @throws IOException if it cannot be written
   */
  public static void writeInputs(Path file) throws IOException {
    int size = 128;
    float[] image = new HaadfGenerator(HaadfConfig.defaults(size)).generate(HaadfGenerator.seed(SEED, 0));
    SpiralMask mask = SpiralScan.mask(size);
    float[] input = PartialScanInput.build(image, mask);
    float[] scan = new float[size * size];
    float[] maskPanel = new float[size * size];
    for (int i = 0; i < scan.length; i++) {
      // Unscanned pixels in mid-grey would hide the path; show them black like the mask.
      scan[i] = mask.isScanned(i) ? input[i] : -1f;
      maskPanel[i] = 2 * input[scan.length + i] - 1;
    }
    StemGallery.writeContactSheet(
        file,
        List.of(image, maskPanel, scan, Supersampling.input(image, size, 2), Supersampling.input(image, size, 4)),
        size,
        5);
  }
}
