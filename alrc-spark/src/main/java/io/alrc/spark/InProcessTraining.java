package io.alrc.spark;

import io.alrc.cli.AlrcCommand;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.sweep.SweepRuns;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * The body of a sweep's Spark task: runs {@code alrc train} for one run inside the executor JVM,
 * exactly as the child JVM of a local sweep would ({@link AlrcCommand}, same arguments), with its
 * output appended to the run's {@code log.txt}.
 *
 * <p>In an executor JVM of its own (not the driver's, as in {@code local[1]}) the task also points
 * {@code System.out} and {@code System.err} at the log while it trains, so that the log holds what a
 * child JVM's would (progress lines, the step a resumed run continues from).
 *
 * <p>One training per JVM: DJL's gradient collector is JVM-wide and its random seed is global, so
 * two runs must never overlap in one executor. The sweep asks for one task slot per executor; this
 * class also holds a JVM-wide lock while training and fails a second task that arrives meanwhile
 * (Spark then retries it), rather than letting it corrupt the first.
 *
 * <p>One attempt per run directory: an attempt holds an exclusive file lock on the run's {@value
 * #LOCK} from before it decides to start or resume until the training ends, so a retried attempt
 * never writes the directory while an earlier attempt of the same run is still alive (an executor
 * the driver has given up on, e.g. after losing its worker, may still be finishing its last step
 * and checkpoint). A retry that finds the lock held waits up to {@link #LOCK_WAIT_SECONDS} and then
 * fails (Spark retries it again). The lock is the operating system's, released when its JVM dies;
 * on a file system without locks the attempt goes on without one. It is a file of its own, which
 * nothing else opens: POSIX drops a process's lock on a file when the process closes any other
 * descriptor of that file, as appending to the log does.
 */
final class InProcessTraining {
  /** The run directory's lock file, held by the attempt that trains the run; empty. */
  static final String LOCK = ".attempt.lock";

  /** How long an attempt waits for an earlier attempt of its run to let go of the run directory. */
  static final int LOCK_WAIT_SECONDS = 120;

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
    String host = host();
    try {
      try (RunLock lock = lockRunDirectory(dir, LOCK_WAIT_SECONDS)) {
        return attempt(task, dir, host, start);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
  }

  /** A held run-directory lock ({@code lock} null on a file system without locks); closing releases it. */
  record RunLock(FileChannel channel, FileLock lock) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      channel.close(); // releases the lock
    }
  }

  /**
   * Takes the run directory's lock (creating the directory and {@value #LOCK}), waiting for an
   * earlier attempt to let go.
   *
   * @param waitSeconds how long to wait for it
   * @throws IllegalStateException if another attempt still holds it after {@code waitSeconds}
   * @throws IOException if the lock file cannot be created
   */
  static RunLock lockRunDirectory(Path dir, int waitSeconds) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(LOCK);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
    try {
      while (true) {
        FileLock lock;
        try {
          lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
          lock = null; // held by this JVM (an attempt that has not ended yet): wait as for another JVM
        }
        if (lock != null) {
          return new RunLock(channel, lock);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(dir + ": another attempt of this run still holds " + file
              + " after " + waitSeconds + " s (an executor that is still training it); this attempt gives"
              + " up so as not to write the run directory twice");
        }
        Thread.sleep(500);
      }
    } catch (IOException noLocks) {
      return new RunLock(channel, null); // e.g. a network file system mounted without lock support
    } catch (InterruptedException e) {
      channel.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(dir + ": interrupted while waiting for an earlier attempt of this run", e);
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static TaskResult attempt(RunTask task, Path dir, String host, long start) throws IOException {
    RunFiles files = new RunFiles(dir);
    if (files.finished()) {
      return new TaskResult(task.index(), Files.readString(files.summary()), 0, host, true);
    }
    boolean resume = SweepRuns.resumes(dir);
    List<String> args = SweepRuns.trainArguments(task.args(), dir);
    SweepRuns.beginAttempt(dir, resume, where(host), args);
    int exit;
    SparkEnv env = SparkEnv.get();
    boolean ownJvm = env != null && !"driver".equals(env.executorId());
    PrintStream out = System.out;
    PrintStream err = System.err;
    try (PrintStream logStream = new PrintStream(new FileOutputStream(dir.resolve(SweepRuns.LOG).toFile(), true),
            true, StandardCharsets.UTF_8);
        PrintWriter log = new PrintWriter(new OutputStreamWriter(logStream, StandardCharsets.UTF_8), true)) {
      if (ownJvm) {
        // what a local sweep's child JVM prints (progress, resume messages) lands in log.txt too
        System.setOut(logStream);
        System.setErr(logStream);
      }
      try {
        exit = AlrcCommand.commandLine(log, log).execute(args.toArray(String[]::new));
      } finally {
        if (ownJvm) {
          System.setOut(out);
          System.setErr(err);
        }
      }
    }
    if (exit == 0 && files.finished()) {
      return new TaskResult(task.index(), Files.readString(files.summary()),
          (System.nanoTime() - start) / 1e9, host, false);
    }
    throw new RunFailedException("alrc train exited " + exit + ": "
        + (exit == 0 ? "exited 0 without writing summary.json" : SweepRuns.lastLine(dir.resolve(SweepRuns.LOG))));
  }

  /**
   * Where this attempt runs, for its line in the log: {@code spark on HOST, executor E (pid P), stage
   * S attempt A}.
   */
  private static String where(String host) {
    StringBuilder w = new StringBuilder("spark on ").append(host);
    SparkEnv env = SparkEnv.get();
    if (env != null) {
      w.append(", executor ").append(env.executorId());
    }
    w.append(" (pid ").append(ProcessHandle.current().pid()).append(')');
    TaskContext context = TaskContext.get();
    if (context != null) {
      w.append(", stage ").append(context.stageId()).append(" attempt ").append(context.attemptNumber());
    }
    return w.toString();
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown host";
    }
  }
}
