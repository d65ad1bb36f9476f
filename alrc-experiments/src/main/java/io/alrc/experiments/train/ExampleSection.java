package io.alrc.experiments.train;

import io.alrc.experiments.run.Report;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.run.RunRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Adds example images of the STEM runs of a report to it: one PNG per configuration (from its
 * first finished repeat), and a section in {@code report.md} that shows them.
 */
public final class ExampleSection {
  private ExampleSection() {}

  /** Number of examples (rows) per image. */
  public static final int EXAMPLES = 4;

  /**
   * Writes the example images of every STEM configuration of {@code result} and appends them to
   * its markdown. Configurations of other tasks are left alone.
   *
   * @return the number of images written
   */
  public static int add(Report.Result result) throws IOException {
    Path dir = result.markdown().getParent();
    StringBuilder md = new StringBuilder();
    int written = 0;
    int notes = 0;
    for (Report.Group g : result.groups()) {
      RunRecord run = g.runs().stream()
          .filter(r -> r.summary().isPresent())
          .findFirst()
          .orElse(null);
      if (run == null || !run.get("task").map(t -> t.startsWith("stem-")).orElse(false)) {
        continue;
      }
      String engine = run.get("engine").orElse(StepEngines.DJL);
      String loaded = StepEngines.loaded();
      if (loaded != null && !loaded.equals(engine)) {
        // one libtorch build per process: this run's engine cannot be loaded here
        md.append("### ").append(g.label()).append(" (").append(run.dir().getFileName()).append(")\n\n")
            .append("No example images: the run trained on the ").append(engine)
            .append(" engine and this process already used the ").append(loaded)
            .append(" engine (one per process); `alrc report` on this run's folder alone draws them.\n\n");
        notes++;
        continue;
      }
      String name = "examples-" + slug(g.label()) + ".png";
      ExampleImages.write(run.dir(), dir.resolve(name), EXAMPLES);
      md.append("### ").append(g.label()).append(" (").append(run.dir().getFileName()).append(")\n\n");
      md.append("![").append(name).append("](").append(name).append(")\n\n");
      written++;
    }
    if (written + notes > 0) {
      String text = Files.readString(result.markdown())
          + "## Example images\n\n"
          + "Each row: the network input (sparse spiral scan, or the upsampled low-resolution"
          + " image), the output, the truth, and the error |output - truth| (black 0, white 1 or"
          + " more), on the first evaluation images (crops of real micrographs when the runs were"
          + " evaluated on them, else held-out synthetic images).\n\n"
          + md;
      RunFiles.writeText(result.markdown(), text);
    }
    return written;
  }

  private static String slug(String label) {
    String s = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    return s.isEmpty() ? "run" : s;
  }
}
