package io.alrc.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MastersTest {
  @ParameterizedTest
  @ValueSource(strings = {"local", "local[1]", "local[1,3]", "local-cluster[2,1,1024]", "spark://h:7077", "yarn", "submit"})
  void mastersWithOneSlotPerJvmPass(String master) {
    assertThatCode(() -> Masters.check(master, Map.of())).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"local[2]", "local[*]", "local[4,2]"})
  void localModeWithSeveralSlotsIsRejected(String master) {
    assertThatThrownBy(() -> Masters.check(master, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--spark " + master + ": local mode trains inside this one JVM");
  }

  @Test
  void executorsWithMoreCoresThanTaskCpusAreRejected() {
    assertThatThrownBy(() -> Masters.check("local-cluster[2,2,1024]", Map.of()))
        .hasMessage("--spark local-cluster[2,2,1024]: each executor has 2 cores but spark.task.cpus is 1,"
            + " so it would train 2 runs at once in one JVM; DJL allows one: use local-cluster[N,1,MB],"
            + " or --spark-conf spark.task.cpus=2");
    assertThatThrownBy(() -> Masters.check("yarn", Map.of("spark.executor.cores", "4")))
        .hasMessage("spark.executor.cores (4) differs from spark.task.cpus (1): an executor would train"
            + " several runs at once in one JVM, and DJL allows one; set spark.task.cpus=4");
    assertThatCode(() -> Masters.check("yarn", Map.of("spark.executor.cores", "4", "spark.task.cpus", "4")))
        .doesNotThrowAnyException();
  }

  @Test
  void localClusterNeedsASparkHomeWithJars(@TempDir Path home) throws Exception {
    String master = "local-cluster[2,1,1024]";
    assertThatThrownBy(() -> Masters.checkExecutorSetup(master, Map.of(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--spark local-cluster[2,1,1024]: local-cluster starts its executor JVMs from a Spark"
            + " distribution, and SPARK_HOME is not set: " + Masters.HOW_TO_SPARK_HOME);
    assertThatThrownBy(() -> Masters.checkExecutorSetup(master, Map.of(), home.toString()))
        .hasMessage("--spark local-cluster[2,1,1024]: SPARK_HOME (" + home + ") has no jars/ folder, so"
            + " local-cluster cannot start its executor JVMs: " + Masters.HOW_TO_SPARK_HOME);
    Files.createDirectory(home.resolve("jars"));
    assertThatCode(() -> Masters.checkExecutorSetup(master, Map.of(), home.toString())).doesNotThrowAnyException();
    assertThatCode(() -> Masters.checkExecutorSetup("local[1]", Map.of(), null)).doesNotThrowAnyException();
  }

  @Test
  void aStandaloneMasterNeedsAWayForTheExecutorsToGetAlrc() {
    assertThatThrownBy(() -> Masters.checkExecutorSetup("spark://127.0.0.1:7077", Map.of(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--spark spark://127.0.0.1:7077: the executors need alrc's classes, and neither"
            + " spark.jars nor spark.executor.extraClassPath is set: build the job jar");
    assertThatCode(() -> Masters.checkExecutorSetup("spark://127.0.0.1:7077", Map.of("spark.jars", "/x/job.jar"), null))
        .doesNotThrowAnyException();
    assertThatCode(() -> Masters.checkExecutorSetup("spark://h:7077", Map.of("spark.executor.extraClassPath", "/opt/alrc/*"), null))
        .doesNotThrowAnyException();
    assertThatCode(() -> Masters.checkExecutorSetup("yarn", Map.of(), null)).doesNotThrowAnyException();
  }

  @Test
  void executorsOfALocalClusterGetTheDriversClassPathAndTheScalaVersion() {
    SparkConf conf = new SparkConf(false).setMaster("local-cluster[2,1,1024]");
    SparkSweepExecutor.executorDefaults(conf);
    assertThat(conf.get("spark.executor.extraClassPath")).isEqualTo(SparkSweepExecutor.driverClassPath());
    assertThat(SparkSweepExecutor.driverClassPath().split(File.pathSeparator))
        .as("absolute entries: an executor starts in a folder of its own").isNotEmpty()
        .allSatisfy(e -> assertThat(Path.of(e)).isAbsolute());
    assertThat(conf.get("spark.executorEnv.SPARK_SCALA_VERSION")).isEqualTo("2.13");

    SparkConf own = new SparkConf(false).setMaster("local-cluster[2,1,1024]")
        .set("spark.executor.extraClassPath", "/mine/*");
    SparkSweepExecutor.executorDefaults(own);
    assertThat(own.get("spark.executor.extraClassPath")).isEqualTo("/mine/*");

    SparkConf standalone = new SparkConf(false).setMaster("spark://h:7077");
    SparkSweepExecutor.executorDefaults(standalone);
    assertThat(standalone.contains("spark.executor.extraClassPath"))
        .as("a cluster's workers may be other machines: no class path of this one").isFalse();
    assertThat(standalone.get("spark.executorEnv.SPARK_SCALA_VERSION")).isEqualTo("2.13");

    SparkConf local = new SparkConf(false).setMaster("local[1]");
    SparkSweepExecutor.executorDefaults(local);
    assertThat(local.getAll()).hasSize(1);
  }

  @Test
  void sparkFailureMessagesAreCutToTheTasksOwn() {
    String spark = "Job aborted due to stage failure: Task 0 in stage 1.0 failed 2 times, most recent failure:"
        + " Lost task 0.1 in stage 1.0 (TID 2) (host executor driver): io.alrc.spark.RunFailedException:"
        + " alrc train exited 2: alrc train: no data\n\tat io.alrc.spark.InProcessTraining.train(X.java:1)";
    assertThat(SparkSweepExecutor.taskMessage(spark))
        .isEqualTo("alrc train exited 2: alrc train: no data");
  }
}
