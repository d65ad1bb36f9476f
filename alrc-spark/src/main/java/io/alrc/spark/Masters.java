package io.alrc.spark;

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

  private Masters() {}

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
