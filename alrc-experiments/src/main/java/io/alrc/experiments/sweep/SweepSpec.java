package io.alrc.experiments.sweep;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.TrainConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A sweep spec: the training options every run shares, the grid axes whose product is the run set,
 * an optional axis of option bundles, and the seeds. Read from YAML or JSON:
 *
 * <pre>
 * description: the paper's CIFAR-10 grid   # free text, optional
 * task: cifar10-sr                          # required (here, in fixed, grid or every variant)
 * fixed:                                    # options every run shares
 *   steps: 100000
 * grid:                                     # axes: one run per combination of values
 *   loss: [squared, quartic]
 *   batch: [1, 4, 16, 64]
 *   n: [off, 2, 3, 4]                       # off: stabilizer none; a number: ALRC with that n
 * variants:                                 # optional axis of option bundles, e.g. stabilizers
 *   - {name: zclip-2, stabilizer: zclip, z_threshold: 2}
 * repeats: 10                               # seeds 0..9; or seeds: [0, 1, 2]; default: seed 0
 * </pre>
 *
 * <p>Option names are those of {@code alrc train}, in snake_case or kebab-case ({@code max_norm}
 * or {@code max-norm}); values are written as on the command line ({@code true}/{@code false} for
 * flags, lists for list options such as {@code spike_steps}). An option is either fixed, a grid
 * axis or set by variants, never two of these. The sweep itself sets {@code out}, {@code resume},
 * {@code threads} and the seed. A stabilizer's parameters apply to runs of that stabilizer, and
 * {@code image_size} and {@code sr_factor} to runs of the STEM tasks that have them; elsewhere they
 * are left out.
 *
 * <p>{@code n: off} means stabilizer {@code none} (the paper's "ALRC off"); a numeric {@code n}
 * without a {@code stabilizer} option means stabilizer {@code alrc}.
 *
 * <p>{@link #expand} lists the runs: seeds outermost (every configuration with the first seed,
 * then with the next, so a partial sweep covers the whole grid early), then the grid axes in the
 * order written, the first outermost, then the variants. Each run is named by its grid values,
 * its variant and its seed, e.g. {@code loss=quartic,batch=1,n=3,seed=0}. Every run's
 * configuration is checked as {@code alrc train} would check it, before anything runs.
 *
 * <p>Immutable; thread-safe.
 */
public final class SweepSpec {
  /** The keys a spec may have at its top level. */
  public static final List<String> TOP_LEVEL_KEYS =
      List.of("description", "task", "fixed", "grid", "variants", "seeds", "repeats");

  /** The value of {@code n} that means stabilizer {@code none}. */
  public static final String OFF = "off";

  private static final String NONE = Stabilizer.None.KIND.name();

  /**
   * The most runs {@link #expand(Map)} lists ({@value}); {@code alrc sweep --max-runs} raises it. A
   * grid of a million runs would take minutes and gigabytes to list and check before anything runs.
   */
  public static final int DEFAULT_MAX_RUNS = 10_000;

  /** Longest run-directory name: file systems allow 255 bytes. */
  static final int MAX_NAME_LENGTH = 200;

  private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._+-]");

  /**
   * One option value as written in the spec.
   *
   * @param text the command-line text ({@code true}/{@code false} for flags, comma-joined for
   *     lists)
   * @param label the text in run names (lists joined with {@code +})
   */
  public record Value(String text, String label) {}

  /**
   * One element of the {@code variants} axis.
   *
   * @param label its part of run names: its {@code name}, else its options as {@code key=value}
   * @param options its options by canonical name
   */
  public record Variant(String label, Map<String, Value> options) {}

  /** The file formats of a spec. */
  public enum Format {
    YAML,
    JSON;

    /** JSON for a {@code .json} file, else YAML (which also reads most JSON). */
    public static Format of(Path file) {
      return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json") ? JSON : YAML;
    }
  }

  private final String source;
  private final String description;
  private final Map<String, Value> fixed;
  private final Map<String, List<Value>> grid;
  private final List<Variant> variants;
  private final List<Long> seeds;
  private final TrainOptions options;

  private SweepSpec(String source, String description, Map<String, Value> fixed,
      Map<String, List<Value>> grid, List<Variant> variants, List<Long> seeds, TrainOptions options) {
    this.source = source;
    this.description = description;
    this.fixed = Collections.unmodifiableMap(fixed);
    this.grid = Collections.unmodifiableMap(grid);
    this.variants = List.copyOf(variants);
    this.seeds = List.copyOf(seeds);
    this.options = options;
  }

  /**
   * Reads and checks a spec file ({@code .json}: JSON, anything else: YAML).
   *
   * @throws SpecException naming the file and the key for any error in the spec
   * @throws IOException if the file cannot be read
   */
  public static SweepSpec read(Path file, TrainOptions options) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), Format.of(file), file.toString(), options);
  }

  /**
   * Parses and checks a spec.
   *
   * @param text the spec
   * @param format its format
   * @param source the name that starts every error message (the file)
   * @param options the options of {@code alrc train}
   * @throws SpecException naming {@code source} and the key for any error
   */
  public static SweepSpec parse(String text, Format format, String source, TrainOptions options) {
    Node root;
    JsonFactory factory = format == Format.JSON ? new JsonFactory() : new YAMLFactory();
    try (JsonParser p = factory.createParser(text)) {
      if (p.nextToken() == null) {
        throw new SpecException(source + ": the spec is empty");
      }
      root = readNode(p, "", source);
      if (p.nextToken() != null) {
        throw new SpecException(source + ": more than one document or value; a spec is one mapping");
      }
    } catch (JsonProcessingException e) {
      String problem = e.getOriginalMessage().strip().replaceAll("\\s*\\R\\s*", " ");
      boolean located = problem.contains("line ") || e.getLocation() == null;
      throw new SpecException(source + ": not valid " + format + ": " + problem
          + (located ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
    } catch (IOException e) {
      throw new SpecException(source + ": cannot read: " + e.getMessage(), e);
    }
    return new Parser(source, options).spec(root);
  }

  /** The file or name the spec came from. */
  public String source() {
    return source;
  }

  /** The spec's description, or empty. */
  public String description() {
    return description;
  }

  /** The options every run shares, by canonical name (with {@code task}). */
  public Map<String, Value> fixed() {
    return fixed;
  }

  /** The grid axes in the order written, by canonical name. */
  public Map<String, List<Value>> grid() {
    return grid;
  }

  /** The variants axis (empty if none). */
  public List<Variant> variants() {
    return variants;
  }

  /** The seeds, in order. */
  public List<Long> seeds() {
    return seeds;
  }

  /**
   * The number of runs: the product of the axis sizes, times the number of seeds; {@link
   * Integer#MAX_VALUE} if there are more (see {@link #runCount()}).
   */
  public int size() {
    return (int) Math.min(runCount(), Integer.MAX_VALUE);
  }

  /**
   * The number of runs, counted from the axis sizes without listing them: the product of the grid
   * axes' sizes, the number of variants (if any) and the number of seeds; {@link Long#MAX_VALUE}
   * if the product is larger.
   */
  public long runCount() {
    long n = seeds.size();
    List<Integer> sizes = new ArrayList<>();
    grid.values().forEach(axis -> sizes.add(axis.size()));
    if (!variants.isEmpty()) {
      sizes.add(variants.size());
    }
    for (int size : sizes) {
      if (n > Long.MAX_VALUE / size) {
        return Long.MAX_VALUE;
      }
      n *= size;
    }
    return n;
  }

  /**
   * Lists the runs and checks each one's configuration as {@code alrc train} would, refusing a
   * spec of more than {@link #DEFAULT_MAX_RUNS} runs; see {@link #expand(Map, long)}.
   */
  public List<SweepRun> expand(Map<String, String> defaults) {
    return expand(defaults, DEFAULT_MAX_RUNS);
  }

  /**
   * Lists the runs and checks each one's configuration as {@code alrc train} would. The runs are
   * counted first ({@link #runCount()}), so a spec of more than {@code maxRuns} runs is refused at
   * once, before any is listed.
   *
   * @param defaults options for runs that do not set them, as command-line text by canonical name
   *     (e.g. {@code threads}, and {@code data} from the sweep's {@code --data}); reserved options
   *     are allowed here
   * @param maxRuns the most runs the spec may have, &gt;= 1 ({@code alrc sweep --max-runs})
   * @throws SpecException naming the run and the option for a configuration {@code alrc train}
   *     would reject, two runs with the same name or the same configuration, or a name too long;
   *     or, with the count and how it arises, if the spec has more than {@code maxRuns} runs
   * @throws IllegalArgumentException if {@code maxRuns < 1}
   */
  public List<SweepRun> expand(Map<String, String> defaults, long maxRuns) {
    if (maxRuns < 1) {
      throw new IllegalArgumentException("maxRuns (" + maxRuns + ") must be >= 1");
    }
    long count = runCount();
    if (count > maxRuns) {
      List<String> factors = new ArrayList<>();
      grid.forEach((name, axis) -> factors.add(axis.size() + " " + name));
      if (!variants.isEmpty()) {
        factors.add(variants.size() + " variants");
      }
      factors.add(seeds.size() + (seeds.size() == 1 ? " seed" : " seeds"));
      throw new SpecException(String.format(Locale.ROOT,
          "%s: the spec has %s runs (%s), more than the maximum of %,d; split the spec, or raise"
              + " the maximum with --max-runs N",
          source, count == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : String.format(Locale.ROOT, "%,d", count),
          String.join(" x ", factors), maxRuns));
    }
    List<String> axes = new ArrayList<>(grid.keySet());
    int[] sizes = new int[axes.size() + (variants.isEmpty() ? 0 : 1)];
    for (int a = 0; a < axes.size(); a++) {
      sizes[a] = grid.get(axes.get(a)).size();
    }
    if (!variants.isEmpty()) {
      sizes[sizes.length - 1] = variants.size();
    }
    List<SweepRun> runs = new ArrayList<>();
    Map<String, String> byName = new HashMap<>();
    Map<TrainConfig, String> byConfig = new HashMap<>();
    for (long seed : seeds) {
      int[] at = new int[sizes.length];
      do {
        runs.add(run(axes, at, seed, defaults, byName, byConfig));
      } while (next(at, sizes));
    }
    return List.copyOf(runs);
  }

  /** Advances an odometer whose last digit turns fastest; false after the last combination. */
  private static boolean next(int[] at, int[] sizes) {
    for (int i = at.length - 1; i >= 0; i--) {
      if (++at[i] < sizes[i]) {
        return true;
      }
      at[i] = 0;
    }
    return false;
  }

  private SweepRun run(List<String> axes, int[] at, long seed, Map<String, String> defaults,
      Map<String, String> byName, Map<TrainConfig, String> byConfig) {
    Map<String, Value> values = new LinkedHashMap<>(fixed);
    List<String> parts = new ArrayList<>();
    for (int a = 0; a < axes.size(); a++) {
      Value v = grid.get(axes.get(a)).get(at[a]);
      values.put(axes.get(a), v);
      parts.add(axes.get(a) + "=" + safe(v.label()));
    }
    if (!variants.isEmpty()) {
      Variant variant = variants.get(at[at.length - 1]);
      values.putAll(variant.options());
      parts.add(variant.label());
    }
    parts.add("seed=" + seed);
    String name = String.join(",", parts);
    String where = source + ": run '" + name + "'";

    Map<String, String> texts = new LinkedHashMap<>();
    values.forEach((k, v) -> texts.put(k, v.text()));
    String n = texts.get("n");
    String stabilizer = texts.get("stabilizer");
    if (n != null && n.equalsIgnoreCase(OFF)) {
      if (stabilizer != null && !stabilizer.strip().equalsIgnoreCase(NONE)) {
        throw new SpecException(where + ": n=off means stabilizer none, but stabilizer is '" + stabilizer + "'");
      }
      texts.remove("n");
      texts.put("stabilizer", NONE);
    } else if (n != null && stabilizer == null) {
      texts.put("stabilizer", Stabilizer.Alrc.KIND.name());
    }
    defaults.forEach(texts::putIfAbsent);
    texts.put("seed", Long.toString(seed));
    // options of the STEM tasks set for every run of a spec apply to its STEM runs only (alrc train
    // refuses them for another task when given by hand)
    String task = texts.getOrDefault("task", "");
    if (!task.strip().toLowerCase(Locale.ROOT).startsWith("stem-")) {
      texts.remove("image_size");
    }
    if (!task.strip().equalsIgnoreCase("stem-sr")) {
      texts.remove("sr_factor");
    }

    List<String> args = new ArrayList<>();
    texts.forEach((k, v) -> args.addAll(options.args(k, v)));
    TrainConfig config;
    try {
      config = options.config(args);
    } catch (IllegalArgumentException e) {
      throw new SpecException(where + ": " + e.getMessage(), e);
    }

    if (name.length() > MAX_NAME_LENGTH) {
      throw new SpecException(where + ": the name is longer than " + MAX_NAME_LENGTH
          + " characters; give the variants a short 'name'");
    }
    String clash = byName.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
    if (clash != null) {
      throw new SpecException(source + ": runs '" + clash + "' and '" + name
          + "' get the same directory name; values that differ only in characters other than"
          + " letters, digits and . _ + - need distinct names");
    }
    TrainConfig key = withoutVersion(config);
    String same = byConfig.putIfAbsent(key, name);
    if (same != null) {
      throw new SpecException(source + ": runs '" + same + "' and '" + name
          + "' would train the same configuration (an option that does not apply to the run's"
          + " stabilizer, e.g. n without stabilizer alrc?)");
    }
    return new SweepRun(name, texts, args, config);
  }

  private static TrainConfig withoutVersion(TrainConfig c) {
    return c.withVersion(null);
  }

  /** {@code text} with every character but letters, digits and {@code . _ + -} replaced by _. */
  static String safe(String text) {
    return UNSAFE.matcher(text).replaceAll("_");
  }

  // ---- the parsed document ----

  private sealed interface Node permits Scalar, Sequence, Mapping {}

  /** A scalar: its token and text (numbers normalised so that Java parses them). */
  private record Scalar(JsonToken token, String text) implements Node {
    boolean isNull() {
      return token == JsonToken.VALUE_NULL;
    }
  }

  private record Sequence(List<Node> items) implements Node {}

  private record Mapping(Map<String, Node> fields) implements Node {}

  private static Node readNode(JsonParser p, String path, String source) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT -> {
        Map<String, Node> fields = new LinkedHashMap<>();
        while (p.nextToken() != JsonToken.END_OBJECT) {
          String key = p.currentName();
          String at = path.isEmpty() ? key : path + "." + key;
          p.nextToken();
          if (fields.containsKey(key)) {
            throw new SpecException(source + ": " + at + ": duplicate key");
          }
          fields.put(key, readNode(p, at, source));
        }
        return new Mapping(fields);
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(readNode(p, path + "[" + items.size() + "]", source));
        }
        return new Sequence(items);
      }
      case VALUE_NUMBER_INT -> {
        String text;
        try {
          text = p.getBigIntegerValue().toString(); // YAML's 100_000 and 0x10 as plain digits
        } catch (IOException | RuntimeException e) {
          text = p.getText();
        }
        return new Scalar(t, text);
      }
      case VALUE_NUMBER_FLOAT -> {
        String text = p.getText(); // as written (1e-4 stays 1e-4), if Java reads it
        try {
          Double.parseDouble(text);
        } catch (NumberFormatException e) {
          text = Double.toString(p.getDoubleValue());
        }
        return new Scalar(t, text);
      }
      default -> {
        return new Scalar(t, t == JsonToken.VALUE_NULL ? null : p.getText());
      }
    }
  }

  /** Turns the document into a spec, checking every key and value. */
  private static final class Parser {
    private final String source;
    private final TrainOptions options;
    /** Where each option was set, to reject an option set in two places. */
    private final Map<String, String> setAt = new HashMap<>();

    Parser(String source, TrainOptions options) {
      this.source = source;
      this.options = options;
    }

    private SpecException error(String path, String message) {
      return new SpecException(source + ": " + (path.isEmpty() ? "" : path + ": ") + message);
    }

    SweepSpec spec(Node root) {
      if (!(root instanceof Mapping top)) {
        throw error("", "expected a mapping with the keys " + String.join(", ", TOP_LEVEL_KEYS));
      }
      for (String key : top.fields().keySet()) {
        if (!TOP_LEVEL_KEYS.contains(key)) {
          throw error(key, "unknown key" + suggestion(key, TOP_LEVEL_KEYS) + "; expected one of "
              + String.join(", ", TOP_LEVEL_KEYS));
        }
      }
      Map<String, Node> f = top.fields();
      String description = "";
      if (f.containsKey("description")) {
        description = scalar("description", f.get("description"));
      }
      Map<String, Value> fixed = new LinkedHashMap<>();
      if (f.containsKey("task")) {
        fixed.put("task", value("task", "task", f.get("task")));
        setAt.put("task", "the top-level task");
      }
      if (f.containsKey("fixed")) {
        for (Map.Entry<String, Node> e : mapping("fixed", f.get("fixed")).entrySet()) {
          String path = "fixed." + e.getKey();
          String name = option(path, e.getKey());
          claim(path, name);
          if (e.getValue() instanceof Sequence && options.kind(name) != TrainOptions.Kind.LIST) {
            throw error(path, "a list; put the option under grid to sweep over its values");
          }
          fixed.put(name, value(path, name, e.getValue()));
        }
      }
      Map<String, List<Value>> grid = new LinkedHashMap<>();
      if (f.containsKey("grid")) {
        for (Map.Entry<String, Node> e : mapping("grid", f.get("grid")).entrySet()) {
          String path = "grid." + e.getKey();
          String name = option(path, e.getKey());
          claim(path, name);
          if (!(e.getValue() instanceof Sequence axis) || axis.items().isEmpty()) {
            throw error(path, "expected a non-empty list of values, e.g. [1, 4]; put a single value under fixed");
          }
          List<Value> values = new ArrayList<>();
          Set<String> seen = new HashSet<>();
          for (int i = 0; i < axis.items().size(); i++) {
            Value v = value(path + "[" + i + "]", name, axis.items().get(i));
            if (!seen.add(v.text())) {
              throw error(path + "[" + i + "]", "the value '" + v.label() + "' is listed twice");
            }
            values.add(v);
          }
          grid.put(name, List.copyOf(values));
        }
      }
      List<Variant> variants = new ArrayList<>();
      if (f.containsKey("variants")) {
        variants = variants(f.get("variants"));
      }
      boolean everyVariantHasTask = !variants.isEmpty()
          && variants.stream().allMatch(v -> v.options().containsKey("task"));
      if (!fixed.containsKey("task") && !grid.containsKey("task") && !everyVariantHasTask) {
        throw error("", "no task: add e.g. 'task: " + TrainConfig.TASKS.get(0) + "' (tasks: "
            + String.join(", ", TrainConfig.TASKS) + ")");
      }
      List<Long> seeds = seeds(f);
      return new SweepSpec(source, description, fixed, grid, variants, seeds, options);
    }

    private List<Variant> variants(Node node) {
      if (!(node instanceof Sequence list) || list.items().isEmpty()) {
        throw error("variants", "expected a non-empty list of option mappings, e.g."
            + " [{stabilizer: none}, {stabilizer: alrc, n: 3}]");
      }
      List<Variant> variants = new ArrayList<>();
      Set<String> variantKeys = new HashSet<>();
      Set<String> labels = new HashSet<>();
      for (int i = 0; i < list.items().size(); i++) {
        String path = "variants[" + i + "]";
        Map<String, Node> fields = mapping(path, list.items().get(i));
        Map<String, Value> opts = new LinkedHashMap<>();
        String label = null;
        for (Map.Entry<String, Node> e : fields.entrySet()) {
          String at = path + "." + e.getKey();
          if (e.getKey().equals("name")) {
            label = scalar(at, e.getValue());
            if (label.isBlank()) {
              throw error(at, "must not be empty");
            }
            label = safe(label);
            continue;
          }
          String name = option(at, e.getKey());
          String other = setAt.get(name);
          if (other != null) {
            throw error(at, "also set in " + other + "; an option is fixed, a grid axis or set by variants");
          }
          if (opts.containsKey(name)) {
            throw error(at, "duplicate option");
          }
          if (e.getValue() instanceof Sequence && options.kind(name) != TrainOptions.Kind.LIST) {
            throw error(at, "a list; a variant sets one value per option");
          }
          opts.put(name, value(at, name, e.getValue()));
        }
        variantKeys.addAll(opts.keySet());
        if (label == null) {
          List<String> parts = new ArrayList<>();
          opts.forEach((k, v) -> parts.add(k + "=" + safe(v.label())));
          label = parts.isEmpty() ? "default" : String.join(",", parts);
        }
        if (!labels.add(label)) {
          throw error(path, "another variant has the same name '" + label + "'; give each a distinct 'name'");
        }
        variants.add(new Variant(label, Collections.unmodifiableMap(opts)));
      }
      for (String key : variantKeys) {
        setAt.put(key, "variants");
      }
      return variants;
    }

    private List<Long> seeds(Map<String, Node> f) {
      if (f.containsKey("seeds") && f.containsKey("repeats")) {
        throw error("repeats", "give seeds or repeats, not both");
      }
      if (f.containsKey("repeats")) {
        long k = integer("repeats", f.get("repeats"));
        if (k < 1 || k > 10_000) {
          throw error("repeats", "must be in [1, 10000], got " + k);
        }
        List<Long> seeds = new ArrayList<>();
        for (long s = 0; s < k; s++) {
          seeds.add(s);
        }
        return seeds;
      }
      if (f.containsKey("seeds")) {
        if (!(f.get("seeds") instanceof Sequence list) || list.items().isEmpty()) {
          throw error("seeds", "expected a non-empty list of integers, e.g. [0, 1, 2]");
        }
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
          long s = integer("seeds[" + i + "]", list.items().get(i));
          if (seeds.contains(s)) {
            throw error("seeds[" + i + "]", "the seed " + s + " is listed twice");
          }
          seeds.add(s);
        }
        return seeds;
      }
      return List.of(0L);
    }

    /** The canonical name of an option key, or an error naming the key. */
    private String option(String path, String key) {
      Optional<String> name = options.canonical(key);
      if (name.isEmpty()) {
        throw error(path, "unknown option '" + key + "'" + suggestion(key.replace('-', '_'), options.names())
            + "; options: " + String.join(", ", options.names()));
      }
      Optional<String> reserved = options.reserved(name.get());
      if (reserved.isPresent()) {
        throw error(path, "not an option of a spec: " + reserved.get());
      }
      return name.get();
    }

    private void claim(String path, String name) {
      String other = setAt.putIfAbsent(name, path.substring(0, path.indexOf('.') < 0 ? path.length() : path.indexOf('.')));
      if (other != null) {
        throw error(path, "also set in " + other + "; an option is fixed, a grid axis or set by variants");
      }
    }

    /** One value of option {@code name}, checked on its own. */
    private Value value(String path, String name, Node node) {
      TrainOptions.Kind kind = options.kind(name);
      Value v;
      if (kind == TrainOptions.Kind.LIST) {
        List<Node> items = node instanceof Sequence s ? s.items() : List.of(node);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          texts.add(scalar(node instanceof Sequence ? path + "[" + i + "]" : path, items.get(i)));
        }
        v = new Value(String.join(",", texts), texts.isEmpty() ? "none" : String.join("+", texts));
      } else {
        if (node instanceof Sequence) {
          throw error(path, "expected one value, got a list");
        }
        String text = scalar(path, node);
        if (kind == TrainOptions.Kind.FLAG) {
          text = flag(path, (Scalar) node);
        }
        v = new Value(text, text);
      }
      if (name.equals("n") && v.text().equalsIgnoreCase(OFF)) {
        return new Value(OFF, OFF);
      }
      try {
        options.check(name, v.text());
      } catch (IllegalArgumentException e) {
        throw error(path, e.getMessage());
      }
      return v;
    }

    private String flag(String path, Scalar s) {
      if (s.token() == JsonToken.VALUE_TRUE) {
        return "true";
      }
      if (s.token() == JsonToken.VALUE_FALSE) {
        return "false";
      }
      String t = s.text().toLowerCase(Locale.ROOT);
      if (t.equals("true") || t.equals("false")) {
        return t;
      }
      throw error(path, "expected true or false, got '" + s.text() + "'");
    }

    private String scalar(String path, Node node) {
      if (node instanceof Scalar s && !s.isNull()) {
        return s.text();
      }
      throw error(path, node instanceof Scalar ? "no value" : "expected a single value");
    }

    private long integer(String path, Node node) {
      if (node instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
        try {
          return Long.parseLong(s.text());
        } catch (NumberFormatException e) {
          // falls through to the error below
        }
      }
      throw error(path, "expected an integer");
    }

    private Map<String, Node> mapping(String path, Node node) {
      if (node instanceof Mapping m) {
        return m.fields();
      }
      throw error(path, "expected a mapping of option names to values");
    }
  }

  /** {@code "; did you mean 'x'?"} for a name within edit distance 2 of {@code key}, else "". */
  static String suggestion(String key, List<String> names) {
    String best = null;
    int bestDistance = 3;
    for (String name : names) {
      int d = distance(key.toLowerCase(Locale.ROOT), name);
      if (d < bestDistance) {
        bestDistance = d;
        best = name;
      }
    }
    return best == null ? "" : " (did you mean '" + best + "'?)";
  }

  /** Levenshtein distance: the edits that turn {@code a} into {@code b}; for suggestions. */
  public static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
