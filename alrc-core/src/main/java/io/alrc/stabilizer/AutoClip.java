package io.alrc.stabilizer;

import io.alrc.snapshot.SnapshotFormat;
import io.alrc.telemetry.StepTelemetry;
import java.util.Arrays;

/**
 * AutoClip (Seetharaman, Wichern, Pardo, Le Roux, "AutoClip: Adaptive Gradient Clipping for Source
 * Separation Networks", MLSP 2020): the global norm is clipped at the {@code p}-th percentile of
 * the history of global norms.
 *
 * <pre>
 * history.append(norm)                     # the current norm is part of the history
 * c     = percentile(history, p)           # linear interpolation between order statistics
 * scale = min(1, c / (norm + 1e-6))
 * </pre>
 *
 * The percentile interpolates like NumPy's default: rank {@code p/100 * (k - 1)} among the {@code
 * k} sorted norms. The history records the norms before clipping, as the authors' code does.
 *
 * <h2>Bounded memory</h2>
 *
 * The authors keep every norm; this implementation keeps the most recent {@code window} norms
 * (default {@value #DEFAULT_WINDOW}), so memory and time per step are {@code O(window)}: the state
 * holds the window in arrival order and in sorted order, and a step copies both (the state is
 * immutable) and moves one element, with no sort. With {@code window} at least the run's length it
 * is the authors' algorithm exactly.
 *
 * <p>{@code p = 10} is the authors' recommendation. Non-finite norms skip the step (scale 0, state
 * unchanged) and never enter the history. Thread-safe and immutable.
 */
public final class AutoClip implements NormStabilizer<AutoClip.State> {
  /** The kind written in snapshots and telemetry. */
  public static final String KIND = "autoclip";

  /** The default history window, in steps. */
  public static final int DEFAULT_WINDOW = 10_000;

  /** The authors' recommended percentile. */
  public static final double DEFAULT_PERCENTILE = 10;

  private final double percentile;
  private final int window;

  /** AutoClip with the recommended percentile (10) and the default window. */
  public AutoClip() {
    this(DEFAULT_PERCENTILE, DEFAULT_WINDOW);
  }

  /**
   * @param percentile {@code p}, in [0, 100]
   * @param window the number of most recent norms kept; &gt;= 1
   */
  public AutoClip(double percentile, int window) {
    if (!(percentile >= 0 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile (" + percentile + ") must be in [0, 100]");
    }
    if (window < 1) {
      throw new IllegalArgumentException("window (" + window + ") must be >= 1");
    }
    this.percentile = percentile;
    this.window = window;
  }

  /** The percentile {@code p}. */
  public double percentile() {
    return percentile;
  }

  /** The history window, in steps. */
  public int window() {
    return window;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public State init() {
    return new State(new double[0], new double[0], 0, 0);
  }

  @Override
  public NormStep<State> update(double globalNorm, State state) {
    Norms.checkNorm(globalNorm);
    long step = state.steps + 1;
    if (!Double.isFinite(globalNorm)) {
      return new NormStep<>(
          0,
          state,
          GlobalNormClipper.skippedTelemetry(step, globalNorm, state.threshold(percentile)));
    }
    int size = state.arrival.length;
    double[] arrival;
    double[] sorted;
    int next;
    if (size < window) {
      arrival = Arrays.copyOf(state.arrival, size + 1);
      arrival[size] = globalNorm;
      sorted = Arrays.copyOf(state.sorted, size + 1);
      insertSorted(sorted, size, globalNorm);
      next = 0;
    } else {
      arrival = state.arrival.clone();
      sorted = state.sorted.clone();
      double evicted = arrival[state.next];
      arrival[state.next] = globalNorm;
      removeSorted(sorted, evicted);
      insertSorted(sorted, size - 1, globalNorm);
      next = (state.next + 1) % window;
    }
    State after = new State(arrival, sorted, next, step);
    double c = after.threshold(percentile);
    double scale = Norms.clipScale(globalNorm, c);
    return new NormStep<>(
        scale,
        after,
        new StepTelemetry(
            step, globalNorm, c, Double.NaN, Double.NaN, scale < 1 ? 1 : 0, scale, false));
  }

  /** Inserts {@code v} into the first {@code n} (sorted) elements of {@code a}, which has room. */
  private static void insertSorted(double[] a, int n, double v) {
    int pos = Arrays.binarySearch(a, 0, n, v);
    if (pos < 0) {
      pos = -pos - 1;
    }
    System.arraycopy(a, pos, a, pos + 1, n - pos);
    a[pos] = v;
  }

  /** Removes one occurrence of {@code v} from sorted {@code a}, leaving the last slot free. */
  private static void removeSorted(double[] a, double v) {
    int pos = Arrays.binarySearch(a, v);
    if (pos < 0) {
      throw new IllegalStateException("AutoClip history is inconsistent: " + v + " not found");
    }
    System.arraycopy(a, pos + 1, a, pos, a.length - pos - 1);
  }

  @Override
  public byte[] snapshot(State state) {
    return SnapshotFormat.encode(
        KIND,
        out -> {
          out.writeDouble(percentile);
          out.writeInt(window);
          out.writeLong(state.steps);
          out.writeInt(state.next);
          Snapshots.writeDoubles(out, state.arrival);
        });
  }

  @Override
  public State restore(byte[] bytes) {
    return SnapshotFormat.decode(
        bytes,
        KIND,
        in -> {
          Snapshots.expectSame("percentile", in.readDouble(), percentile);
          Snapshots.expectSame("window", in.readInt(), window);
          long steps = in.readLong();
          int next = in.readInt();
          int size = in.readInt();
          if (size < 0 || size > window || next < 0 || (next > 0 && next >= size)) {
            throw new IllegalArgumentException(
                "AutoClip snapshot is corrupt: history size " + size + ", next " + next
                    + ", window " + window);
          }
          double[] arrival = Snapshots.readDoubles(in, size);
          double[] sorted = arrival.clone(); // derived values are recomputed, not trusted
          Arrays.sort(sorted);
          return new State(arrival, sorted, next, steps);
        });
  }

  /**
   * AutoClip's state: the window of recent norms. Immutable; {@link #history()} returns a copy.
   */
  public static final class State {
    private final double[] arrival;
    private final double[] sorted;
    private final int next;
    private final long steps;

    State(double[] arrival, double[] sorted, int next, long steps) {
      this.arrival = arrival;
      this.sorted = sorted;
      this.next = next;
      this.steps = steps;
    }

    /** Steps processed so far, skipped ones excluded. */
    public long steps() {
      return steps;
    }

    /** The kept norms, oldest first. */
    public double[] history() {
      double[] out = new double[arrival.length];
      int n = arrival.length;
      for (int i = 0; i < n; i++) {
        out[i] = arrival[(next + i) % n];
      }
      return out;
    }

    /** The {@code p}-th percentile of the kept norms, or {@code +Infinity} if there are none. */
    public double threshold(double p) {
      int k = sorted.length;
      if (k == 0) {
        return Double.POSITIVE_INFINITY;
      }
      double rank = p / 100.0 * (k - 1);
      int lo = (int) Math.floor(rank);
      int hi = Math.min(lo + 1, k - 1);
      double frac = rank - lo;
      return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s
          && steps == s.steps
          && Arrays.equals(history(), s.history());
    }

    @Override
    public int hashCode() {
      return Long.hashCode(steps) * 31 + Arrays.hashCode(history());
    }

    @Override
    public String toString() {
      return "AutoClip.State[steps=" + steps + ", size=" + arrival.length + "]";
    }
  }
}
