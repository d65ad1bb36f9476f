package io.alrc.cli;

import io.alrc.experiments.stem.StemGallery;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alrc stem-gallery}: synthetic HAADF STEM images as PNGs. */
@Command(
    name = "stem-gallery",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    sortOptions = false,
    header = "Write synthetic HAADF STEM images (the STEM tasks' training data) as PNGs.",
    description = {
      "Writes COUNT images of SIZE x SIZE pixels as 16-bit greyscale PNGs (haadf-000.png, ...),"
          + " a contact sheet (contact-sheet.png) and prints one caption per image (lattice,"
          + " defects, dose). The same seed gives the same pixels on any machine.",
      ""
    })
final class StemGalleryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "stem-gallery", description = "Output folder.")
  Path out;

  @Option(names = "--count", paramLabel = "COUNT", defaultValue = "8", description = "Number of images (1-1000).")
  int count;

  @Option(names = "--size", paramLabel = "SIZE", defaultValue = "128", description = "Image side in pixels (16-4096).")
  int size;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1", description = "Seed of the image stream.")
  long seed;

  @Override
  public Integer call() throws IOException {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw CliException.invalidInput("--out " + out + " is a file, not a directory");
    }
    StemGallery.Gallery gallery;
    try {
      gallery = StemGallery.write(out, seed, count, size);
    } catch (IllegalArgumentException e) {
      throw CliException.invalidInput(e.getMessage(), e);
    } catch (java.nio.file.FileSystemException e) {
      // e.g. a parent of --out is a file, or the folder is not writable
      throw CliException.invalidInput("--out " + out + ": cannot write: " + e.getMessage(), e);
    }
    PrintWriter o = spec.commandLine().getOut();
    for (int i = 0; i < gallery.images().size(); i++) {
      o.println(gallery.images().get(i) + ": " + gallery.captions().get(i));
    }
    o.println(gallery.contactSheet());
    o.flush();
    return 0;
  }
}
