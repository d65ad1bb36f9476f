package io.alrc.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.experiments.sweep.SweepRuns;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An attempt does not touch a run directory while an earlier attempt of the run, in another JVM,
 * still holds its lock: it waits, gives up with a message, and gets the lock once that JVM is gone;
 * and the lock holds while the attempt writes and reads the run's log.
 */
class RunDirectoryLockTest {
  @TempDir Path dir;

  private static Process probe(String mode, Path file) throws Exception {
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), LockProbe.class.getName(), mode, file.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static String firstLine(Process p) throws Exception {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
  }

  @Test
  void anAttemptWaitsForAnEarlierAttemptInAnotherJvmThenTakesOver() throws Exception {
    Files.createDirectories(dir);
    Path file = dir.resolve(InProcessTraining.LOCK);
    Process holder = probe("hold", file);
    try {
      assertThat(firstLine(holder)).as("the other JVM holds the lock").isEqualTo("locked");
      long start = System.nanoTime();
      assertThatThrownBy(() -> InProcessTraining.lockRunDirectory(dir, 1))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(dir + ": another attempt of this run still holds " + file + " after 1 s (an executor"
              + " that is still training it); this attempt gives up so as not to write the run directory twice");
      assertThat((System.nanoTime() - start) / 1e9).as("it waited").isGreaterThanOrEqualTo(1.0);

      holder.getOutputStream().close(); // the other JVM ends and the OS releases its lock
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
      try (InProcessTraining.RunLock lock = InProcessTraining.lockRunDirectory(dir, 10)) {
        assertThat(lock.lock()).isNotNull();
        assertThat(lock.lock().isValid()).isTrue();
      }
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void theLockHoldsWhileTheAttemptAppendsToAndReadsTheLog() throws Exception {
    Path run = dir.resolve("run");
    try (InProcessTraining.RunLock lock = InProcessTraining.lockRunDirectory(run, 1)) {
      // what an attempt and the driver do with the run's files meanwhile (each opens and closes them)
      SweepRuns.beginAttempt(run, false, "test", List.of("train"));
      SweepRuns.reportedStep(run);
      SweepRuns.tail(run.resolve(SweepRuns.LOG), 5);
      Process other = probe("try", run.resolve(InProcessTraining.LOCK));
      assertThat(firstLine(other)).as("another JVM still finds the run locked").isEqualTo("busy");
      assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    Process after = probe("try", run.resolve(InProcessTraining.LOCK));
    assertThat(firstLine(after)).as("released when the attempt ends").isEqualTo("locked");
    after.waitFor(30, TimeUnit.SECONDS);
  }
}
