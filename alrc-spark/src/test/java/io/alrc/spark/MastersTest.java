package io.alrc.spark;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
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
  void sparkFailureMessagesAreCutToTheTasksOwn() {
    String spark = "Job aborted due to stage failure: Task 0 in stage 1.0 failed 2 times, most recent failure:"
        + " Lost task 0.1 in stage 1.0 (TID 2) (host executor driver): io.alrc.spark.RunFailedException:"
        + " alrc train exited 2: alrc train: no data\n\tat io.alrc.spark.InProcessTraining.train(X.java:1)";
    org.assertj.core.api.Assertions.assertThat(SparkSweepExecutor.taskMessage(spark))
        .isEqualTo("alrc train exited 2: alrc train: no data");
  }
}
