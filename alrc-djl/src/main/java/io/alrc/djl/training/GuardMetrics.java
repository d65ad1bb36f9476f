package io.alrc.djl.training;

/**
 * The names under which {@link StepGuard} puts its telemetry into DJL's {@link
 * ai.djl.metric.Metrics}, in two forms.
 *
 * <p><b>Per step</b>, from {@link StepGuard#afterBackward(ai.djl.training.Trainer)} when the trainer
 * has metrics ({@code trainer.setMetrics(new Metrics())}): one value per step under each name
 * below. A skipped or spike-skipped step adds only {@value #SKIPPED_STEPS_TOTAL}, {@value
 * #SPIKE_SKIPPED_STEPS_TOTAL} (with skip-step), the spike monitors' thresholds (when they ran) and,
 * when it was measured, {@value #GRADIENT_NORM}. Non-finite values (e.g. a monitor's threshold
 * before it is active, {@code +Infinity}) are left out.
 *
 * <table>
 *   <caption>per-step metrics</caption>
 *   <tr><th>name</th><th>value</th></tr>
 *   <tr><td>{@value #ALRC_OBJECTIVE}</td><td>the clipped batch mean {@code mean_i(s_i * L_i)}:
 *       what was backpropagated</td></tr>
 *   <tr><td>{@value #ALRC_UNCLIPPED_LOSS}</td><td>the batch mean before clipping, {@code
 *       mean_i(L_i)}: what the loss's own accumulators (DJL's loss column) report</td></tr>
 *   <tr><td>{@value #ALRC_THRESHOLD}</td><td>{@code lmax} in force this step</td></tr>
 *   <tr><td>{@value #ALRC_MU1}, {@value #ALRC_SIGMA}</td><td>the moments it came from (before the
 *       step)</td></tr>
 *   <tr><td>{@value #ALRC_CLIP_FRACTION}</td><td>the fraction of the batch's examples clipped</td></tr>
 *   <tr><td>{@value #GRADIENT_NORM}</td><td>the global gradient norm before any stabilizer</td></tr>
 *   <tr><td>{@value #SKIPPED_STEPS_TOTAL}</td><td>steps skipped so far (non-finite loss or
 *       gradients)</td></tr>
 *   <tr><td>{@code <kind>_threshold}, {@code <kind>_min_scale}</td><td>each gradient stabilizer's
 *       threshold and smallest scale, e.g. {@code zclip_threshold}, {@code adagc_min_scale}</td></tr>
 *   <tr><td>{@value #TRUNCATION_OBJECTIVE}</td><td>loss truncation's objective {@code (1/B) sum_i
 *       s_i L_i}: what was backpropagated</td></tr>
 *   <tr><td>{@value #TRUNCATION_UNTRUNCATED_LOSS}</td><td>the batch mean before truncation</td></tr>
 *   <tr><td>{@value #TRUNCATION_THRESHOLD}</td><td>the cutoff in force</td></tr>
 *   <tr><td>{@value #TRUNCATION_DROP_FRACTION}</td><td>the fraction of the batch's examples
 *       dropped</td></tr>
 *   <tr><td>{@value #SPIKE_SKIPPED_STEPS_TOTAL}</td><td>steps skip-step skipped so far</td></tr>
 *   <tr><td>{@value #LOSS_SPIKE_THRESHOLD}, {@value #GRADIENT_NORM_SPIKE_THRESHOLD}</td><td>the
 *       skip-step monitors' {@code mean + factor * std} of their windows</td></tr>
 * </table>
 *
 * <p><b>As evaluators</b>, so that DJL's {@code LoggingTrainingListener} prints them beside the
 * loss: {@link StepGuard#evaluators()} (added by {@link
 * StepGuard#configure(ai.djl.training.DefaultTrainingConfig)}). DJL's {@code
 * EvaluatorTrainingListener} then publishes each under its usual names {@code train_all_<name>}
 * (per batch), {@code train_progress_<name>} and {@code train_epoch_<name>}; over a batch range
 * (an epoch, the progress interval) the value is:
 *
 * <table>
 *   <caption>evaluators</caption>
 *   <tr><th>name</th><th>value over the range</th></tr>
 *   <tr><td>{@value #ALRC_OBJECTIVE}</td><td>mean of the applied steps' clipped objectives</td></tr>
 *   <tr><td>{@value #ALRC_CLIP_FRACTION}</td><td>examples clipped / examples, over the applied
 *       steps</td></tr>
 *   <tr><td>{@value #ALRC_THRESHOLD}, {@value #ALRC_MU1}, {@value #ALRC_SIGMA}</td><td>at the last
 *       applied step</td></tr>
 *   <tr><td>{@value #SKIPPED_STEPS}</td><td>non-finite steps skipped in the range</td></tr>
 *   <tr><td>{@value #SPIKE_SKIPPED_STEPS}</td><td>steps skip-step skipped in the range</td></tr>
 *   <tr><td>{@value #LOSS_SPIKE_THRESHOLD}, {@value #GRADIENT_NORM_SPIKE_THRESHOLD}</td><td>at the
 *       last step the monitor ran</td></tr>
 *   <tr><td>{@value #TRUNCATION_OBJECTIVE}</td><td>mean of the applied steps' objectives</td></tr>
 *   <tr><td>{@value #TRUNCATION_DROP_FRACTION}</td><td>examples dropped / examples, over the
 *       applied steps</td></tr>
 *   <tr><td>{@value #TRUNCATION_THRESHOLD}</td><td>at the last applied step</td></tr>
 *   <tr><td>{@code <kind>_threshold}</td><td>at the last applied step</td></tr>
 *   <tr><td>{@code <kind>_clip_fraction}</td><td>fraction of the applied steps in which the
 *       stabilizer scaled the gradients down</td></tr>
 * </table>
 *
 * An evaluator with nothing to report over the range (no applied step; always for validation,
 * where the guard does not run) reads NaN, which DJL's log leaves out of its validation line.
 * DJL's loss column, named after the {@link io.alrc.djl.loss.StatefulAlrcLoss} (e.g. {@code
 * MSE}), is the unclipped mean loss; {@value #ALRC_OBJECTIVE} is the clipped one.
 */
