package io.alrc.spark;

import io.alrc.cli.AlrcCommand;
import io.alrc.experiments.sweep.SweepExecutor;
import io.alrc.experiments.sweep.SweepRunner;
import io.alrc.experiments.sweep.SweepRunner.Action;
import io.alrc.experiments.sweep.SweepRunner.Listener;
import io.alrc.experiments.sweep.SweepRunner.Outcome;
import io.alrc.experiments.sweep.SweepRunner.Plan;
import io.alrc.experiments.sweep.SweepRunner.Result;
import io.alrc.experiments.sweep.SweepRunner.State;
import io.alrc.experiments.sweep.SweepRunner.Status;
import io.alrc.experiments.sweep.SweepRuns;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;

/**
 * Runs a sweep on Apache Spark ({@code alrc sweep SPEC --out DIR --spark MASTER}): one Spark job of
 * one task per run, submitted in sweep order, so a run that fails for good fails its own job only
 * and the others go on. Each task trains its run inside the executor JVM ({@link
 * InProcessTraining}), writing the run directory under {@code DIR}, which must be a path every
 * executor sees (a shared file system; {@code file:} paths only).
 *
 * <p>Spark retries a failed task as its policy says ({@code spark.task.maxFailures}; in local mode
 * {@code local[1,F]}); after the last attempt the driver records the run in {@code failed.txt}.
 * At the end the driver writes the same report as {@code alrc report DIR --no-examples} to {@code
 * DIR/report}. Skipping finished runs and resuming started ones follow {@link SweepRunner#plan} and
 * {@link SweepRuns}, as in a local sweep.
 */
public final class SparkSweepExecutor implements SweepExecutor {
  /** The local property that tells the driver's listener which run a job trains. */
  static final String RUN_PROPERTY = "alrc.sweep.run";

  private static final Pattern EXIT = Pattern.compile("alrc train exited (-?\\d+)");
  private static final Pattern ATTEMPTS = Pattern.compile("failed (\\d+) times");

  @Override
  public String name() {
    return "spark";
  }

