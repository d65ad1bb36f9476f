package io.alrc.spark;

import io.alrc.cli.AlrcCommand;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.sweep.SweepRuns;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.spark.TaskContext;

/**
 * The body of a sweep's Spark task: runs {@code alrc train} for one run inside the executor JVM,
 * exactly as the child JVM of a local sweep would ({@link AlrcCommand}, same arguments), with its
 * output appended to the run's {@code log.txt}.
 *
 * <p>One training per JVM: DJL's gradient collector is JVM-wide and its random seed is global, so
 * two runs must never overlap in one executor. The sweep asks for one task slot per executor; this
 * class also holds a JVM-wide lock while training and fails a second task that arrives meanwhile
 * (Spark then retries it), rather than letting it corrupt the first.
 */
final class InProcessTraining {
  private static final ReentrantLock ONE_TRAINING = new ReentrantLock();

  private InProcessTraining() {}

  /**
   * Starts, resumes or (if it finished before) just reports the run.
   *
   * @throws RunFailedException if the run did not end with {@code summary.json}
   * @throws IllegalStateException if another training is running in this JVM
   */
  static TaskResult train(RunTask task) {
    if (!ONE_TRAINING.tryLock()) {
      throw new IllegalStateException("another training is already running in this executor JVM"
          + " (DJL allows one at a time): give each executor one task slot, e.g. spark.task.cpus"
          + " equal to spark.executor.cores, or local[1] / local-cluster[N,1,MB]");
    }
    try {
      return trainLocked(task);
    } finally {
      ONE_TRAINING.unlock();
    }
  }

  private static TaskResult trainLocked(RunTask task) {
    long start = System.nanoTime();
    Path dir = Path.of(task.dir());
    RunFiles files = new RunFiles(dir);
    String host = host();
    try {
      if (files.finished()) {
        return new TaskResult(task.index(), Files.readString(files.summary()), 0, host, true);
      }
      boolean resume = SweepRuns.resumes(dir);
      List<String> args = SweepRuns.trainArguments(task.args(), dir);
      TaskContext context = TaskContext.get();
      String where = "spark on " + host
          + (context != null ? ", stage " + context.stageId() + " attempt " + context.attemptNumber() : "");
      SweepRuns.beginAttempt(dir, resume, where, args);
      int exit;
      try (PrintWriter log = new PrintWriter(Files.newBufferedWriter(dir.resolve(SweepRuns.LOG),
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND), true)) {
        exit = AlrcCommand.commandLine(log, log).execute(args.toArray(String[]::new));
      }
      if (exit == 0 && files.finished()) {
        return new TaskResult(task.index(), Files.readString(files.summary()),
            (System.nanoTime() - start) / 1e9, host, false);
      }
      throw new RunFailedException("alrc train exited " + exit + ": "
          + (exit == 0 ? "exited 0 without writing summary.json" : SweepRuns.lastLine(dir.resolve(SweepRuns.LOG))));
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown host";
    }
  }
}