public final class GuardMetrics {
  /** The clipped ALRC objective. */
  public static final String ALRC_OBJECTIVE = "alrc_objective";

  /** The unclipped batch-mean loss (per step only). */
  public static final String ALRC_UNCLIPPED_LOSS = "alrc_unclipped_loss";

  /** ALRC's threshold {@code lmax}. */
  public static final String ALRC_THRESHOLD = "alrc_threshold";

  /** ALRC's running mean before the step. */
  public static final String ALRC_MU1 = "alrc_mu1";

  /** ALRC's running standard deviation before the step. */
  public static final String ALRC_SIGMA = "alrc_sigma";

  /** The fraction of examples ALRC clipped. */
  public static final String ALRC_CLIP_FRACTION = "alrc_clip_fraction";

  /** The global gradient norm before any stabilizer (per step only). */
  public static final String GRADIENT_NORM = "gradient_norm";

  /** Non-finite steps skipped so far (per step). */
  public static final String SKIPPED_STEPS_TOTAL = "skipped_steps_total";

  /** Non-finite steps skipped in a batch range (evaluator). */
  public static final String SKIPPED_STEPS = "skipped_steps";

  /** Steps skip-step skipped on spikes so far (per step). */
  public static final String SPIKE_SKIPPED_STEPS_TOTAL = "spike_skipped_steps_total";

  /** Steps skip-step skipped on spikes in a batch range (evaluator). */
  public static final String SPIKE_SKIPPED_STEPS = "spike_skipped_steps";

  /** The loss monitor's threshold, {@code mean + factor * std} of its window. */
  public static final String LOSS_SPIKE_THRESHOLD = "skip-step_loss_threshold";

  /** The gradient-norm monitor's threshold, {@code mean + factor * std} of its window. */
  public static final String GRADIENT_NORM_SPIKE_THRESHOLD = "skip-step_gradient_norm_threshold";

  /** Loss truncation's objective. */
  public static final String TRUNCATION_OBJECTIVE = "loss-truncation_objective";

  /** The batch-mean loss before truncation (per step only). */
  public static final String TRUNCATION_UNTRUNCATED_LOSS = "loss-truncation_untruncated_loss";

  /** Loss truncation's cutoff in force. */
  public static final String TRUNCATION_THRESHOLD = "loss-truncation_threshold";

  /** The fraction of examples loss truncation dropped. */
  public static final String TRUNCATION_DROP_FRACTION = "loss-truncation_drop_fraction";

  private GuardMetrics() {}

  /** A stabilizer's threshold, {@code kind + "_threshold"}. */
  public static String stabilizerThreshold(String kind) {
    return kind + "_threshold";
  }

  /** A stabilizer's smallest scale this step, {@code kind + "_min_scale"} (per step only). */
  public static String stabilizerMinScale(String kind) {
    return kind + "_min_scale";
  }

  /** The fraction of steps a stabilizer clipped, {@code kind + "_clip_fraction"} (evaluator). */
  public static String stabilizerClipFraction(String kind) {
    return kind + "_clip_fraction";
  }
}