  @Override
  public void check(Request request) {
    // under spark-submit the master and --conf settings arrive as spark.* system properties
    Map<String, String> conf = new java.util.HashMap<>();
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("spark."))
        .forEach(k -> conf.put(k, System.getProperty(k)));
    conf.putAll(request.conf());
    String master = request.master();
    if (master.equals(Masters.SUBMIT)) {
      master = conf.getOrDefault("spark.master", "");
      if (master.isEmpty()) {
        throw new IllegalArgumentException("--spark submit: no spark.master is set; 'submit' takes the master"
            + " that spark-submit was given, so use it under spark-submit, or give a master, e.g. local[1]");
      }
    }
    Masters.check(master, conf);
    Masters.checkExecutorSetup(master, conf, System.getenv("SPARK_HOME"));
    String out = request.out().toString();
    if (out.matches("[A-Za-z][A-Za-z0-9+.-]+:.*")) {
      throw new IllegalArgumentException("--out " + out + ": a URI; runs write their directories through"
          + " the local file system, so OUT must be a path that the driver and every executor see (e.g. an"
          + " NFS mount); Hadoop file systems (hdfs:, s3a:) are not supported");
    }
  }

  @Override
  public Result run(Request request, Listener listener) throws InterruptedException {
    check(request);
    List<Plan> plans = request.plans();
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // with the CLI's slf4j-simple binding Spark logs every scheduler event at INFO; warnings suffice
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    SparkConf conf = new SparkConf().setAppName("alrc sweep " + request.out().getFileName());
    if (!request.master().equals(Masters.SUBMIT)) {
      conf.setMaster(request.master());
    }
    if (request.master().startsWith("local")) {
      conf.setIfMissing("spark.ui.enabled", "false"); // a local sweep needs no web UI; it costs start time
    }
    request.conf().forEach(conf::set);
    executorDefaults(conf);

    Outcome[] outcomes = new Outcome[plans.size()];
    Map<Integer, Long> running = new ConcurrentHashMap<>();
    Set<Integer> started = ConcurrentHashMap.newKeySet();
    listener.planned(plans);
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      sc.sc().addSparkListener(new RunStarts(index -> {
        if (started.add(index)) {
          running.put(index, System.nanoTime());
          listener.started(plans.get(index - 1));
        }
      }));
      @SuppressWarnings("unchecked")
      JavaFutureAction<List<TaskResult>>[] jobs = new JavaFutureAction[plans.size()];
      long stepsTotal = 0;
      long stepsAtStart = 0;
      for (Plan p : plans) {
        stepsTotal += p.run().config().steps();
        stepsAtStart += p.stepsBefore();
        if (p.action() == Action.SKIP) {
          outcomes[p.index() - 1] = new Outcome(p, State.SKIPPED, -1, 0, "finished before");
          continue;
        }
        RunTask task = new RunTask(p.index(), p.run().name(), p.dir().toAbsolutePath().toString(),
            p.run().args());
        sc.setLocalProperty(RUN_PROPERTY, Integer.toString(p.index()));
        sc.setJobDescription("alrc train " + p.run().name());
        jobs[p.index() - 1] = sc.parallelize(List.of(task), 1).map(InProcessTraining::train).collectAsync();
      }
      wait(plans, jobs, outcomes, running, listener, sc, stepsTotal, stepsAtStart);
    }
    writeReport(request);
    return new Result(Collections.unmodifiableList(Arrays.asList(outcomes)));
  }

  /**
   * What the executor JVMs need unless the user set it: for {@code local-cluster[...]} (executors on
   * this machine) the driver's class path, so that they find alrc, its engines and their natives;
   * for it and a standalone cluster, the Scala version that Spark's launcher code asks of a worker
   * starting an executor ({@code SPARK_SCALA_VERSION}, which a distribution's scripts export).
   */
  static void executorDefaults(SparkConf conf) {
    String master = conf.get("spark.master", "");
    if (Masters.isLocalCluster(master)) {
      conf.setIfMissing("spark.executor.extraClassPath", driverClassPath());
    }
    if (Masters.isLocalCluster(master) || Masters.isStandalone(master)) {
      String version = scala.util.Properties.versionNumberString();
      conf.setIfMissing("spark.executorEnv.SPARK_SCALA_VERSION", version.substring(0, version.lastIndexOf('.')));
    }
  }

  /** This JVM's class path with absolute entries (an executor starts in a directory of its own). */
  static String driverClassPath() {
    List<String> entries = new java.util.ArrayList<>();
    for (String e : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
      if (!e.isEmpty()) {
        entries.add(java.nio.file.Path.of(e).toAbsolutePath().toString());
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  private static void wait(List<Plan> plans, JavaFutureAction<List<TaskResult>>[] jobs, Outcome[] outcomes,
      Map<Integer, Long> running, Listener listener, JavaSparkContext sc, long stepsTotal, long stepsAtStart)
      throws InterruptedException {
    long start = System.nanoTime();
    long nextTick = 0;
    int pending = 0;
    for (JavaFutureAction<?> j : jobs) {
      pending += j != null ? 1 : 0;
    }
    try {
      while (pending > 0) {
        boolean progressed = false;
        for (int i = 0; i < jobs.length; i++) {
          JavaFutureAction<List<TaskResult>> job = jobs[i];
          if (job == null || outcomes[i] != null) {
            continue;
          }
          Outcome o;
          try {
            List<TaskResult> r = job.get(10, TimeUnit.MILLISECONDS);
            o = new Outcome(plans.get(i), State.FINISHED, 0, r.get(0).seconds(),
                r.get(0).ranBefore() ? "finished before, by an earlier attempt" : "");
          } catch (TimeoutException e) {
            continue;
          } catch (ExecutionException e) {
            o = failed(plans.get(i), e.getCause(), sc);
          }
          outcomes[i] = o;
          running.remove(i + 1);
          pending--;
          progressed = true;
          listener.ended(o);
        }
        if (pending > 0 && sc.sc().isStopped()) {
          // the context went away (e.g. the cluster removed the application): nothing more will end
          for (int i = 0; i < outcomes.length; i++) {
            if (jobs[i] != null && outcomes[i] == null) {
              outcomes[i] = new Outcome(plans.get(i), State.INTERRUPTED, -1, 0, "stopped: the Spark context stopped");
              listener.ended(outcomes[i]);
            }
          }
          pending = 0;
        }
        long now = System.nanoTime();
        if (now >= nextTick || pending == 0) {
          nextTick = now + TimeUnit.SECONDS.toNanos(1);
          listener.status(status(plans, outcomes, running, stepsTotal, stepsAtStart, (now - start) / 1e9));
        }
        if (!progressed) {
          Thread.sleep(200);
        }
      }
    } catch (InterruptedException e) {
      sc.cancelAllJobs();
      for (int i = 0; i < outcomes.length; i++) {
        if (outcomes[i] == null) {
          outcomes[i] = new Outcome(plans.get(i), State.INTERRUPTED, -1, 0, "interrupted");
        }
      }
      throw e;
    }
  }

  /**
   * Driver view of a job that failed: the run's task failed its last attempt (recorded in {@code
   * failed.txt}), or the sweep was stopped (not recorded: the next sweep resumes it).
   */
  private static Outcome failed(Plan plan, Throwable cause, JavaSparkContext sc) {
    String message = String.valueOf(cause.getMessage());
    if (sc.sc().isStopped()) {
      return new Outcome(plan, State.INTERRUPTED, -1, 0, "stopped: " + firstLine(message));
    }
    String detail = taskMessage(message);
    Matcher attempts = ATTEMPTS.matcher(message);
    if (attempts.find()) {
      int n = Integer.parseInt(attempts.group(1));
      detail += " (" + n + (n == 1 ? " attempt)" : " attempts)");
    }
    Matcher exit = EXIT.matcher(detail);
    int code = exit.find() ? Integer.parseInt(exit.group(1)) : -1;
    List<String> command = SweepRuns.trainArguments(plan.run(), plan.dir());
    String recorded = SweepRuns.recordFailure(plan.dir(), code, detail,
        List.of("(spark task) alrc " + String.join(" ", command)));
    return new Outcome(plan, State.FAILED, code, 0, recorded);
  }

  /** The task's own exception message out of Spark's "Job aborted due to stage failure: ..." text. */
  static String taskMessage(String sparkMessage) {
    for (String marker : List.of(RunFailedException.class.getName() + ": ", "Exception: ", "Error: ")) {
      int at = sparkMessage.indexOf(marker);
      if (at >= 0) {
        String rest = sparkMessage.substring(at + (marker.startsWith("io.") ? marker.length() : 0));
        return firstLine(rest);
      }
    }
    return firstLine(sparkMessage);
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return (nl < 0 ? text : text.substring(0, nl)).strip();
  }

  private static Status status(List<Plan> plans, Outcome[] outcomes, Map<Integer, Long> running,
      long stepsTotal, long stepsAtStart, double elapsed) {
    long done = 0;
    int ended = 0;
    int failed = 0;
    for (Outcome o : outcomes) {
      if (o != null && o.state() != State.INTERRUPTED) {
        ended++;
        done += o.plan().run().config().steps();
        failed += o.state() == State.FAILED ? 1 : 0;
      }
    }
    for (int index : running.keySet()) {
      Plan p = plans.get(index - 1);
      done += Math.max(p.stepsBefore(), Math.min(p.run().config().steps(), SweepRuns.reportedStep(p.dir())));
    }
    double rate = elapsed > 5 ? (done - stepsAtStart) / elapsed : 0;
    double eta = rate > 0 ? (stepsTotal - done) / rate : Double.NaN;
    return new Status(done, stepsTotal, running.size(), ended, failed, plans.size(), eta);
  }

  /** {@code alrc report OUT --no-examples}: the report a local sweep's {@code alrc report} writes. */
  private static void writeReport(Request request) {
    StringWriter text = new StringWriter();
    PrintWriter w = new PrintWriter(text);
    int exit = AlrcCommand.commandLine(w, w)
        .execute("report", request.out().toString(), "--no-examples");
    if (exit != 0) {
      System.err.println("alrc sweep: the report was not written: " + text.toString().strip());
    }
  }

  /** Tells which run's task started, from the run index each job carries as a local property. */
  private static final class RunStarts extends SparkListener {
    private final Map<Integer, Integer> runOfStage = new ConcurrentHashMap<>();
    private final java.util.function.IntConsumer onStart;

    RunStarts(java.util.function.IntConsumer onStart) {
      this.onStart = onStart;
    }

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
      String run = jobStart.properties() == null ? null : jobStart.properties().getProperty(RUN_PROPERTY);
      if (run != null) {
        for (Object stage : scala.jdk.javaapi.CollectionConverters.asJava(jobStart.stageIds())) {
          runOfStage.put((Integer) stage, Integer.parseInt(run));
        }
      }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart taskStart) {
      Integer run = runOfStage.get(taskStart.stageId());
      if (run != null) {
        onStart.accept(run);
      }
    }
  }
}
