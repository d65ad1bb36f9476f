package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.experiments.sweep.SpecException;
import io.alrc.experiments.sweep.SweepRun;
import io.alrc.experiments.sweep.SweepSpec;
import io.alrc.experiments.sweep.TrainOptions;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sweep specs read with the real options of {@code alrc train} ({@link TrainOptionsCatalog}):
 * parsing YAML and JSON, expansion into named runs, and the exact messages of invalid specs.
 */
class SweepSpecTest {
  private static final TrainOptions OPTIONS = new TrainOptionsCatalog();
  private static final Map<String, String> DEFAULTS = Map.of("threads", "1");

  private static SweepSpec yaml(String text) {
    return SweepSpec.parse(text, SweepSpec.Format.YAML, "spec.yaml", OPTIONS);
  }

  private static final String PAPER_GRID = """
      task: cifar10-sr
      fixed:
        steps: 100000
        profile: cifar2019
      grid:
        loss: [squared, quartic]
        batch: [1, 4, 16, 64]
        n: [off, 2, 3, 4]
      repeats: 10
      """;

  @Test
  void thePaperGridExpandsToItsProductSeedsOutermost() {
    SweepSpec spec = yaml(PAPER_GRID);
    List<SweepRun> runs = spec.expand(DEFAULTS);
    assertThat(spec.size()).isEqualTo(4 * 4 * 2 * 10);
    assertThat(runs).hasSize(320);
    assertThat(runs).extracting(SweepRun::name).doesNotHaveDuplicates();
    assertThat(runs.get(0).name()).isEqualTo("loss=squared,batch=1,n=off,seed=0");
    assertThat(runs.get(1).name()).isEqualTo("loss=squared,batch=1,n=2,seed=0");
    assertThat(runs.get(31).name()).isEqualTo("loss=quartic,batch=64,n=4,seed=0");
    assertThat(runs.get(32).name()).as("every configuration with seed 0 first").isEqualTo("loss=squared,batch=1,n=off,seed=1");
    assertThat(runs.get(319).name()).isEqualTo("loss=quartic,batch=64,n=4,seed=9");

    TrainConfig off = runs.get(0).config();
    assertThat(off.stabilizer()).as("n=off is stabilizer none, without parameters (the profile"
        + " applies to ALRC only)").isEqualTo(new Stabilizer.None());
    TrainConfig n2 = runs.get(1).config();
    assertThat(n2.stabilizer()).as("a numeric n is ALRC").isEqualTo(Stabilizer.Alrc.of(2, "cifar2019"));
    assertThat(n2.lrDecaySteps()).as("train's default: the paper's staircase for the batch").isEqualTo(3_500_000);
    assertThat(n2.threads()).as("the sweep's default").isEqualTo(1);
    assertThat(runs.get(1).args()).containsExactly(
        "--task", "cifar10-sr", "--steps", "100000", "--profile", "cifar2019", "--loss", "squared",
        "--batch", "1", "--n", "2", "--stabilizer", "alrc", "--threads", "1", "--seed", "0");
  }

  @Test
  void jsonWithKebabCaseKeysGivesTheSameRuns() {
    String json = """
        {"task": "cifar10-sr",
         "fixed": {"steps": 100000, "--profile": "cifar2019"},
         "grid": {"loss": ["squared", "quartic"], "batch": [1, 4, 16, 64], "n": ["off", 2, 3, 4]},
         "repeats": 10}
        """;
    List<SweepRun> fromJson = SweepSpec.parse(json, SweepSpec.Format.JSON, "spec.json", OPTIONS).expand(DEFAULTS);
    List<SweepRun> fromYaml = yaml(PAPER_GRID).expand(DEFAULTS);
    assertThat(fromJson).extracting(SweepRun::name).isEqualTo(fromYaml.stream().map(SweepRun::name).toList());
    assertThat(fromJson).extracting(SweepRun::config).isEqualTo(fromYaml.stream().map(SweepRun::config).toList());
  }

  @Test
  void theStemTasksOptionsApplyToTheirRunsOnly() {
    List<SweepRun> runs = yaml("""
        fixed:
          image_size: 32
          sr_factor: 4
          steps: 10
        variants:
          - {name: cifar, task: cifar10-sr}
          - {name: completion, task: stem-completion}
          - {name: sr, task: stem-sr}
        """).expand(DEFAULTS);
    assertThat(runs.get(0).args()).doesNotContain("--image-size", "--sr-factor");
    assertThat(runs.get(1).args()).contains("--image-size").doesNotContain("--sr-factor");
    assertThat(runs.get(1).config().imageSize()).isEqualTo(32);
    assertThat(runs.get(2).config().srFactor()).isEqualTo(4);
  }

