package io.alrc.spark;

import java.io.Serializable;

/**
 * What a task sends back to the driver for a run that ended with {@code summary.json} (a run that
 * did not end so throws {@link RunFailedException} instead, for Spark to retry).
 *
 * @param index the run's position in the sweep, from 1
 * @param summary the text of its {@code summary.json}
 * @param seconds wall time of this attempt in the task
 * @param host where it ran
 * @param ranBefore whether it had finished before this attempt (a retry of an attempt whose result
 *     was lost), so nothing was trained
 */
record TaskResult(int index, String summary, double seconds, String host, boolean ranBefore)
    implements Serializable {
  private static final long serialVersionUID = 1L;
}
