package io.alrc.tensorboard;

/**
 * The tags under which this project's training loops write their scalars, so that runs of the
 * DJL integration and of the {@code alrc} command line appear under the same names in TensorBoard
 * and can be compared in one chart. TensorBoard groups tags by the part before the first {@code
 * /}. Every value is per training step (the event's step), written as float32.
 *
 * <table>
 *   <caption>tags and their values</caption>
 *   <tr><th>tag</th><th>value</th></tr>
 *   <tr><td>{@value #LOSS}</td><td>the objective that was backpropagated: with ALRC the clipped
 *       batch mean {@code mean_i(s_i * L_i)}, else the batch mean</td></tr>
 *   <tr><td>{@value #UNCLIPPED_LOSS}</td><td>the batch mean of the per-example losses before ALRC
 *       scaled them ({@code mean_i(L_i)}); the same as {@value #LOSS} without ALRC</td></tr>
 *   <tr><td>{@value #ALRC_THRESHOLD}</td><td>ALRC's {@code lmax = mu1 + n * sigma} in force this
 *       step (from the moments before it)</td></tr>
 *   <tr><td>{@value #ALRC_MU1}</td><td>the running mean {@code mu1} before the step</td></tr>
 *   <tr><td>{@value #ALRC_SIGMA}</td><td>the running standard deviation {@code sigma} before the
 *       step</td></tr>
 *   <tr><td>{@value #ALRC_CLIP_FRACTION}</td><td>the fraction of the batch's examples whose loss
 *       ALRC scaled down, in [0, 1]</td></tr>
 *   <tr><td>{@value #SKIPPED_STEPS}</td><td>steps skipped so far because their loss or gradients
 *       were not finite (a running total, this step included)</td></tr>
 *   <tr><td>{@value #LEARNING_RATE}</td><td>the optimizer's learning rate this step</td></tr>
 *   <tr><td>{@value #GRADIENT_NORM}</td><td>the global L2 norm of all gradients before any
 *       gradient stabilizer</td></tr>
 *   <tr><td>{@value #VALIDATION_LOSS}</td><td>the mean loss over a validation set, at the step
 *       after which it was measured</td></tr>
 *   <tr><td>{@code <kind>/threshold}, {@code <kind>/min_scale}</td><td>a gradient stabilizer's
 *       threshold and the smallest scale it applied (1 when it left the gradients alone), e.g.
 *       {@code zclip/threshold}; see {@link #stabilizer(String, String)}</td></tr>
 * </table>
 *
 * <p>A skipped step has no loss, ALRC or stabilizer values: only {@value #SKIPPED_STEPS} (and
 * {@value #GRADIENT_NORM} when it was measured) mark it.
 */
public final class TrainingTags {
  /** The backpropagated objective (clipped by ALRC when ALRC is on). */
  public static final String LOSS = "train/loss";

  /** The batch mean of the per-example losses before ALRC. */
  public static final String UNCLIPPED_LOSS = "train/loss_unclipped";

  /** Steps skipped so far (non-finite loss or gradients). */
  public static final String SKIPPED_STEPS = "train/skipped_steps";

  /** The learning rate of the step. */
  public static final String LEARNING_RATE = "train/lr";

  /** The global gradient norm before any stabilizer. */
  public static final String GRADIENT_NORM = "train/gradient_norm";

  /** The validation loss. */
  public static final String VALIDATION_LOSS = "validate/loss";

  /** ALRC's threshold {@code lmax}. */
  public static final String ALRC_THRESHOLD = "alrc/threshold";

  /** ALRC's running mean {@code mu1} before the step. */
  public static final String ALRC_MU1 = "alrc/mu1";

  /** ALRC's running standard deviation before the step. */
  public static final String ALRC_SIGMA = "alrc/sigma";

  /** The fraction of examples ALRC clipped. */
  public static final String ALRC_CLIP_FRACTION = "alrc/clip_fraction";

  private TrainingTags() {}

  /**
   * A gradient stabilizer's tag, {@code kind + "/" + quantity}.
   *
   * @param kind the stabilizer's kind as its snapshots and the CLI spell it, e.g. {@code zclip}
   * @param quantity {@code threshold} or {@code min_scale} (the names this project writes)
   * @return the tag
   * @throws IllegalArgumentException if either part is blank or contains {@code /}
   */
  public static String stabilizer(String kind, String quantity) {
    checkPart("kind", kind);
    checkPart("quantity", quantity);
    return kind + "/" + quantity;
  }

  private static void checkPart(String name, String value) {
    if (value == null || value.isBlank() || value.contains("/")) {
      throw new IllegalArgumentException(
          name + " (" + value + ") must be a non-blank name without '/'");
    }
  }
}
