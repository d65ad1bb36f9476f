package io.alrc.spark;

import java.io.Serializable;
import java.util.List;

/**
 * One run as a Spark task sees it: what it needs to start or resume the run in its directory.
 *
 * @param index the run's position in the sweep, from 1
 * @param name the run's name
 * @param dir the run directory, a path every executor sees
 * @param args the run's {@code alrc train} arguments, without {@code --out}
 */
record RunTask(int index, String name, String dir, List<String> args) implements Serializable {
  private static final long serialVersionUID = 1L;

  RunTask {
    args = List.copyOf(args);
  }
}
