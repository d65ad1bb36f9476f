package io.alrc.experiments.sweep;

import io.alrc.experiments.sweep.SweepRunner.Listener;
import io.alrc.experiments.sweep.SweepRunner.Plan;
import io.alrc.experiments.sweep.SweepRunner.Result;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Another way to run a sweep's planned runs than {@link SweepRunner}'s child JVMs, found at run time
 * through {@link ServiceLoader} so that its dependencies stay off the default class path: {@code
 * alrc-spark} provides {@code spark} ({@code alrc sweep SPEC --out DIR --spark MASTER}).
 *
 * <p>An executor keeps the sweep's semantics: it runs the plans it is given (skipped plans are
 * reported as {@link SweepRunner.State#SKIPPED} without running), starts or resumes each run as
 * {@link SweepRuns#trainArguments} says when the attempt begins, appends to the run's {@code
 * log.txt}, and records a run that did not end with {@code summary.json} in {@code failed.txt}
 * through {@link SweepRuns#recordFailure} while the other runs go on.
 */
public interface SweepExecutor {
  /**
   * What to run, and where.
   *
   * @param master where to run, in the executor's own terms (for Spark: its master URL, e.g.
   *     {@code local[1]})
   * @param out the sweep folder; run directories are {@link Plan#dir()}
   * @param plans the runs, from {@link SweepRunner#plan}
   * @param conf executor settings as {@code key -> value} (for Spark: configuration properties)
   */
  record Request(String master, Path out, List<Plan> plans, Map<String, String> conf) {
    public Request {
      plans = List.copyOf(plans);
      conf = Map.copyOf(conf);
    }
  }

  /** The name that selects this executor, e.g. {@code spark}. */
  String name();

  /**
   * Checks the request before anything runs (e.g. a master that would run two trainings in one
   * JVM).
   *
   * @throws IllegalArgumentException with a message that names the setting and the fix
   */
  void check(Request request);

  /**
   * Runs every plan that is not skipped and waits for all of them.
   *
   * @return every run's outcome, in plan order
   * @throws IllegalArgumentException if {@link #check} rejects the request
   * @throws InterruptedException if the calling thread is interrupted (running runs are cancelled;
   *     their checkpoints stay)
   */
  Result run(Request request, Listener listener) throws InterruptedException;

  /** The executor named {@code name} on the class path, if any. */
  static Optional<SweepExecutor> find(String name) {
    for (SweepExecutor e : ServiceLoader.load(SweepExecutor.class)) {
      if (e.name().equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
