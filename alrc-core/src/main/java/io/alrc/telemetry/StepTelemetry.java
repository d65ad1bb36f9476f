package io.alrc.telemetry;

/**
 * What one stabilizer did in one training step: the same record for ALRC and for every gradient
 * stabilizer, so a training loop logs them all the same way. Telemetry is data: the core never
 * prints it.
 *
 * <p>The meaning of the statistics per stabilizer:
 *
 * <table>
 *   <caption>fields per stabilizer</caption>
 *   <tr><th>stabilizer</th><th>observed</th><th>threshold</th><th>mean</th><th>sigma</th></tr>
 *   <tr><td>ALRC</td><td>largest example loss</td><td>{@code lmax}</td><td>{@code mu1} before the
 *       step</td><td>{@code sigma} before the step</td></tr>
 *   <tr><td>global-norm</td><td>global gradient norm</td><td>{@code c}</td><td>NaN</td>
 *       <td>NaN</td></tr>
 *   <tr><td>AutoClip</td><td>global gradient norm</td><td>the p-th percentile</td>
 *       <td>NaN</td><td>NaN</td></tr>
 *   <tr><td>ZClip</td><td>global gradient norm</td><td>{@code mean + zThreshold * std}</td>
 *       <td>EMA mean</td><td>EMA standard deviation</td></tr>
 *   <tr><td>AGC</td><td>largest unit ratio {@code ||g|| / max(||w||, eps)}</td><td>{@code
 *       lambda}</td><td>NaN</td><td>NaN</td></tr>
 *   <tr><td>AdaGC</td><td>warm-up: global gradient norm; then the largest tensor ratio {@code
 *       ||g_i|| / gamma_i}</td><td>warm-up: {@code lambda_abs}; then {@code lambda_rel}</td>
 *       <td>NaN</td><td>NaN</td></tr>
 *   <tr><td>skip-step</td><td>the monitored loss or global gradient norm</td><td>{@code mean +
 *       factor * std} of the window ({@code +Infinity} before it is active)</td><td>window
 *       mean</td><td>window sample standard deviation</td></tr>
 *   <tr><td>loss truncation</td><td>largest example loss</td><td>the quantile cutoff in force
 *       ({@code +Infinity} before the first)</td><td>NaN</td><td>NaN</td></tr>
 * </table>
 *
 * @param step 1-based step number
 * @param observed the quantity the stabilizer measured this step (see table)
 * @param threshold the clipping threshold in force this step ({@code +Infinity} when none, e.g.
 *     during a warm-up)
 * @param mean the running mean the threshold derives from, or NaN
 * @param sigma the running standard deviation the threshold derives from, or NaN
 * @param clipped how many examples (ALRC), units (AGC), tensors (AdaGC), dropped examples (loss
 *     truncation), skipped updates (skip-step: 0 or 1) or norms (others) were scaled down
 * @param minScale the smallest scale applied (1 when nothing was clipped; 0 for a dropped example
 *     or a skip-step skip)
 * @param skipped whether the step was skipped because its input was not finite
 * @param warmup whether the threshold in force was still a warm-up's (ALRC's auto start or legacy
 *     warm-up): the first step with {@code false} is the first with the running threshold. False
 *     for stabilizers that do not report a warm-up (the 8-argument constructor)
 */
public record StepTelemetry(
    long step,
    double observed,
    double threshold,
    double mean,
    double sigma,
    int clipped,
    double minScale,
    boolean skipped,
    boolean warmup) {

  /** The CSV header matching {@link #toCsvRow()}. */
  public static final String CSV_HEADER =
      "step,observed,threshold,mean,sigma,clipped,min_scale,skipped,warmup";

  /** A record without a warm-up flag ({@code warmup} false), as it was before the flag existed. */
  public StepTelemetry(
      long step,
      double observed,
      double threshold,
      double mean,
      double sigma,
      int clipped,
      double minScale,
      boolean skipped) {
    this(step, observed, threshold, mean, sigma, clipped, minScale, skipped, false);
  }

  /** One CSV row of the fields, in the order of {@link #CSV_HEADER}. */
  public String toCsvRow() {
    return step + "," + observed + "," + threshold + "," + mean + "," + sigma + "," + clipped + ","
        + minScale + "," + (skipped ? 1 : 0) + "," + (warmup ? 1 : 0);
  }
}
