package io.alrc.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An attempt does not touch a run directory while an earlier attempt of the run, in another JVM,
 * still holds its log: it waits, gives up with a message, and gets the lock once that JVM is gone.
 */
class RunDirectoryLockTest {
  @TempDir Path dir;

  @Test
  void anAttemptWaitsForAnEarlierAttemptInAnotherJvmThenTakesOver() throws Exception {
    Path log = dir.resolve("log.txt");
    Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), log.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).as("the other JVM holds the lock").isEqualTo("locked");
      try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> InProcessTraining.lockRunDirectory(channel, dir, 1))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage(dir + ": another attempt of this run still holds " + log + " after 1 s (an executor"
                + " that is still training it); this attempt gives up so as not to write the run directory twice");
        assertThat((System.nanoTime() - start) / 1e9).as("it waited").isGreaterThanOrEqualTo(1.0);

        holder.getOutputStream().close(); // the other JVM ends and the OS releases its lock
        assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        try (FileLock lock = InProcessTraining.lockRunDirectory(channel, dir, 10)) {
          assertThat(lock).isNotNull();
          assertThat(lock.isValid()).isTrue();
        }
      }
    } finally {
      holder.destroyForcibly();
    }
  }
}
