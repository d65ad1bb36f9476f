package io.alrc.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.alrc.cli.AlrcCommand;
import io.alrc.experiments.run.RunFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alrc sweep --spark local-cluster[2,1,1024]}: two executor JVMs beside the driver, each
 * training one run at a time. One executor JVM is killed (SIGKILL) while its run is mid-training;
 * Spark retries the task on an executor JVM that is alive (a new one or the other), the attempt
 * resumes from the run's last checkpoint, and both runs end with {@code metrics.csv} and {@code
 * eval.csv} byte-identical to a local sweep's ({@code --parallel 1 --threads 1}, child JVMs).
 *
 * <p>The executors start from {@code SPARK_HOME} (set by surefire to {@code
 * target/test-spark-home}, whose {@code jars/} the test creates empty: the executors get the
 * driver's class path, Spark included, through {@code spark.executor.extraClassPath}, which {@link
 * SparkSweepExecutor} sets for local-cluster). Tiny STEM runs (32 px, width 0.25, 1,000 steps, a
 * checkpoint every 100 steps); about 60 s on 2 idle cores.
 */
class LocalClusterSweepTest {
  @TempDir Path tmp;

  private static final Pattern PID = Pattern.compile("\\(spark on [^,]+, executor (\\S+) \\(pid (\\d+)\\)");

  record Result(int exitCode, String out, String err) {}

  private static Result alrc(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = AlrcCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  /** The attempt lines of a run's log: {@code == alrc sweep TIME (spark on ...): start|resume: ...}. */
  private static List<String> attempts(Path runDir) throws Exception {
    return Files.readAllLines(runDir.resolve("log.txt")).stream().filter(l -> l.startsWith("== alrc sweep")).toList();
  }

  @Test
  void anExecutorKilledMidRunIsReplacedAndTheRunResumesFromItsCheckpointWithIdenticalFiles() throws Exception {
    String sparkHome = System.getenv("SPARK_HOME");
    assertThat(sparkHome).as("SPARK_HOME (surefire sets it; see the pom)").isNotBlank();
    Files.createDirectories(Path.of(sparkHome, "jars"));

    Path spec = Files.writeString(tmp.resolve("tiny.yaml"), """
        task: stem-completion
        fixed: {steps: 1000, width: 0.25, image_size: 32, batch: 2, eval_every: 250, eval_examples: 8,
                checkpoint_every: 100, spike_probability: 0.02}
        grid:
          n: [off, 2]
        seeds: [5]
        """);
    Path local = tmp.resolve("local");
    Path spark = tmp.resolve("spark");
    Result l = alrc("sweep", spec.toString(), "--out", local.toString(), "--parallel", "1", "--threads", "1");
    assertThat(l.exitCode()).as("local sweep exit code; stderr: %s", l.err()).isZero();

    CompletableFuture<Result> sweep = CompletableFuture.supplyAsync(() -> alrc("sweep", spec.toString(),
        "--out", spark.toString(), "--spark", "local-cluster[2,1,1024]", "--threads", "1"));

    // the first run, once it has trained past a checkpoint and well before its end
    Path victim = spark.resolve("n=off,seed=5");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    Matcher executor = null;
    while (System.nanoTime() < deadline && !sweep.isDone()) {
      Path log = victim.resolve("log.txt");
      if (Files.isRegularFile(log) && Files.isDirectory(victim.resolve("checkpoint"))
          && Files.isRegularFile(victim.resolve("metrics.csv"))
          && Files.readAllLines(victim.resolve("metrics.csv")).size() > 150) {
        executor = PID.matcher(Files.readString(log));
        assertThat(executor.find()).as("the attempt line names the executor's pid: %s", Files.readString(log)).isTrue();
        break;
      }
      Thread.sleep(20);
    }
    assertThat(executor).as("the run started on an executor and passed a checkpoint; sweep done early: %s",
        sweep.isDone() ? sweep.get() : "no").isNotNull();
    long pid = Long.parseLong(executor.group(2));
    assertThat(pid).as("an executor JVM of its own").isNotEqualTo(ProcessHandle.current().pid());
    ProcessHandle handle = ProcessHandle.of(pid).orElseThrow();
    long rowsAtKill = Files.readAllLines(victim.resolve("metrics.csv")).size() - 1;
    assertThat(handle.destroyForcibly()).as("SIGKILL sent to executor %s (pid %d)", executor.group(1), pid).isTrue();
    handle.onExit().get(30, TimeUnit.SECONDS);
    assertThat(rowsAtKill).as("killed mid-training").isLessThan(1000);

    Result s = sweep.get(300, TimeUnit.SECONDS);
    assertThat(s.exitCode()).as("spark sweep exit code; stdout: %s; stderr: %s", s.out(), s.err()).isZero();
    assertThat(s.out()).contains("2 runs: 2 finished, 0 skipped (finished before), 0 failed");

    List<String> tries = attempts(victim);
    assertThat(tries).as("attempts of the killed run").hasSize(2);
    assertThat(tries.get(0)).contains("(pid " + pid + ")").contains(": start: ");
    assertThat(tries.get(1)).as("the retry resumes in another executor JVM")
        .doesNotContain("(pid " + pid + ")").contains(": resume: train --resume ");
    assertThat(Files.readString(victim.resolve("log.txt"))).as("it resumed from a checkpoint")
        .containsPattern("resuming .* at step \\d+ of 1000");
    Matcher other = PID.matcher(attempts(spark.resolve("n=2,seed=5")).get(0));
    assertThat(other.find()).isTrue();
    assertThat(other.group(2)).as("the two runs trained in two executor JVMs at once").isNotEqualTo(executor.group(2));

    for (String run : List.of("n=off,seed=5", "n=2,seed=5")) {
      assertThat(new RunFiles(spark.resolve(run)).finished()).as("%s finished", run).isTrue();
      for (String file : List.of("metrics.csv", "eval.csv")) {
        assertThat(Files.readAllBytes(spark.resolve(run).resolve(file)))
            .as("%s/%s on local-cluster is byte-identical to the local sweep's", run, file)
            .isEqualTo(Files.readAllBytes(local.resolve(run).resolve(file)));
      }
    }
  }
}
