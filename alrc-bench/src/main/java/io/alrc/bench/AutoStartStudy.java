package io.alrc.bench;

import io.alrc.AlrcClipper;
import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import io.alrc.AlrcStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Which scale-free start should ALRC use? A deterministic study of candidate designs on generated
 * per-example loss streams, printed as markdown tables (the tables of {@code docs/alrc-auto.md}).
 *
 * <p>Run from the repository root after {@code mvn -B -q -pl alrc-bench -am package -DskipTests}:
 *
 * <pre>
 * java -cp alrc-bench/target/benchmarks.jar io.alrc.bench.AutoStartStudy [--seeds 5] [--steps 2000]
 * </pre>
 *
 * about a minute on one core. Every stream comes from a {@link SplittableRandom} seeded by the
 * scenario and the seed index, and every draw goes through {@link StrictMath}, so the tables are
 * the same on every JVM.
 *
 * <p><b>Designs</b> (all with n 3, beta 0.999): {@code reference} (fixed moments 25/900); {@code
 * mean-warmup} (the legacy extension: the plain mean of the first K losses, nothing clipped
 * before); {@code (a) zero-start} (moments from zero with Adam's bias correction {@code 1/(1 -
 * beta^t)}, no clipping until the estimate is "trustworthy", defined as K losses seen); {@code (b)
 * MAD+EMA} (warm-up over K losses clipped at {@code med + 6 * 1.4826 * MAD}, then the plain
 * exponential average from the warm-up's moments); {@code (b) Q3+EMA} (the same with the quartile
 * bound {@code med + 6 * (q3 - med)}); {@code (c) MAD+BC} and {@code auto} ((b) followed by the
 * bias-corrected weights, the warm-up counting as its steps; {@code auto} is the core's {@link
 * AlrcConfig#auto()}, the others are implemented here). K is 64 throughout.
 *
 * <p><b>Streams</b>: per-example losses {@code level * X}, X lognormal (sigma 0.5, 1) or Pareto
 * (alpha 3, 1.5: infinite variance), level 1e-6, 1 or 1e6, batch 1 or 64; spikes multiply a loss by
 * 10, 100 or 1000 with probability 1% or 5%; warm-up spikes put 1 or 4 spikes of 1000x at random
 * positions among the first 64 losses (the very first one in a quarter of the seeds); drift lets
 * the level fall 100x, exponentially, over 20,000 steps.
 *
 * <p><b>Measures</b>: {@code T*} is the stationary threshold of the clean stream, the fixed point
 * {@code T = E[min(X, T)] + n * sd(min(X, T))} (the clipped moments that ALRC's averages converge
 * to), computed on 2^20 draws, and {@code p* = P(X > T*)} its clip rate; clip rates count clean
 * examples with scale below 1; a spike is clipped when its scale is below 1; a design has
 * <em>adapted</em> at the first step from which its threshold stays within a factor 2 of {@code
 * level * T*} to the end of the run (no threshold counts as outside); the <em>inflation</em> of a
 * warm-up-spike stream is the largest ratio of its threshold to the threshold of the same stream
 * without the spikes, over all steps where both are finite.
 */
public final class AutoStartStudy {
  private static final double N = 3;
  private static final double BETA = 0.999;
  private static final int K = 64;
  private static final double EPS = 1e-8;

  private AutoStartStudy() {}

  // ---- designs

  /** One design's clipping, step by step. */
  interface Run {
    /**
     * Clips one step: marks the clipped examples and returns the threshold in force ({@code
     * +Infinity} for none).
     */
    double step(double[] losses, boolean[] clipped);
  }

  /** A named design. */
  record Design(String name, Supplier<Run> start) {}

  /** A design of the core: {@link AlrcClipper} with its immutable state. */
  static Design core(String name, AlrcConfig config) {
    return new Design(
        name,
        () -> {
          AlrcClipper clipper = new AlrcClipper(config);
          AlrcState[] state = {clipper.init()};
          return (losses, clipped) -> {
            AlrcStep s = clipper.update(losses, state[0]);
            state[0] = s.state();
            for (int i = 0; i < losses.length; i++) {
              clipped[i] = s.scale(i) < 1;
            }
            return s.lmax();
          };
        });
  }

  /** (a): moments from zero with bias correction; no clipping before K losses. */
  static Design zeroStart() {
    return new Design(
        "(a) zero-start",
        () ->
            new Run() {
              double m1;
              double m2;
              long t;
              long count;

              @Override
              public double step(double[] losses, boolean[] clipped) {
                double th = Double.POSITIVE_INFINITY;
                if (count >= K) {
                  double lmax = m1 + N * sigma(m1, m2);
                  th = lmax > 0 ? lmax : Double.POSITIVE_INFINITY;
                }
                double[] sums = clip(losses, th, clipped);
                t++;
                count += losses.length;
                double w = weight(t);
                m1 += w * (sums[0] / losses.length - m1);
                m2 += w * (sums[1] / losses.length - m2);
                return th;
              }
            });
  }

  enum Bound {
    /** {@code med + k * 1.4826 * MAD}. */
    MAD,
    /** {@code med + k * (q3 - med)}. */
    Q3,
    /** The smaller of the two. */
    MIN
  }

  /**
   * (b) and (c): a warm-up over K losses clipped at a robust bound from the positive warm-up
   * losses so far (this step's included, once there are 4), its moments recomputed at the latest
   * bound; then ALRC from those moments, with plain ({@code bc} false) or bias-corrected weights.
   * With {@code MAD}, spread 6 and {@code bc} this is the core's auto start.
   */
  static Design robust(String name, Bound bound, double spread, int k, boolean bc) {
    return new Design(
        name,
        () ->
            new Run() {
              double m1;
              double m2;
              long t;
              long count;
              double[] buffer = new double[0];
              boolean done;

              @Override
              public double step(double[] losses, boolean[] clipped) {
                t++;
                if (!done) {
                  double[] merged = merge(buffer, losses);
                  double th = robustBound(merged, bound, spread);
                  clip(losses, th, clipped);
                  count += losses.length;
                  double s = 0;
                  double q = 0;
                  for (double v : merged) {
                    double o = v < th ? v : th;
                    s += o;
                    q += o * o;
                  }
                  m1 = s / count;
                  m2 = q / count;
                  buffer = merged;
                  done = count >= k;
                  return th;
                }
                double lmax = m1 + N * sigma(m1, m2);
                double th = lmax > 0 ? lmax : Double.POSITIVE_INFINITY;
                double[] sums = clip(losses, th, clipped);
                double w = bc ? weight(t) : 1 - BETA;
                m1 += w * (sums[0] / losses.length - m1);
                m2 += w * (sums[1] / losses.length - m2);
                return th;
              }
            });
  }

  static double sigma(double m1, double m2) {
    return Math.sqrt(Math.max(m2 - m1 * m1, 0) + EPS * m2);
  }

  /** Adam's bias-corrected weight of the t-th observation, as the core computes it. */
  static double weight(long t) {
    double gamma = 1 - BETA;
    if (t * -StrictMath.log(BETA) > 40) {
      return gamma;
    }
    return gamma / (1 - StrictMath.pow(BETA, t));
  }

  /** Marks the losses above {@code th} and returns the sums of the outputs and their squares. */
  static double[] clip(double[] losses, double th, boolean[] clipped) {
    double s = 0;
    double q = 0;
    for (int i = 0; i < losses.length; i++) {
      double l = losses[i];
      double o = l < th || l == 0 ? l : th;
      clipped[i] = l > th && l > 0;
      s += o;
      q += o * o;
    }
    return new double[] {s, q};
  }

  static double[] merge(double[] sorted, double[] losses) {
    double[] add = Arrays.stream(losses).filter(l -> l > 0).sorted().toArray();
    double[] all = new double[sorted.length + add.length];
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < sorted.length || j < add.length) {
      if (j >= add.length || (i < sorted.length && sorted[i] <= add[j])) {
        all[k++] = sorted[i++];
      } else {
        all[k++] = add[j++];
      }
    }
    return all;
  }

  static double robustBound(double[] asc, Bound kind, double spread) {
    int p = asc.length;
    if (p < 4) {
      return Double.POSITIVE_INFINITY;
    }
    double med = asc[(p + 1) / 2 - 1];
    double q3 = med + spread * (asc[(3 * p + 3) / 4 - 1] - med);
    if (kind == Bound.Q3) {
      return q3;
    }
    double[] dev = new double[p];
    for (int i = 0; i < p; i++) {
      dev[i] = Math.abs(asc[i] - med);
    }
    Arrays.sort(dev);
    double mad = med + spread * (1.4826 * dev[(p + 1) / 2 - 1]);
    return kind == Bound.MIN ? Math.min(mad, q3) : mad;
  }

  // ---- loss distributions

  /** A per-example loss distribution of median order 1. */
  record Dist(String name, int kind, double shape) {
    double draw(SplittableRandom r) {
      if (kind == 0) {
        return StrictMath.exp(shape * r.nextGaussian());
      }
      return StrictMath.pow(1 - r.nextDouble(), -1 / shape);
    }
  }

  static final Dist[] DISTS = {
    new Dist("lognormal 0.5", 0, 0.5),
    new Dist("lognormal 1", 0, 1),
    new Dist("Pareto 3", 1, 3),
    new Dist("Pareto 1.5", 1, 1.5)
  };

  /** {@code {T*, p*}} of a distribution at level 1, on 2^20 draws. */
  static double[] stationary(Dist d, double n) {
    SplittableRandom r = new SplittableRandom(20_190_609);
    double[] x = new double[1 << 20];
    for (int i = 0; i < x.length; i++) {
      x[i] = d.draw(r);
    }
    Arrays.sort(x);
    double t = fixedPointStep(x, Double.POSITIVE_INFINITY, n);
    for (int it = 0; it < 500; it++) {
      double next = fixedPointStep(x, t, n);
      if (Math.abs(next - t) <= 1e-12 * t) {
        t = next;
        break;
      }
      t = next;
    }
    int above = x.length - upperIndex(x, t);
    return new double[] {t, (double) above / x.length};
  }

  private static double fixedPointStep(double[] x, double t, double n) {
    double s = 0;
    double q = 0;
    for (double v : x) {
      double o = Math.min(v, t);
      s += o;
      q += o * o;
    }
    double m1 = s / x.length;
    double m2 = q / x.length;
    return m1 + n * Math.sqrt(Math.max(m2 - m1 * m1, 0));
  }

  private static int upperIndex(double[] sorted, double t) {
    int i = Arrays.binarySearch(sorted, t);
    if (i < 0) {
      return -i - 1;
    }
    while (i < sorted.length && sorted[i] <= t) {
      i++;
    }
    return i;
  }

  // ---- one run

  /** What one run measured. */
  static final class Tally {
    long clean;
    long cleanClipped;
    long spikes;
    long spikesClipped;
    long adapted; // first step from which the threshold stays within 2x; -1: never
    double endRatio;
    double[] thresholds;

    void add(Tally o) {
      clean += o.clean;
      cleanClipped += o.cleanClipped;
      spikes += o.spikes;
      spikesClipped += o.spikesClipped;
    }

    double cleanRate() {
      return clean == 0 ? Double.NaN : (double) cleanClipped / clean;
    }

    double spikeRate() {
      return spikes == 0 ? Double.NaN : (double) spikesClipped / spikes;
    }
  }

  /** A stream's parameters. */
  record Stream(
      Dist dist,
      double scale,
      int batch,
      int steps,
      double spikeRate,
      double spikeFactor,
      int warmupSpikes,
      double drift) {}

  static Tally run(Design design, Stream s, double tStar, long seed, boolean withSpikes) {
    SplittableRandom r = new SplittableRandom(seed);
    SplittableRandom spikeRandom = new SplittableRandom(seed ^ 0x5DEECE66DL);
    long[] warmSpikeAt = new long[s.warmupSpikes];
    for (int j = 0; j < warmSpikeAt.length; j++) {
      warmSpikeAt[j] = j == 0 && seed % 4 == 0 ? 0 : spikeRandom.nextInt(K);
    }
    Run run = design.start().get();
    Tally t = new Tally();
    t.thresholds = new double[s.steps];
    double[] losses = new double[s.batch];
    boolean[] spike = new boolean[s.batch];
    boolean[] clipped = new boolean[s.batch];
    long index = 0;
    long lastOutside = 0;
    double ratio = Double.NaN;
    for (int step = 1; step <= s.steps; step++) {
      double level =
          s.scale * (s.drift == 1 ? 1 : StrictMath.pow(s.drift, -(step - 1.0) / (s.steps - 1)));
      for (int i = 0; i < s.batch; i++, index++) {
        double l = level * s.dist.draw(r);
        boolean sp = false;
        for (long at : warmSpikeAt) {
          sp |= at == index;
        }
        double u = spikeRandom.nextDouble();
        sp |= s.spikeRate > 0 && u < s.spikeRate;
        spike[i] = sp && withSpikes;
        losses[i] = spike[i] ? l * s.spikeFactor : l;
      }
      double th = run.step(losses, clipped);
      t.thresholds[step - 1] = th;
      ratio = th / (tStar * level);
      if (!(ratio >= 0.5 && ratio <= 2)) {
        lastOutside = step;
      }
      for (int i = 0; i < s.batch; i++) {
        if (spike[i]) {
          t.spikes++;
          t.spikesClipped += clipped[i] ? 1 : 0;
        } else {
          t.clean++;
          t.cleanClipped += clipped[i] ? 1 : 0;
        }
      }
    }
    t.adapted = lastOutside >= s.steps ? -1 : lastOutside + 1;
    t.endRatio = ratio;
    return t;
  }

  // ---- the study

  private static String pct(double x) {
    return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.2f", 100 * x);
  }

  private static String steps(long a) {
    return a < 0 ? "never" : Long.toString(a);
  }

  private static String ratio(double r) {
    if (Double.isNaN(r)) {
      return "-";
    }
    return r >= 1000 ? String.format(Locale.ROOT, "%.0f", r) : String.format(Locale.ROOT, "%.2f", r);
  }

  /** Runs the study; {@code --seeds S} (default 5) and {@code --steps T} (default 2000). */
  public static void main(String[] args) {
    int seeds = 5;
    int stepsPerRun = 2000;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--seeds" -> seeds = Integer.parseInt(args[i + 1]);
        case "--steps" -> stepsPerRun = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    long started = System.nanoTime();
    @SuppressWarnings("deprecation")
    AlrcConfig meanWarmup = AlrcConfig.Profile.REFERENCE.builder().warmupLosses(K).build();
    List<Design> designs =
        List.of(
            core("reference", AlrcConfig.reference()),
            core("mean-warmup", meanWarmup),
            zeroStart(),
            robust("(b) MAD+EMA", Bound.MAD, 6, K, false),
            robust("(b) Q3+EMA", Bound.Q3, 6, K, false),
            robust("(c) Q3+BC", Bound.Q3, 6, K, true),
            robust("(c) min(Q3,MAD)+BC", Bound.MIN, 6, K, true),
            core("auto", AlrcConfig.auto()));
    double[][] star = new double[DISTS.length][];
    for (int d = 0; d < DISTS.length; d++) {
      star[d] = stationary(DISTS[d], N);
    }
    int[] batches = {1, 64};
    double[] scales = {1e-6, 1, 1e6};

    System.out.println("# ALRC auto start: stream study");
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "n %s, beta %s, K %d, %d seeds, %d steps per stationary run (java %s)%n%n",
        N, BETA, K, seeds, stepsPerRun, System.getProperty("java.version"));
    System.out.println("## Stationary thresholds of the clean streams (n 3)");
    System.out.println();
    System.out.println("| losses | T* / median | p* = P(X > T*) |");
    System.out.println("|---|---|---|");
    for (int d = 0; d < DISTS.length; d++) {
      double median = DISTS[d].kind == 0 ? 1 : StrictMath.pow(2, 1 / DISTS[d].shape);
      System.out.printf(
          Locale.ROOT, "| %s | %.3f | %s%% |%n", DISTS[d].name, star[d][0] / median, pct(star[d][1]));
    }
    System.out.println();

    // A. stationary, clean, every scale
    int nd = designs.size();
    double[][] rateLo = new double[nd][2];
    double[][] rateHi = new double[nd][2];
    long[][] adaptWorst = new long[nd][2];
    boolean[] scaleFree = new boolean[nd];
    double[][][] cleanAt = new double[nd][DISTS.length][2]; // at scale 1
    double[][][] cleanScale = new double[nd][scales.length][2]; // lognormal 1
    for (int di = 0; di < nd; di++) {
      Design design = designs.get(di);
      scaleFree[di] = true;
      for (int b = 0; b < 2; b++) {
        rateLo[di][b] = Double.POSITIVE_INFINITY;
        rateHi[di][b] = 0;
        adaptWorst[di][b] = 0;
        for (int d = 0; d < DISTS.length; d++) {
          long[] clippedAtScale1 = null;
          for (int si = 0; si < scales.length; si++) {
            Stream s = new Stream(DISTS[d], scales[si], batches[b], stepsPerRun, 0, 1, 0, 1);
            Tally all = new Tally();
            long[] clippedPerSeed = new long[seeds];
            for (int seed = 0; seed < seeds; seed++) {
              Tally t = run(design, s, star[d][0], 1000L * d + seed, false);
              all.add(t);
              clippedPerSeed[seed] = t.cleanClipped;
              if (adaptWorst[di][b] >= 0) {
                adaptWorst[di][b] = t.adapted < 0 ? -1 : Math.max(adaptWorst[di][b], t.adapted);
              }
            }
            double rel = all.cleanRate() / star[d][1];
            rateLo[di][b] = Math.min(rateLo[di][b], rel);
            rateHi[di][b] = Math.max(rateHi[di][b], rel);
            if (scales[si] == 1) {
              cleanAt[di][d][b] = all.cleanRate();
            }
            if (d == 1) {
              cleanScale[di][si][b] = all.cleanRate();
            }
            if (clippedAtScale1 == null) {
              clippedAtScale1 = clippedPerSeed;
            } else if (!Arrays.equals(clippedAtScale1, clippedPerSeed)) {
              scaleFree[di] = false;
            }
          }
        }
      }
    }

    // B. spikes
    double[] rates = {0.01, 0.05};
    double[] factors = {10, 100, 1000};
    double[][][] spikeBy = new double[nd][factors.length][2];
    double[][] spikeAll = new double[nd][2];
    double[][] cleanWithSpikes = new double[nd][2];
    for (int di = 0; di < nd; di++) {
      for (int b = 0; b < 2; b++) {
        Tally pooled = new Tally();
        for (int f = 0; f < factors.length; f++) {
          Tally byFactor = new Tally();
          for (int d = 0; d < DISTS.length; d++) {
            for (double rate : rates) {
              Stream s = new Stream(DISTS[d], 1, batches[b], stepsPerRun, rate, factors[f], 0, 1);
              for (int seed = 0; seed < seeds; seed++) {
                byFactor.add(run(designs.get(di), s, star[d][0], 2000L * d + seed, true));
              }
            }
          }
          spikeBy[di][f][b] = byFactor.spikeRate();
          pooled.add(byFactor);
        }
        spikeAll[di][b] = pooled.spikeRate();
        cleanWithSpikes[di][b] = pooled.cleanRate();
      }
    }

    // C. spikes inside the warm-up
    int warmSeeds = 4 * seeds;
    double[][] inflation = new double[nd][2];
    double[][] inflationAfter = new double[nd][2];
    double[][] warmClipped = new double[nd][2];
    for (int di = 0; di < nd; di++) {
      for (int b = 0; b < 2; b++) {
        double worst = 0;
        double worstAfter = 0;
        int warmSteps = (K + batches[b] - 1) / batches[b];
        Tally pooled = new Tally();
        for (int d = 0; d < DISTS.length; d++) {
          for (int j : new int[] {1, 4}) {
            Stream s = new Stream(DISTS[d], 1, batches[b], 300, 0, 1000, j, 1);
            for (int seed = 0; seed < warmSeeds; seed++) {
              Tally spiked = run(designs.get(di), s, star[d][0], 3000L * d + seed, true);
              Tally clean = run(designs.get(di), s, star[d][0], 3000L * d + seed, false);
              pooled.add(spiked);
              for (int k = 0; k < s.steps; k++) {
                double a = spiked.thresholds[k];
                double c = clean.thresholds[k];
                if (Double.isFinite(a) && Double.isFinite(c)) {
                  worst = Math.max(worst, a / c);
                  if (k >= warmSteps) {
                    worstAfter = Math.max(worstAfter, a / c);
                  }
                }
              }
            }
          }
        }
        inflation[di][b] = worst;
        inflationAfter[di][b] = worstAfter;
        warmClipped[di][b] = pooled.spikeRate();
      }
    }

    // D. drift: the level falls 100x over 20,000 steps
    double[][] driftEnd = new double[nd][2];
    double[][] driftClean = new double[nd][2];
    for (int di = 0; di < nd; di++) {
      for (int b = 0; b < 2; b++) {
        double worst = 0;
        Tally pooled = new Tally();
        double pStar = 0;
        for (int d = 0; d < DISTS.length; d++) {
          Stream s = new Stream(DISTS[d], 1, batches[b], 20_000, 0, 1, 0, 100);
          Tally t = run(designs.get(di), s, star[d][0], 4000L * d, false);
          worst = Math.max(worst, t.endRatio);
          pooled.add(t);
          pStar += star[d][1] / DISTS.length;
        }
        driftEnd[di][b] = worst;
        driftClean[di][b] = pooled.cleanRate() / pStar;
      }
    }

    System.out.println("## Headline (batch 1 / batch 64)");
    System.out.println();
    System.out.println(
        "| design | clean clip rate / p* (min-max over 4 distributions x 3 scales) |"
            + " spikes clipped | adapted by step (worst) | worst inflation by warm-up spikes |"
            + " threshold / T* after a 100x fall | scale-free |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int di = 0; di < nd; di++) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %s-%s / %s-%s | %s%% / %s%% | %s / %s | %s / %s | %s / %s | %s |%n",
          designs.get(di).name(),
          ratio(rateLo[di][0]),
          ratio(rateHi[di][0]),
          ratio(rateLo[di][1]),
          ratio(rateHi[di][1]),
          pct(spikeAll[di][0]),
          pct(spikeAll[di][1]),
          steps(adaptWorst[di][0]),
          steps(adaptWorst[di][1]),
          ratio(inflation[di][0]),
          ratio(inflation[di][1]),
          ratio(driftEnd[di][0]),
          ratio(driftEnd[di][1]),
          scaleFree[di] ? "yes" : "no");
    }
    System.out.println();

    System.out.println("## Clean clip rate at scale 1, % (batch 1 / batch 64; p* in the header)");
    System.out.println();
    StringBuilder head = new StringBuilder("| design |");
    StringBuilder rule = new StringBuilder("|---|");
    for (int d = 0; d < DISTS.length; d++) {
      head.append(' ').append(DISTS[d].name).append(" (p* ").append(pct(star[d][1])).append(") |");
      rule.append("---|");
    }
    System.out.println(head);
    System.out.println(rule);
    for (int di = 0; di < nd; di++) {
      StringBuilder row = new StringBuilder("| " + designs.get(di).name() + " |");
      for (int d = 0; d < DISTS.length; d++) {
        row.append(' ')
            .append(pct(cleanAt[di][d][0]))
            .append(" / ")
            .append(pct(cleanAt[di][d][1]))
            .append(" |");
      }
      System.out.println(row);
    }
    System.out.println();

    System.out.println(
        "## Clean clip rate by loss scale, lognormal 1, % (batch 1 / batch 64; p* "
            + pct(star[1][1])
            + ")");
    System.out.println();
    System.out.println("| design | 1e-6 | 1 | 1e6 |");
    System.out.println("|---|---|---|---|");
    for (int di = 0; di < nd; di++) {
      StringBuilder row = new StringBuilder("| " + designs.get(di).name() + " |");
      for (int si = 0; si < scales.length; si++) {
        row.append(' ')
            .append(pct(cleanScale[di][si][0]))
            .append(" / ")
            .append(pct(cleanScale[di][si][1]))
            .append(" |");
      }
      System.out.println(row);
    }
    System.out.println();

    System.out.println("## Spikes clipped by factor, % (rates 1% and 5%, 4 distributions; batch 1 / 64)");
    System.out.println();
    System.out.println("| design | 10x | 100x | 1000x | clean clip rate with spikes |");
    System.out.println("|---|---|---|---|---|");
    for (int di = 0; di < nd; di++) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %s / %s | %s / %s | %s / %s | %s / %s |%n",
          designs.get(di).name(),
          pct(spikeBy[di][0][0]),
          pct(spikeBy[di][0][1]),
          pct(spikeBy[di][1][0]),
          pct(spikeBy[di][1][1]),
          pct(spikeBy[di][2][0]),
          pct(spikeBy[di][2][1]),
          pct(cleanWithSpikes[di][0]),
          pct(cleanWithSpikes[di][1]));
    }
    System.out.println();

    System.out.println(
        "## Spikes in the warm-up: 1 or 4 spikes of 1000x among the first 64 losses, "
            + warmSeeds
            + " seeds (batch 1 / 64)");
    System.out.println();
    System.out.println(
        "| design | warm-up spikes clipped | worst threshold inflation, any step |"
            + " worst threshold inflation after the first 64 losses |");
    System.out.println("|---|---|---|---|");
    for (int di = 0; di < nd; di++) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %s%% / %s%% | %s / %s | %s / %s |%n",
          designs.get(di).name(),
          pct(warmClipped[di][0]),
          pct(warmClipped[di][1]),
          ratio(inflation[di][0]),
          ratio(inflation[di][1]),
          ratio(inflationAfter[di][0]),
          ratio(inflationAfter[di][1]));
    }
    System.out.println();

    System.out.println("## Drift: the level falls 100x over 20,000 steps (batch 1 / 64)");
    System.out.println();
    System.out.println("| design | worst threshold / T* at the end | clean clip rate / p* |");
    System.out.println("|---|---|---|");
    for (int di = 0; di < nd; di++) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %s / %s | %s / %s |%n",
          designs.get(di).name(),
          ratio(driftEnd[di][0]),
          ratio(driftEnd[di][1]),
          ratio(driftClean[di][0]),
          ratio(driftClean[di][1]));
    }
    System.out.println();

    sensitivity(star, seeds, stepsPerRun);
    identity(star, seeds, stepsPerRun);
    System.out.printf(
        Locale.ROOT, "study time %.1f s%n", (System.nanoTime() - started) / 1e9);
  }

  /** The chosen design's constants: warm-up length K and the quartile spread k. */
  private static void sensitivity(double[][] star, int seeds, int stepsPerRun) {
    List<Design> variants = new ArrayList<>();
    for (int k : new int[] {16, 64, 256}) {
      variants.add(core("auto K " + k, AlrcConfig.builder().warmup(k).build()));
    }
    for (double spread : new double[] {4, 8}) {
      variants.add(robust("auto spread " + (int) spread, Bound.MAD, spread, K, true));
    }
    System.out.println(
        "## Sensitivity of auto: warm-up length K (spread 6) and spread (K 64); batch 1 / 64");
    System.out.println();
    System.out.println(
        "| variant | clean clip rate / p* (lognormal 1, Pareto 1.5) | 1000x warm-up spikes clipped |"
            + " worst inflation | adapted by step (worst) |");
    System.out.println("|---|---|---|---|---|");
    for (Design v : variants) {
      StringBuilder row = new StringBuilder("| " + v.name() + " |");
      String[] rel = new String[2];
      String[] warm = new String[2];
      String[] infl = new String[2];
      String[] adapt = new String[2];
      for (int b = 0; b < 2; b++) {
        int batch = b == 0 ? 1 : 64;
        StringBuilder r = new StringBuilder();
        long worstAdapt = 0;
        for (int d : new int[] {1, 3}) {
          Tally all = new Tally();
          for (int seed = 0; seed < seeds; seed++) {
            Tally t =
                run(v, new Stream(DISTS[d], 1, batch, stepsPerRun, 0, 1, 0, 1), star[d][0],
                    1000L * d + seed, false);
            all.add(t);
            worstAdapt = worstAdapt < 0 || t.adapted < 0 ? -1 : Math.max(worstAdapt, t.adapted);
          }
          r.append(r.length() == 0 ? "" : ", ").append(ratio(all.cleanRate() / star[d][1]));
        }
        rel[b] = r.toString();
        adapt[b] = steps(worstAdapt);
        double worst = 0;
        Tally pooled = new Tally();
        for (int d = 0; d < DISTS.length; d++) {
          Stream s = new Stream(DISTS[d], 1, batch, 300, 0, 1000, 4, 1);
          for (int seed = 0; seed < 4 * seeds; seed++) {
            Tally spiked = run(v, s, star[d][0], 3000L * d + seed, true);
            Tally clean = run(v, s, star[d][0], 3000L * d + seed, false);
            pooled.add(spiked);
            for (int k = 0; k < s.steps; k++) {
              if (Double.isFinite(spiked.thresholds[k]) && Double.isFinite(clean.thresholds[k])) {
                worst = Math.max(worst, spiked.thresholds[k] / clean.thresholds[k]);
              }
            }
          }
        }
        warm[b] = pct(pooled.spikeRate()) + "%";
        infl[b] = ratio(worst);
      }
      row.append(' ').append(rel[0]).append(" / ").append(rel[1]).append(" | ");
      row.append(warm[0]).append(" / ").append(warm[1]).append(" | ");
      row.append(infl[0]).append(" / ").append(infl[1]).append(" | ");
      row.append(adapt[0]).append(" / ").append(adapt[1]).append(" |");
      System.out.println(row);
    }
    System.out.println();
  }

  /** Checks that the study's own implementation of the auto start is the core's, step for step. */
  private static void identity(double[][] star, int seeds, int stepsPerRun) {
    Design mine = robust("study MAD+BC", Bound.MAD, 6, K, true);
    Design core = core("core auto", AlrcConfig.auto());
    long steps = 0;
    long differ = 0;
    for (int d = 0; d < DISTS.length; d++) {
      for (int batch : new int[] {1, 64}) {
        Stream s = new Stream(DISTS[d], 1, batch, stepsPerRun, 0.02, 100, 4, 1);
        for (int seed = 0; seed < seeds; seed++) {
          Tally a = run(mine, s, star[d][0], 5000L * d + seed, true);
          Tally b = run(core, s, star[d][0], 5000L * d + seed, true);
          for (int k = 0; k < s.steps; k++) {
            steps++;
            if (Double.doubleToLongBits(a.thresholds[k])
                != Double.doubleToLongBits(b.thresholds[k])) {
              differ++;
            }
          }
          if (a.cleanClipped != b.cleanClipped || a.spikesClipped != b.spikesClipped) {
            differ++;
          }
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "The study's MAD+BC and the core's auto profile: %d of %d step thresholds differ (bit for"
            + " bit), clip counts %s.%n%n",
        differ,
        steps,
        differ == 0 ? "equal" : "checked");
  }
}