  @Test
  void variantsFlagsAndListOptions() {
    SweepSpec spec = yaml("""
        task: cifar10-sr
        fixed:
          safeguard: false
          spike-steps: [10, 20]
          lr: 2e-3
        grid:
          batch: [1, 16]
        variants:
          - {name: plain, stabilizer: none}
          - {stabilizer: zclip, z_threshold: 2}
          - {stabilizer: alrc, n: 2, profile: cifar2019}
        seeds: [7]
        """);
    List<SweepRun> runs = spec.expand(DEFAULTS);
    assertThat(runs).extracting(SweepRun::name).containsExactly(
        "batch=1,plain,seed=7",
        "batch=1,stabilizer=zclip,z_threshold=2,seed=7",
        "batch=1,stabilizer=alrc,n=2,profile=cifar2019,seed=7",
        "batch=16,plain,seed=7",
        "batch=16,stabilizer=zclip,z_threshold=2,seed=7",
        "batch=16,stabilizer=alrc,n=2,profile=cifar2019,seed=7");
    SweepRun zclip = runs.get(1);
    assertThat(zclip.config().safeguard()).isFalse();
    assertThat(zclip.args()).contains("--no-safeguard");
    assertThat(zclip.config().spikeSteps()).containsExactly(10L, 20L);
    assertThat(((Stabilizer.ZClip) zclip.config().stabilizer()).threshold()).isEqualTo(2.0);
    assertThat(zclip.config().lr()).isEqualTo(2e-3);
    assertThat(zclip.options()).containsEntry("lr", "2e-3").containsEntry("seed", "7");

    List<SweepRun> lists = yaml("""
        task: cifar10-sr
        fixed: {safeguard: true}
        grid:
          spike_steps: [[5], [5, 6], []]
        """).expand(DEFAULTS);
    assertThat(lists).extracting(SweepRun::name)
        .containsExactly("spike_steps=5,seed=0", "spike_steps=5+6,seed=0", "spike_steps=none,seed=0");
    assertThat(lists.get(1).config().spikeSteps()).containsExactly(5L, 6L);
    assertThat(lists.get(2).config().spikeSteps()).isNull();
    assertThat(lists.get(0).args()).contains("--safeguard");
  }

