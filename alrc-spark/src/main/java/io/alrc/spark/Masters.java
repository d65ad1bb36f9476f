package io.alrc.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that a Spark master and configuration give each executor JVM one task slot, so that no
 * two trainings overlap in one JVM (DJL allows one at a time, and its random seed is JVM-global).
 */
final class Masters {
  /** {@code spark-submit}'s master: {@code --spark submit} leaves {@code spark.master} as given. */
  static final String SUBMIT = "submit";

  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,(\\d+))?])?");

  /** How to get a SPARK_HOME for local-cluster, in error messages. */
  static final String HOW_TO_SPARK_HOME = "run through the ./alrc launcher (it sets SPARK_HOME to"
      + " alrc-spark/target/spark-home, assembling it from Maven Central on first use), or set SPARK_HOME"
      + " to a Spark distribution or to the folder 'bin/spark-standalone.sh home' prints";

  private Masters() {}

  /** Whether {@code master} is {@code local-cluster[N,C,MB]}: N executor JVMs on this machine. */
  static boolean isLocalCluster(String master) {
    return master.startsWith("local-cluster[");
  }

  /** Whether {@code master} is a standalone cluster's, {@code spark://HOST:PORT[,HOST:PORT]}. */
  static boolean isStandalone(String master) {
    return master.startsWith("spark://");
  }

  /**
   * Checks what the executors need beyond one task slot, before Spark starts: for {@code
   * local-cluster[...]}, a Spark distribution in {@code SPARK_HOME} to start the executor JVMs
   * from; for a standalone master outside {@code spark-submit}, a way for the executors to get
   * alrc's classes ({@code spark.jars} or {@code spark.executor.extraClassPath}).
   *
   * @param master the master URL (not {@value #SUBMIT})
   * @param conf the Spark properties given
   * @param sparkHome the driver's {@code SPARK_HOME}, or null
   * @throws IllegalArgumentException naming what is missing and the fix
   */
  static void checkExecutorSetup(String master, Map<String, String> conf, String sparkHome) {
    if (isLocalCluster(master)) {
      if (sparkHome == null || sparkHome.isBlank()) {
        throw new IllegalArgumentException("--spark " + master + ": local-cluster starts its executor JVMs"
            + " from a Spark distribution, and SPARK_HOME is not set: " + HOW_TO_SPARK_HOME);
      }
      if (!Files.isDirectory(Path.of(sparkHome, "jars"))) {
        throw new IllegalArgumentException("--spark " + master + ": SPARK_HOME (" + sparkHome + ") has no"
            + " jars/ folder, so local-cluster cannot start its executor JVMs: " + HOW_TO_SPARK_HOME);
      }
      return;
    }
    if (isStandalone(master) && blank(conf.get("spark.jars")) && blank(conf.get("spark.executor.extraClassPath"))) {
      throw new IllegalArgumentException("--spark " + master + ": the executors need alrc's classes, and"
          + " neither spark.jars nor spark.executor.extraClassPath is set: build the job jar (its path is"
          + " printed by 'bin/spark-standalone.sh job-jar') and add --spark-conf spark.jars=JOB_JAR"
          + " (the driver serves it to every executor), or spark.executor.extraClassPath=JARS if every"
          + " worker has alrc's jars at the same place; or spark-submit the job jar with '--spark submit'");
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /**
   * @throws IllegalArgumentException naming the master or property and the fix
   */
  static void check(String master, Map<String, String> conf) {
    if (master.isBlank()) {
      throw new IllegalArgumentException("--spark: the master is empty; e.g. local[1], local-cluster[2,1,2048],"
          + " spark://HOST:7077, or 'submit' under spark-submit");
    }
    Matcher local = LOCAL.matcher(master);
    if (local.matches()) {
      String threads = local.group(1);
      if (threads != null && !threads.equals("1")) {
        throw new IllegalArgumentException("--spark " + master + ": local mode trains inside this one JVM,"
            + " and DJL allows one training per JVM (its gradient collector and random seed are"
            + " JVM-global): use local[1] (runs one after another), local[1,F] to retry a failed run"
            + " up to F times, local-cluster[N,1,MB] for N runs at a time in N executor JVMs, or"
            + " 'alrc sweep --parallel N' without --spark");
      }
      return;
    }
    if (master.startsWith("local-cluster[")) {
      Matcher m = Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]").matcher(master);
      if (!m.matches()) {
        throw new IllegalArgumentException("--spark " + master + ": expected local-cluster[EXECUTORS,CORES,MB]");
      }
      int cores = Integer.parseInt(m.group(2));
      int taskCpus = Integer.parseInt(conf.getOrDefault("spark.task.cpus", "1"));
      if (taskCpus != cores) {
        throw new IllegalArgumentException("--spark " + master + ": each executor has " + cores
            + " cores but spark.task.cpus is " + taskCpus + ", so it would train " + cores / taskCpus
            + " runs at once in one JVM; DJL allows one: use local-cluster[N,1,MB], or --spark-conf"
            + " spark.task.cpus=" + cores);
      }
      return;
    }
    String executorCores = conf.get("spark.executor.cores");
    if (executorCores != null) {
      String taskCpus = conf.getOrDefault("spark.task.cpus", "1");
      if (!executorCores.strip().equals(taskCpus.strip())) {
        throw new IllegalArgumentException("spark.executor.cores (" + executorCores + ") differs from"
            + " spark.task.cpus (" + taskCpus + "): an executor would train several runs at once in one JVM,"
            + " and DJL allows one; set spark.task.cpus=" + executorCores.strip());
      }
    }
  }
}
