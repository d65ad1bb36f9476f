package io.alrc.experiments.train;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Example images of trained STEM runs: for the first evaluation examples, one row each, with
 * labelled columns: the network input (the sparse scan, or the upsampled low-resolution image),
 * each run's output, the truth, and each run's error map {@code |output - truth|} (black 0, white
 * 1 or more). Images are shown in [-1, 1] (black to white), clipped; tiles smaller than {@value
 * #MIN_TILE} pixels are enlarged by an integer factor (nearest neighbour).
 */
public final class ExampleImages {
  private ExampleImages() {}

  /** Tiles are enlarged by an integer factor to at least this many pixels, where they are smaller. */
  public static final int MIN_TILE = 96;

  private static final int GAP = 4;
  private static final int LINE = 15;
  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  /** Whether {@code config}'s task has example images (the STEM tasks). */
  public static boolean applies(TrainConfig config) {
    return config.task().startsWith("stem-");
  }

  /**
   * The first evaluation examples of one trained run, each image {@code height * width} in the
   * task's scale (about [-1, 1]).
   *
   * @param height rows of every image
   * @param width columns of every image
   * @param inputs the network inputs (first channel)
   * @param outputs the run's outputs
   * @param truths the targets
   */
  public record Examples(int height, int width, List<float[]> inputs, List<float[]> outputs,
      List<float[]> truths) {
    /** Whether {@code other} shows the same inputs and truths (the runs can share those columns). */
    public boolean sameImages(Examples other) {
      if (height != other.height || width != other.width || inputs.size() != other.inputs.size()) {
        return false;
      }
      for (int k = 0; k < inputs.size(); k++) {
        if (!Arrays.equals(inputs.get(k), other.inputs.get(k))
            || !Arrays.equals(truths.get(k), other.truths.get(k))) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Loads {@code runDir}'s latest checkpoint and predicts its first {@code count} evaluation
   * examples. Creates a training engine, so it must not run while another training runs in this
   * JVM.
   *
   * @throws IOException if the run has no checkpoint
   * @throws IllegalArgumentException if the run's task has no example images
   */
  public static Examples predict(Path runDir, int count) throws IOException {
    TrainConfig config = TrainingRun.readConfig(runDir);
    if (!applies(config)) {
      throw new IllegalArgumentException(runDir + " is a " + config.task() + " run: no example images");
    }
    try (Task task = Tasks.open(config);
        StepEngine engine = StepEngines.create(config, task)) {
      TrainingRun.loadCheckpoint(runDir, engine);
      Batch batch = task.evalBatch(0, count);
      float[] output = engine.predict(batch);
      int plane = batch.height() * batch.width();
      List<float[]> inputs = new ArrayList<>();
      List<float[]> outputs = new ArrayList<>();
      List<float[]> truths = new ArrayList<>();
      for (int k = 0; k < batch.batch(); k++) {
        float[] input = new float[plane];
        System.arraycopy(batch.input(), k * batch.inputChannels() * plane, input, 0, plane);
        float[] out = new float[plane];
        System.arraycopy(output, k * plane, out, 0, plane);
        float[] truth = new float[plane];
        System.arraycopy(batch.target(), k * plane, truth, 0, plane);
        inputs.add(input);
        outputs.add(out);
        truths.add(truth);
      }
      return new Examples(batch.height(), batch.width(), inputs, outputs, truths);
    }
  }

  /**
   * Loads {@code runDir}'s latest checkpoint and writes {@code count} examples to {@code png}
   * (columns: input, output, truth, error). Creates a training engine, so it must not run while
   * another training runs in this JVM.
   *
   * @throws IOException if the run has no checkpoint or the file cannot be written
   */
  public static void write(Path runDir, Path png, int count) throws IOException {
    writeFigure(png, List.of(""), List.of(predict(runDir, count)));
  }

  /**
   * Writes the examples of several runs on the same images as one figure: a header row of column
   * labels, then per example the input, each run's output (headed {@code output} and the run's
   * label), the truth, and each run's error {@code |output - truth|} (headed {@code |error|} and
   * the run's label).
   *
   * @param png the file to write (atomically)
   * @param labels one label per run (e.g. its stabilizer: {@code off}, {@code alrc n=3}); an empty
   *     label heads the columns {@code output} and {@code |error|} alone
   * @param runs the runs' examples, all of the same images ({@link Examples#sameImages})
   * @throws IllegalArgumentException if the lists are empty or of different sizes, or the runs'
   *     images differ
   * @throws IOException if the file cannot be written
   */
  public static void writeFigure(Path png, List<String> labels, List<Examples> runs) throws IOException {
    if (runs.isEmpty() || labels.size() != runs.size()) {
      throw new IllegalArgumentException("need one label per run and at least one run: "
          + labels.size() + " labels, " + runs.size() + " runs");
    }
    Examples first = runs.get(0);
    for (Examples e : runs) {
      if (!first.sameImages(e)) {
        throw new IllegalArgumentException("the runs' examples are of different images: draw them apart");
      }
    }
    List<String[]> heads = new ArrayList<>();
    heads.add(new String[] {"input"});
    for (String l : labels) {
      heads.add(l.isEmpty() ? new String[] {"output"} : new String[] {"output", l});
    }
    heads.add(new String[] {"truth"});
    for (String l : labels) {
      heads.add(l.isEmpty() ? new String[] {"|error|"} : new String[] {"|error|", l});
    }
    List<List<float[]>> rows = new ArrayList<>();
    for (int k = 0; k < first.inputs().size(); k++) {
      List<float[]> row = new ArrayList<>();
      row.add(first.inputs().get(k));
      for (Examples e : runs) {
        row.add(clip(e.outputs().get(k)));
      }
      row.add(first.truths().get(k));
      for (Examples e : runs) {
        row.add(error(e.outputs().get(k), e.truths().get(k)));
      }
      rows.add(row);
    }
    write(png, heads, rows, first.height(), first.width());
  }

  /** The output clipped to [-1, 1]. */
  private static float[] clip(float[] out) {
    float[] c = new float[out.length];
    for (int i = 0; i < c.length; i++) {
      c[i] = Math.max(-1, Math.min(1, out[i]));
    }
    return c;
  }

  /** {@code |output - truth|} mapped to [-1, 1]: black 0, white 1 or more. */
  private static float[] error(float[] out, float[] truth) {
    float[] e = new float[out.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = (float) (2 * Math.min(1, Math.abs(out[i] - truth[i])) - 1);
    }
    return e;
  }

  /** Draws the header and the rows of tiles and writes an 8-bit grey PNG. */
  private static void write(Path png, List<String[]> heads, List<List<float[]>> rows, int height,
      int width) throws IOException {
    int side = Math.max(height, width);
    int scale = Math.max(1, (MIN_TILE + side - 1) / side);
    int tw = width * scale;
    int th = height * scale;
    int columns = heads.size();
    BufferedImage measure = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D mg = measure.createGraphics();
    mg.setFont(FONT);
    FontMetrics fm = mg.getFontMetrics();
    List<List<String>> lines = new ArrayList<>();
    int maxLines = 1;
    for (String[] head : heads) {
      List<String> l = new ArrayList<>();
      for (String part : head) {
        l.addAll(wrap(part, fm, tw));
      }
      lines.add(l);
      maxLines = Math.max(maxLines, l.size());
    }
    mg.dispose();
    int header = GAP + maxLines * LINE + GAP;
    int imageWidth = columns * tw + (columns + 1) * GAP;
    int imageHeight = header + rows.size() * (th + GAP);
    BufferedImage image = new BufferedImage(imageWidth, imageHeight, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = image.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, imageWidth, imageHeight);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(FONT);
      g.setColor(Color.BLACK);
      for (int c = 0; c < columns; c++) {
        int left = GAP + c * (tw + GAP);
        List<String> l = lines.get(c);
        // bottom-aligned, so that one-line heads sit on the tiles
        int top = header - GAP - l.size() * LINE;
        for (int i = 0; i < l.size(); i++) {
          String text = l.get(i);
          g.drawString(text, left + (tw - fm.stringWidth(text)) / 2f,
              top + i * LINE + fm.getAscent());
        }
      }
      for (int r = 0; r < rows.size(); r++) {
        int top = header + r * (th + GAP);
        for (int c = 0; c < columns; c++) {
          g.drawImage(tile(rows.get(r).get(c), height, width, scale), GAP + c * (tw + GAP), top, null);
        }
      }
    } finally {
      g.dispose();
    }
    // the drawn figure as grey values in [-1, 1], written (atomically) by the STEM images' writer
    byte[] grey = ((java.awt.image.DataBufferByte) image.getRaster().getDataBuffer()).getData();
    float[] pixels = new float[grey.length];
    for (int i = 0; i < grey.length; i++) {
      pixels[i] = (grey[i] & 0xff) / 127.5f - 1;
    }
    io.alrc.experiments.stem.GreyPng.write8(png, pixels, imageWidth, imageHeight);
  }

  /** {@code text} broken at spaces into lines at most {@code width} pixels wide (a long word cut). */
  private static List<String> wrap(String text, FontMetrics fm, int width) {
    List<String> out = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      String candidate = line.length() == 0 ? word : line + " " + word;
      if (fm.stringWidth(candidate) <= width || line.length() == 0) {
        line.setLength(0);
        line.append(candidate);
      } else {
        out.add(line.toString());
        line.setLength(0);
        line.append(word);
      }
    }
    out.add(line.toString());
    for (int i = 0; i < out.size(); i++) {
      String s = out.get(i);
      while (s.length() > 1 && fm.stringWidth(s) > width) {
        s = s.substring(0, s.length() - 1);
      }
      out.set(i, s);
    }
    return out;
  }

  /** One image in [-1, 1] as grey pixels, enlarged {@code scale} times. */
  private static BufferedImage tile(float[] pixels, int height, int width, int scale) {
    BufferedImage t = new BufferedImage(width * scale, height * scale, BufferedImage.TYPE_BYTE_GRAY);
    byte[] data = ((java.awt.image.DataBufferByte) t.getRaster().getDataBuffer()).getData();
    for (int y = 0; y < height * scale; y++) {
      for (int x = 0; x < width * scale; x++) {
        float v = pixels[(y / scale) * width + x / scale];
        double u = Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, (v + 1) / 2));
        data[y * width * scale + x] = (byte) Math.round(255 * u);
      }
    }
    return t;
  }
}
