package io.alrc.experiments.train;

import io.alrc.experiments.run.Report;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.run.RunRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Adds example images of the STEM runs of a report to it: one figure per row of the report's
 * tables, with a column of outputs (and of errors) per stabilizer setting, each from the first
 * finished repeat of that configuration, beside the shared input and truth columns; and a section
 * in {@code report.md} that shows them. Configurations whose examples are of other images (another
 * evaluation set) get a figure of their own.
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
    Map<String, List<Report.Group>> byRow = new LinkedHashMap<>();
    for (Report.Group g : result.groups()) {
      byRow.computeIfAbsent(g.row(), k -> new ArrayList<>()).add(g);
    }
    for (Map.Entry<String, List<Report.Group>> row : byRow.entrySet()) {
      List<String> labels = new ArrayList<>();
      List<RunRecord> shown = new ArrayList<>();
      List<ExampleImages.Examples> examples = new ArrayList<>();
      for (Report.Group g : row.getValue()) {
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
        labels.add(g.column());
        shown.add(run);
        examples.add(ExampleImages.predict(run.dir(), EXAMPLES));
      }
      // runs on the same images share a figure; others (another evaluation set) get their own
      int figures = 0;
      while (!examples.isEmpty()) {
        ExampleImages.Examples first = examples.get(0);
        List<Integer> same = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
          if (first.sameImages(examples.get(i))) {
            same.add(i);
          }
        }
        List<String> figureLabels = same.stream().map(labels::get).toList();
        List<RunRecord> figureRuns = same.stream().map(shown::get).toList();
        String heading = row.getKey().equals("all runs") ? "" : row.getKey();
        // the row's first figure is examples[-ROW].png; a further one adds its columns' labels
        String name = "examples" + (heading.isEmpty() ? "" : "-" + slug(heading))
            + (figures == 0 ? "" : "-" + slug(String.join("-", figureLabels))) + ".png";
        figures++;
        ExampleImages.writeFigure(dir.resolve(name), figureLabels,
            same.stream().map(examples::get).toList());
        md.append("### ").append(heading.isEmpty() ? "" : heading + ": ");
        for (int i = 0; i < figureRuns.size(); i++) {
          md.append(i == 0 ? "" : ", ").append(figureLabels.get(i)).append(" (")
              .append(figureRuns.get(i).dir().getFileName()).append(')');
        }
        md.append("\n\n![").append(name).append("](").append(name).append(")\n\n");
        written++;
        for (int i = same.size() - 1; i >= 0; i--) {
          int k = same.get(i);
          examples.remove(k);
          labels.remove(k);
          shown.remove(k);
        }
      }
    }
    if (written + notes > 0) {
      String text = Files.readString(result.markdown())
          + "## Example images\n\n"
          + "Each row: the network input (sparse spiral scan, or the upsampled low-resolution"
          + " image), each stabilizer setting's output (from its first finished repeat), the truth,"
          + " and each setting's error |output - truth| (black 0, white 1 or more), on the first"
          + " evaluation images (crops of real micrographs when the runs were evaluated on them,"
          + " else held-out synthetic images); the columns are labelled.\n\n"
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
