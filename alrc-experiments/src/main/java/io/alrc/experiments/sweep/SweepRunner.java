package io.alrc.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a sweep: each run is a separate JVM ({@code alrc train ... --out RUN_DIR}, or {@code alrc
 * train --resume RUN_DIR} for a run that started before), at most {@code parallel} at a time, with
 * the child's standard output and error appended to {@code RUN_DIR/log.txt}.
 *
 * <p>Idempotent: a run whose directory holds {@code summary.json} is skipped; one that holds
 * {@code config.json} but no summary is resumed from its checkpoint; others start afresh. A run
 * that exits with a non-zero code, or exits 0 without a summary, is recorded in {@code
 * RUN_DIR/failed.txt} (exit code, command, the last lines of its log) and the sweep goes on; a
 * later sweep tries it again (resuming it if it got as far as writing its configuration).
 *
 * <p>{@link #stop()} (called by a shutdown hook while {@link #run} runs, e.g. on Ctrl-C) starts no
 * further runs and destroys the running children; their checkpoints are written atomically, so the
 * next sweep resumes them.
 *
 * <p>One {@code run} at a time per instance.
 */
public final class SweepRunner {
  /** Each run's captured output, appended to by every attempt: {@link SweepRuns#LOG}. */
  public static final String LOG = SweepRuns.LOG;

  /** Written when a run fails: {@link SweepRuns#FAILED}. */
  public static final String FAILED = SweepRuns.FAILED;

  /**
   * Keys of {@code config.json} that may differ between a run directory and the spec (the CPU is
   * recorded when a run starts, for information).
   */
  static final Set<String> MAY_DIFFER = Set.of("data", "threads", "version", "cpu", "cpu_flags");

  /** Keys whose absence in a run directory written by an earlier version means this value. */
  static final Map<String, String> ABSENT_MEANS = Map.of("precision", "\"" + TrainConfig.FP32 + "\"");

  /** The detail of a run the sweep never started because it was stopped. */
  static final String NOT_STARTED = "not started: the sweep was stopped";

  /** What a sweep does with a run. */
  public enum Action {
    /** Start it: its directory holds no run yet. */
    START,
    /** Resume it from its checkpoint: it started before and did not finish. */
    RESUME,
    /** Nothing: it finished before. */
    SKIP
  }

  /** How a run ended in this sweep. */
  public enum State {
    /** It had finished before; not run. */
    SKIPPED,
    /** It ran to the end (exit 0 and {@code summary.json}). */
    FINISHED,
    /** It exited with an error, or without a summary; see {@code failed.txt}. */
    FAILED,
    /** The sweep was stopped before the run started or while it ran. */
    INTERRUPTED
  }

  /**
   * One run and what the sweep will do with it.
   *
   * @param index the run's position in the sweep, from 1
   * @param run the run
   * @param dir its directory
   * @param action what to do
   * @param stepsBefore steps it had logged before (resumed runs), for progress
   */
  public record Plan(int index, SweepRun run, Path dir, Action action, long stepsBefore) {}

  /**
   * How one run ended.
   *
   * @param plan the run
   * @param state how it ended
   * @param exitCode the child's exit code, or -1 if there was no child
   * @param seconds wall time of this attempt
   * @param detail for failures, the reason in one line (e.g. the last line of the log)
   */
  public record Outcome(Plan plan, State state, int exitCode, double seconds, String detail) {}

  /** The outcome of every run, in sweep order. */
  public record Result(List<Outcome> outcomes) {
    /** The number of runs that ended in {@code state}. */
    public long count(State state) {
      return outcomes.stream().filter(o -> o.state() == state).count();
    }

    /** The runs that ended in {@code state}. */
    public List<Outcome> with(State state) {
      return outcomes.stream().filter(o -> o.state() == state).toList();
    }
  }

  /**
   * A snapshot of the whole sweep, for progress displays.
   *
   * @param stepsDone steps trained in finished, failed and skipped runs plus the running runs'
   *     latest reported step
   * @param stepsTotal steps of all runs
   * @param running runs running now
   * @param ended runs that ended (finished, failed or skipped)
   * @param failed runs that failed
   * @param total runs in the sweep
   * @param etaSeconds estimated seconds to the end, NaN before there is a rate
   */
  public record Status(long stepsDone, long stepsTotal, int running, int ended, int failed, int total,
      double etaSeconds) {}

  /** Receives the sweep's events; called from several threads, so implementations synchronise. */
  public interface Listener {
    /** Before anything runs. */
    void planned(List<Plan> plans);

    /** A child JVM started for {@code plan}. */
    void started(Plan plan);

    /** A run ended (not called for skipped runs). */
    void ended(Outcome outcome);

    /** About once per {@code tick} while the sweep runs. */
    void status(Status status);
  }

  private final List<String> javaCommand;
  private final int parallel;
  private final Listener listener;
  private final long tickMillis;
  private final Object lock = new Object();
  private final Set<Process> live = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  /**
   * @param javaCommand the command that runs {@code alrc} in a new JVM, without the subcommand:
   *     {@code java [options] -cp CLASSPATH io.alrc.cli.AlrcCommand}
   * @param parallel runs at a time, at least 1
   * @param listener progress events
   * @param tickMillis how often {@link Listener#status} is called
   */
  public SweepRunner(List<String> javaCommand, int parallel, Listener listener, long tickMillis) {
    if (parallel < 1) {
      throw new IllegalArgumentException("parallel (" + parallel + ") must be >= 1");
    }
    this.javaCommand = List.copyOf(javaCommand);
    this.parallel = parallel;
    this.listener = listener;
    this.tickMillis = tickMillis;
  }

  /**
   * Decides what to do with each run, from what its directory holds.
   *
   * @throws SpecException if a run directory holds a run whose {@code config.json} differs from
   *     the spec's (beyond {@link #MAY_DIFFER}): the spec changed since that run started
   */
  public static List<Plan> plan(List<SweepRun> runs, Path outDir) {
    List<Plan> plans = new ArrayList<>();
    List<String> mismatches = new ArrayList<>();
    int index = 0;
    for (SweepRun run : runs) {
      index++;
      Path dir = outDir.resolve(run.name());
      RunFiles files = new RunFiles(dir);
      Action action = Action.START;
      long before = 0;
      if (Files.isRegularFile(files.config())) {
        String diff = difference(files.config(), run);
        if (diff != null) {
          mismatches.add(files.config() + " differs from the spec: " + diff);
        }
        action = files.finished() ? Action.SKIP : Action.RESUME;
        if (action == Action.RESUME) {
          before = SweepRuns.loggedSteps(files.metrics());
        }
      }
      plans.add(new Plan(index, run, dir, action, action == Action.SKIP ? run.config().steps() : before));
    }
    if (!mismatches.isEmpty()) {
      throw new SpecException(mismatches.get(0)
          + (mismatches.size() > 1 ? " (and " + (mismatches.size() - 1) + " more run directories)" : "")
          + "; the spec changed since these runs started: use another --out, or delete those run directories");
    }
    return plans;
  }

  /** Which keys of the stored configuration differ from the run's, or null if none. */
  private static String difference(Path configFile, SweepRun run) {
    JsonNode stored;
    try {
      stored = RunFiles.readJson(configFile);
    } catch (java.io.UncheckedIOException e) {
      return "it cannot be read (" + e.getMessage() + ")";
    }
    if (!stored.isObject()) {
      return "it is not a JSON object";
    }
    ObjectNode expected = RunFiles.JSON.valueToTree(run.config());
    Set<String> keys = new TreeSet<>();
    stored.fieldNames().forEachRemaining(keys::add);
    expected.fieldNames().forEachRemaining(keys::add);
    List<String> diffs = new ArrayList<>();
    for (String key : keys) {
      if (MAY_DIFFER.contains(key)) {
        continue;
      }
      // compare as text: 1000 read back is an int, the record's long is a long
      String a = stored.has(key) ? stored.get(key).toString() : ABSENT_MEANS.getOrDefault(key, "(absent)");
      String b = expected.has(key) ? expected.get(key).toString() : "(absent)";
      if (!a.equals(b)) {
        diffs.add(key + " is " + a + " there, " + b + " in the spec");
      }
    }
    return diffs.isEmpty() ? null : String.join(", ", diffs);
  }

  /**
   * Runs every planned run that is not skipped and waits for all of them. Registers a shutdown
   * hook that calls {@link #stop()} while it runs.
   *
   * @return every run's outcome, in plan order
   * @throws InterruptedException if the calling thread is interrupted (the children are stopped)
   */
  public Result run(List<Plan> plans) throws InterruptedException {
    Thread hook = new Thread(this::stopAndWait, "alrc-sweep-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    AtomicInteger threadCount = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
      Thread t = new Thread(r, "alrc-sweep-" + threadCount.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      return runAll(plans, pool);
    } catch (InterruptedException e) {
      stopAndWait();
      throw e;
    } finally {
      pool.shutdownNow();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook runs anyway
      }
    }
  }

  private Result runAll(List<Plan> plans, ExecutorService pool) throws InterruptedException {
    listener.planned(plans);
    Outcome[] outcomes = new Outcome[plans.size()];
    CompletionService<Outcome> completion = new ExecutorCompletionService<>(pool);
    Map<Integer, Plan> running = new ConcurrentHashMap<>();
    long stepsTotal = 0;
    long stepsEnded = 0;
    long stepsAtStart = 0;
    int pending = 0;
    int ended = 0;
    int failed = 0;
    for (Plan p : plans) {
      stepsTotal += p.run().config().steps();
      stepsAtStart += p.stepsBefore();
      if (p.action() == Action.SKIP) {
        outcomes[p.index() - 1] = new Outcome(p, State.SKIPPED, -1, 0, "finished before");
        stepsEnded += p.run().config().steps();
        ended++;
      } else {
        completion.submit(() -> {
          running.put(p.index(), p);
          try {
            return execute(p);
          } finally {
            running.remove(p.index());
          }
        });
        pending++;
      }
    }
    long start = System.nanoTime();
    long nextTick = 0;
    while (pending > 0) {
      Future<Outcome> f = completion.poll(Math.min(tickMillis, 250), TimeUnit.MILLISECONDS);
      if (f != null) {
        Outcome o;
        try {
          o = f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("a sweep worker failed: " + e.getCause(), e.getCause());
        }
        outcomes[o.plan().index() - 1] = o;
        pending--;
        if (o.state() != State.INTERRUPTED) {
          ended++;
          stepsEnded += o.plan().run().config().steps();
        }
        if (o.state() == State.FAILED) {
          failed++;
        }
        if (!o.detail().equals(NOT_STARTED)) {
          listener.ended(o); // after a stop, a line per run that never started would only be noise
        }
      }
      long now = System.nanoTime();
      if (now >= nextTick || pending == 0) {
        nextTick = now + tickMillis * 1_000_000L;
        long done = stepsEnded;
        for (Plan p : running.values()) {
          done += Math.max(p.stepsBefore(), Math.min(p.run().config().steps(), SweepRuns.reportedStep(p.dir())));
        }
        double elapsed = (now - start) / 1e9;
        double rate = elapsed > 5 ? (done - stepsAtStart) / elapsed : 0;
        double eta = rate > 0 ? (stepsTotal - done) / rate : Double.NaN;
        listener.status(new Status(done, stepsTotal, running.size(), ended, failed, plans.size(), eta));
      }
    }
    return new Result(Collections.unmodifiableList(Arrays.asList(outcomes)));
  }

  /** Runs one child JVM and classifies how it ended. */
  private Outcome execute(Plan plan) {
    long start = System.nanoTime();
    Path dir = plan.dir();
    Path log = dir.resolve(LOG);
    boolean resume = SweepRuns.resumes(dir);
    List<String> command = new ArrayList<>(javaCommand);
    command.addAll(SweepRuns.trainArguments(plan.run(), dir));
    Process process;
    try {
      synchronized (lock) {
        if (stopping) {
          return new Outcome(plan, State.INTERRUPTED, -1, 0, NOT_STARTED);
        }
        SweepRuns.beginAttempt(dir, resume, "", command);
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.PIPE);
        process = builder.start();
        live.add(process);
      }
      process.getOutputStream().close(); // the child reads nothing
    } catch (IOException e) {
      return failed(plan, -1, start, command, "could not start: " + e.getMessage());
    }
    listener.started(plan);
    int exit;
    try {
      exit = process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroy();
      return new Outcome(plan, State.INTERRUPTED, -1, seconds(start), "interrupted");
    } finally {
      live.remove(process);
    }
    if (stopping) {
      return new Outcome(plan, State.INTERRUPTED, exit, seconds(start), "stopped");
    }
    if (exit == 0 && new RunFiles(dir).finished()) {
      try {
        Files.deleteIfExists(dir.resolve(FAILED)); // a finished run has not failed
      } catch (IOException e) {
        // beginAttempt removed it already; a leftover one is removed by the next sweep's tidy
      }
      return new Outcome(plan, State.FINISHED, 0, seconds(start), "");
    }
    return failed(plan, exit, start, command,
        exit == 0 ? "exited 0 without writing summary.json" : SweepRuns.lastLine(log));
  }

  private Outcome failed(Plan plan, int exit, long start, List<String> command, String detail) {
    String recorded = SweepRuns.recordFailure(plan.dir(), exit, detail, command);
    return new Outcome(plan, State.FAILED, exit, seconds(start), recorded);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  /** Starts no further runs and destroys the running children (SIGTERM). */
  public void stop() {
    List<Process> toStop;
    synchronized (lock) {
      stopping = true;
      toStop = new ArrayList<>(live);
    }
    for (Process p : toStop) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
  }

  /** {@link #stop()}, then waits up to 10 s for the children, killing those still alive. */
  private void stopAndWait() {
    stop();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Process p : new ArrayList<>(live)) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Whether {@link #stop()} was called. */
  public boolean stopped() {
    return stopping;
  }

  /** Formats seconds as {@code 12 s}, {@code 3.4 min} or {@code 1.2 h}. */
  public static String duration(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "?";
    }
    if (seconds < 120) {
      return String.format(Locale.ROOT, "%.0f s", seconds);
    }
    if (seconds < 7200) {
      return String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }
    return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
  }
}
