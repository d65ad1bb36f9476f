package io.alrc.experiments.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports over run directories written by hand: arms that share seeds (paired intervals), arms that
 * do not (Welch), diverged runs (told by metrics.csv or by failed.txt) and unfinished ones.
 */
class DivergedRunsTest {
  @TempDir Path tmp;

  private static final String HEADER =
      "step,loss,unadjusted_loss,threshold,clipped,lr,max_example_loss,min_scale,grad_norm,skipped,injected\n";

  /** How a hand-written run ends. */
  private enum End { FINISHED, DIVERGED_METRICS, DIVERGED_FAILED_TXT, UNFINISHED, FAILED }

  /**
   * Writes a run directory: config.json, metrics.csv (40 steps; a diverged one ends with 9 skipped
   * NaN steps, as a run that reached the limit of 10), eval.csv and, when finished, summary.json.
   */
  private Path run(String name, String stabilizer, int batch, int seed, double test, End end)
      throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("sweep").resolve(name));
    String params = stabilizer.equals("alrc") ? "  \"n\": 3.0,\n  \"profile\": \"reference\",\n" : "";
    Files.writeString(dir.resolve("config.json"), "{\n  \"task\": \"stem-completion\",\n"
        + "  \"loss\": \"squared\",\n  \"stabilizer\": \"" + stabilizer + "\",\n" + params
        + "  \"batch\": " + batch + ",\n  \"seed\": " + seed + "\n}\n");
    StringBuilder metrics = new StringBuilder(HEADER);
    int steps = end == End.DIVERGED_METRICS ? 31 : end == End.UNFINISHED ? 25 : 40;
    for (int s = 1; s <= steps; s++) {
      boolean skipped = end == End.DIVERGED_METRICS && s > 22;
      String loss = skipped ? "NaN" : String.valueOf(test + 10.0 / s);
      int injected = s % 10 == 5 ? 0 : -1;
      metrics.append(String.format(Locale.ROOT, "%d,%s,%s,NaN,0,1.0E-3,%s,1.0,1.0,%d,%d%n",
          s, loss, loss, loss, skipped ? 1 : 0, injected));
    }
    if (end == End.UNFINISHED) {
      metrics.append("26,3.5,3.5,NaN"); // a row cut by a kill
    }
    if (end != End.DIVERGED_FAILED_TXT) {
      Files.writeString(dir.resolve("metrics.csv"), metrics.toString());
    }
    Files.writeString(dir.resolve("eval.csv"), "step,test_error\n20," + (test * 2) + "\n"
        + (end == End.FINISHED ? "40," + test + "\n" : ""));
    if (end == End.FINISHED) {
      Files.writeString(dir.resolve("summary.json"), "{\n  \"final_train_error\": " + (test - 1)
          + ",\n  \"final_test_error\": " + test + ",\n  \"clip_fraction\": 0.0,\n"
          + "  \"skipped_steps\": 0,\n  \"max_loss\": 12.0,\n  \"steps\": 40,\n"
          + "  \"steps_per_second\": 20.0,\n  \"wall_seconds\": 2.0\n}\n");
    }
    if (end == End.DIVERGED_FAILED_TXT) {
      Files.writeString(dir.resolve("failed.txt"), "exit code 1\n"
          + "reason: alrc train: run " + dir + " diverged: step 31: loss of example 0 is NaN, the 10th"
          + " non-finite step in a row (limit 10): training has diverged; lower the learning rate,"
          + " check the data, or raise the non-finite limit\n"
          + "command: alrc train --out " + dir + "\nlast lines of train.log:\n(empty log)\n");
    }
    if (end == End.FAILED) {
      Files.writeString(dir.resolve("failed.txt"), "exit code 137\nreason: killed (out of memory)\n"
          + "command: alrc train --out runs/diverged-lr/" + name + "\nlast lines of train.log:\n");
    }
    return dir;
  }

  private List<RunRecord> read(Path... dirs) {
    List<RunRecord> runs = new ArrayList<>();
    for (Path d : dirs) {
      runs.add(RunRecord.read(d));
    }
    return runs;
  }

  @Test
  void tellsDivergedFromUnfinishedAndFailedRunsAndSaysHow() throws Exception {
    RunRecord byMetrics = RunRecord.read(run("m", "none", 1, 0, 4, End.DIVERGED_METRICS));
    RunRecord byFailed = RunRecord.read(run("f", "none", 1, 1, 4, End.DIVERGED_FAILED_TXT));
    RunRecord unfinished = RunRecord.read(run("u", "none", 1, 2, 4, End.UNFINISHED));
    RunRecord failed = RunRecord.read(run("x", "none", 1, 3, 4, End.FAILED));
    RunRecord finished = RunRecord.read(run("ok", "none", 1, 4, 4, End.FINISHED));

    assertThat(byMetrics.outcome()).isEqualTo(RunRecord.Outcome.DIVERGED);
    assertThat(byMetrics.outcomeDetail())
        .isEqualTo("metrics.csv ends with 9 skipped (non-finite) steps, 23 to 31");
    assertThat(byFailed.outcome()).isEqualTo(RunRecord.Outcome.DIVERGED);
    assertThat(byFailed.outcomeDetail()).startsWith("failed.txt: alrc train: run ")
        .contains("training has diverged");
    assertThat(unfinished.outcome()).as("no summary, no failed.txt, a cut last row: still running or killed")
        .isEqualTo(RunRecord.Outcome.UNFINISHED);
    assertThat(failed.outcome()).as("'diverged' only in the command line's folder name")
        .isEqualTo(RunRecord.Outcome.FAILED);
    assertThat(failed.outcomeDetail()).isEqualTo("failed.txt: killed (out of memory)");
    assertThat(finished.outcome()).isEqualTo(RunRecord.Outcome.FINISHED);
  }

  @Test
  void eightSkippedStepsAtTheEndAreNotADivergence() throws Exception {
    Path dir = run("eight", "none", 1, 0, 4, End.UNFINISHED);
    StringBuilder m = new StringBuilder(HEADER);
    for (int s = 1; s <= 20; s++) {
      m.append(s).append(",1,1,NaN,0,0.001,1,1,1,").append(s > 12 ? 1 : 0).append(",-1\n");
    }
    Files.writeString(dir.resolve("metrics.csv"), m.toString());
    assertThat(RunRecord.read(dir).outcome()).isEqualTo(RunRecord.Outcome.UNFINISHED);
    m.append("21,NaN,NaN,NaN,0,0.001,NaN,1,NaN,1,-1\n");
    Files.writeString(dir.resolve("metrics.csv"), m.toString());
    assertThat(RunRecord.read(dir).outcome()).as("the ninth").isEqualTo(RunRecord.Outcome.DIVERGED);
  }

  @Test
  void theRunsOwnNonFiniteLimitSetsTheTail() throws Exception {
    Path dir = run("k4", "alrc", 1, 0, 4, End.UNFINISHED);
    Files.writeString(dir.resolve("config.json"), "{\"task\": \"stem-completion\", \"stabilizer\":"
        + " \"alrc\", \"non_finite_limit\": 4, \"seed\": 0}");
    StringBuilder m = new StringBuilder(HEADER);
    for (int s = 1; s <= 20; s++) {
      m.append(s).append(",1,1,NaN,0,0.001,1,1,1,").append(s > 17 ? 1 : 0).append(",-1\n");
    }
    Files.writeString(dir.resolve("metrics.csv"), m.toString());
    RunRecord r = RunRecord.read(dir);
    assertThat(r.outcome()).as("3 skipped rows: the 4th step in a row stopped it").isEqualTo(RunRecord.Outcome.DIVERGED);
    assertThat(r.outcomeDetail()).isEqualTo("metrics.csv ends with 3 skipped (non-finite) steps, 18 to 20");
  }

  /**
   * Row batch=1: the arms share seeds 0 to 3; off's seed 3 diverged (metrics.csv) and its seed 4 is
   * unfinished. Row batch=16: the arms have different seeds (Welch); one alrc run diverged
   * (failed.txt only, no metrics).
   */
  private List<RunRecord> sweep() throws Exception {
    double[] off = {4, 5, 6};
    double[] alrc = {1.1, 1.9, 3.0, 2.5};
    List<Path> dirs = new ArrayList<>();
    for (int seed = 0; seed < 3; seed++) {
      dirs.add(run("off-b1-s" + seed, "none", 1, seed, off[seed], End.FINISHED));
    }
    dirs.add(run("off-b1-s3", "none", 1, 3, 0, End.DIVERGED_METRICS));
    dirs.add(run("off-b1-s4", "none", 1, 4, 0, End.UNFINISHED));
    for (int seed = 0; seed < 4; seed++) {
      dirs.add(run("alrc-b1-s" + seed, "alrc", 1, seed, alrc[seed], End.FINISHED));
    }
    for (int i = 0; i < 3; i++) {
      dirs.add(run("off-b16-s" + (10 + i), "none", 16, 10 + i, 4 + i, End.FINISHED));
    }
    for (int i = 0; i < 4; i++) {
      dirs.add(run("alrc-b16-s" + (20 + i), "alrc", 16, 20 + i, 1 + i, End.FINISHED));
    }
    dirs.add(run("alrc-b16-s24", "alrc", 16, 24, 0, End.DIVERGED_FAILED_TXT));
    return read(dirs.toArray(Path[]::new));
  }

  @Test
  void pairsRunsBySeedAndFlagsTheComparisonWithADivergedRun() throws Exception {
    Report.Result result = Report.write(sweep(), tmp.resolve("report"), 0);
    Map<String, Comparison.Row> rows = new LinkedHashMap<>();
    result.comparison().forEach(r -> rows.put(r.row() + " | " + r.column(), r));

    Comparison.Row off = rows.get("batch=1 | off");
    assertThat(off.runs()).isEqualTo(5);
    assertThat(off.finished()).isEqualTo(3);
    assertThat(off.diverged()).isEqualTo(1);
    assertThat(off.unfinished()).isEqualTo(1);

    Comparison.Row alrc = rows.get("batch=1 | alrc n=3");
    // seeds 0, 1, 2 finished in both arms (3 pairs, at least half of each arm's 4 and 3 finished
    // runs): paired; alrc's seed 3 has no finished partner and is left out.
    // test: alrc [1.1, 1.9, 3.0] - off [4, 5, 6] = [-2.9, -3.1, -3.0]: mean -3, sd 0.1,
    // se 0.0577350, t(0.975, 2) = 4.3026527 -> [-3.2484138, -2.7515862]
    Difference d = alrc.testVsOff();
    assertThat(d.method()).isEqualTo(Difference.Method.PAIRED);
    assertThat(d.na()).isEqualTo(3);
    assertThat(d.leftOut()).isEqualTo(1);
    assertThat(d.difference()).isCloseTo(-3, within(1e-12));
    assertThat(d.lower()).isCloseTo(-3.2484137711750334, within(1e-9));
    assertThat(d.upper()).isCloseTo(-2.7515862288249666, within(1e-9));
    assertThat(d.label()).isEqualTo("paired, n = 3 (1 unmatched run left out)");
    assertThat(alrc.flagged()).as("off lost a run").isTrue();
    // sensitivity: off's diverged seed 3 counted as the worst finished test error of both arms, 6:
    // differences [-2.9, -3.1, -3.0, 2.5 - 6 = -3.5]: mean -3.125, sd 0.2629956, se 0.1314978,
    // t(0.975, 3) = 3.1824463 -> [-3.5434846, -2.7065154]
    Difference imputed = alrc.testImputed();
    assertThat(imputed.method()).isEqualTo(Difference.Method.PAIRED);
    assertThat(imputed.na()).isEqualTo(4);
    assertThat(imputed.difference()).isCloseTo(-3.125, within(1e-12));
    assertThat(imputed.lower()).isCloseTo(-3.5434846304274394, within(1e-9));
    assertThat(imputed.upper()).isCloseTo(-2.7065153695725606, within(1e-9));

    Comparison.Row welch = rows.get("batch=16 | alrc n=3");
    // no shared seeds: Welch over alrc [1, 2, 3, 4] and off [4, 5, 6]: d = -2.5,
    // se = sqrt((5/3)/4 + 1/3) = 0.8660254, df = 0.75^2 / ((5/12)^2/3 + (1/3)^2/2) = 4.9591837,
    // t(0.975, 4.9591837) = 2.5769584 -> [-4.7317115, -0.2682885]
    Difference w = welch.testVsOff();
    assertThat(w.method()).isEqualTo(Difference.Method.WELCH);
    assertThat(w.difference()).isCloseTo(-2.5, within(1e-12));
    assertThat(w.df()).isCloseTo(4.959183673469387, within(1e-9));
    assertThat(w.lower()).isCloseTo(-4.731711481338788, within(1e-8));
    assertThat(w.upper()).isCloseTo(-0.26828851866121184, within(1e-8));
    assertThat(w.label()).isEqualTo("Welch, n = 4 and 3");
    assertThat(welch.diverged()).as("told by failed.txt; the run has no metrics").isEqualTo(1);
    // sensitivity: the diverged run counted as 6 (the worst finished): alrc [1, 2, 3, 4, 6] against
    // [4, 5, 6], Welch: d = -1.8, df 5.9860285 -> [-4.3364797, 0.7364797]
    assertThat(welch.testImputed().lower()).isCloseTo(-4.336479712472158, within(1e-8));
    assertThat(welch.testImputed().upper()).isCloseTo(0.7364797124721592, within(1e-8));
    assertThat(welch.testImputed().excludesZero()).as("the divergence could explain the difference").isFalse();

    String md = Files.readString(result.markdown());
    assertThat(md).contains("**Diverged: 2 of 17 runs** stopped at their limit of non-finite steps in a"
        + " row (10 by default; told by metrics.csv for 1, by failed.txt for 1).");
    assertThat(md).contains("Comparisons affected (" + Comparison.FLAG + ", with a sensitivity interval"
        + " under \"Diverged runs\"): batch=1 | alrc n=3 vs off; batch=16 | alrc n=3 vs off.");
    assertThat(md).contains("**Not finished: 1 of 17 runs** (1 unfinished");
    assertThat(md).as("paper-layout cell").contains("| batch=1 | 5.000 +/- 1.000 (n=3), diverged 1/5 |");
    assertThat(md).contains("| batch=1 | alrc n=3 | 4/4 | 0/4 | 1.125 +/- 0.8180 | -3.000 [-3.248, -2.752]* "
        + Comparison.FLAG + " | 2.125 +/- 0.8180 | -3.000 [-3.248, -2.752]* " + Comparison.FLAG
        + " | paired, n = 3 (1 unmatched run left out) |");
    assertThat(md).contains("| batch=16 | alrc n=3 | 4/5 | 1/5 |");
    assertThat(md).contains("| Welch, n = 4 and 3 |");
    assertThat(md).contains("### Diverged runs");
    assertThat(md).contains("- " + Comparison.FLAG + " batch=1 | alrc n=3 vs off: alrc n=3 diverged 0/4,"
        + " off diverged 1/5. Over the finished runs: d train -3.000 [-3.248, -2.752]*, d test -3.000"
        + " [-3.248, -2.752]* (paired, n = 3 (1 unmatched run left out)). With each diverged run"
        + " counted as the worst finished final error of the two arms: d train -3.125 [-3.543, -2.707]*,"
        + " d test -3.125 [-3.543, -2.707]* (paired, n = 4).");
    assertThat(md).as("the runs table names the outcome and what told it")
        .contains("| off-b1-s3 | 3 | diverged (metrics.csv ends with 9 skipped (non-finite) steps, 23 to 31) |")
        .contains("| off-b1-s4 | 4 | unfinished (no summary.json, no failed.txt");
    assertThat(result.tables()).startsWith("17 runs in 4 configurations.")
        .contains("## Final test error").contains("**Diverged: 2 of 17 runs**")
        .doesNotContain("## Stabilizer comparison");

    List<String> csv = Files.readAllLines(tmp.resolve("report/comparison.csv"));
    assertThat(csv.get(0)).endsWith(",diverged,unfinished,method,pairs,unmatched,flagged,"
        + "d_train_imputed,d_train_imputed_low,d_train_imputed_high,"
        + "d_test_imputed,d_test_imputed_low,d_test_imputed_high");
    assertThat(csv).anySatisfy(l -> assertThat(l).startsWith("\"batch=1\",\"alrc n=3\",4,4,")
        .contains(",0,0,paired,3,1,1,"));
  }
}