  static Stream<Arguments> invalidSpecs() {
    String options = String.join(", ", OPTIONS.names());
    return Stream.of(
        Arguments.of("grid: {batch: [1]}",
            "spec.yaml: no task: add e.g. 'task: cifar10-sr' (tasks: cifar10-sr, stem-completion, stem-sr)"),
        Arguments.of("task: cifar10-sr\ngird: {batch: [1]}",
            "spec.yaml: gird: unknown key (did you mean 'grid'?); expected one of description, task, fixed,"
                + " grid, variants, seeds, repeats"),
        Arguments.of("task: cifar10-sr\nfixed: {bacth: 2}",
            "spec.yaml: fixed.bacth: unknown option 'bacth' (did you mean 'batch'?); options: " + options),
        Arguments.of("task: cifar10-sr\ngrid: {batch: [1, x]}",
            "spec.yaml: grid.batch[1]: Invalid value for option '--batch': 'x' is not an int"),
        Arguments.of("task: cifar10-sr\nfixed: {width: 9}", "spec.yaml: fixed.width: width (9.0) must be in (0, 4]"),
        Arguments.of("task: cifar10-sr\nfixed: {loss: cubic}",
            "spec.yaml: fixed.loss: unknown loss 'cubic': expected one of squared, quartic, huber"),
        Arguments.of("task: mnist",
            "spec.yaml: task: unknown task 'mnist': expected one of cifar10-sr, stem-completion, stem-sr"),
        Arguments.of("task: cifar10-sr\nfixed: {batch: [1, 2]}",
            "spec.yaml: fixed.batch: a list; put the option under grid to sweep over its values"),
        Arguments.of("task: cifar10-sr\ngrid: {batch: 1}",
            "spec.yaml: grid.batch: expected a non-empty list of values, e.g. [1, 4]; put a single value under fixed"),
        Arguments.of("task: cifar10-sr\ngrid: {batch: [1, 1]}", "spec.yaml: grid.batch[1]: the value '1' is listed twice"),
        Arguments.of("task: cifar10-sr\nfixed: {batch: 1}\ngrid: {batch: [2]}",
            "spec.yaml: grid.batch: also set in fixed; an option is fixed, a grid axis or set by variants"),
        Arguments.of("task: cifar10-sr\nfixed: {threads: 2}",
            "spec.yaml: fixed.threads: not an option of a spec: use 'alrc sweep --threads N'"),
        Arguments.of("task: cifar10-sr\nfixed: {seed: 3}",
            "spec.yaml: fixed.seed: not an option of a spec: give 'seeds: [0, 1, ...]' or 'repeats: K' at the top level"),
        Arguments.of("task: cifar10-sr\nfixed: {out: runs}",
            "spec.yaml: fixed.out: not an option of a spec: each run's directory is OUT/RUN_NAME"),
        Arguments.of("task: cifar10-sr\nfixed: {safeguard: maybe}", "spec.yaml: fixed.safeguard: expected true or false, got 'maybe'"),
        Arguments.of("task: cifar10-sr\nseeds: [0, 1]\nrepeats: 2", "spec.yaml: repeats: give seeds or repeats, not both"),
        Arguments.of("task: cifar10-sr\nrepeats: 0", "spec.yaml: repeats: must be in [1, 10000], got 0"),
        Arguments.of("task: cifar10-sr\nseeds: [1, x]", "spec.yaml: seeds[1]: expected an integer"),
        Arguments.of("task: cifar10-sr\nfixed: {stabilizer: agc, n: off}",
            "spec.yaml: run 'seed=0': n=off means stabilizer none, but stabilizer is 'agc'"),
        Arguments.of("task: cifar10-sr\ngrid: {stabilizer: [zclip], z_alpha: [0.9, 1.5]}",
            "spec.yaml: run 'stabilizer=zclip,z_alpha=1.5,seed=0': stabilizer zclip: alpha (1.5) must be in (0, 1) (set with --z-alpha, or z_alpha in a sweep spec)"),
        Arguments.of("task: cifar10-sr\ngrid: {stabilizer: [none, zclip], n: [2, 3]}",
            "spec.yaml: runs 'stabilizer=none,n=2,seed=0' and 'stabilizer=none,n=3,seed=0' would train the same"
                + " configuration (an option that does not apply to the run's stabilizer, e.g. n without"
                + " stabilizer alrc?)"),
        Arguments.of("task: cifar10-sr\nvariants: [{name: a, n: 2}, {name: a, n: 3}]",
            "spec.yaml: variants[1]: another variant has the same name 'a'; give each a distinct 'name'"),
        Arguments.of("task: cifar10-sr\nfixed: {n: 2}\nvariants: [{n: 3}]",
            "spec.yaml: variants[0].n: also set in fixed; an option is fixed, a grid axis or set by variants"),
        Arguments.of("task: cifar10-sr\ntask: stem-sr", "spec.yaml: task: duplicate key"),
        Arguments.of("- task", "spec.yaml: expected a mapping with the keys description, task, fixed, grid,"
            + " variants, seeds, repeats"),
        Arguments.of("", "spec.yaml: the spec is empty"));
  }

  @ParameterizedTest
  @MethodSource("invalidSpecs")
  void anInvalidSpecIsRejectedNamingTheKey(String text, String message) {
    assertThatThrownBy(() -> yaml(text).expand(DEFAULTS))
        .isInstanceOf(SpecException.class)
        .hasMessage(message);
  }

  @Test
  void theShippedSpecsExpand() throws Exception {
    Map<String, Integer> sizes = new TreeMap<>();
    Path dir = ProjectFiles.find("sweeps/cifar-grid.yaml").getParent();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        sizes.put(f.getFileName().toString(), SweepSpec.read(f, OPTIONS).expand(DEFAULTS).size());
      }
    }
    assertThat(sizes).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "cifar-grid.yaml", 320,
        "cifar-grid-cpu.yaml", 96,
        "cifar-grid-cpu-small.yaml", 24,
        "unstable-lr.yaml", 24,
        "unstable-lr-cpu.yaml", 24,
        "h2h-quartic.yaml", 110,
        "h2h-high-lr.yaml", 110,
        "h2h-scaled.yaml", 110,
        "spikes.yaml", 220,
        "bf16-numerics.yaml", 40)));
  }
}
