package io.alrc.experiments.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a finished run measured; written to {@code summary.json}.
 *
 * @param finalTrainError mean unadjusted training loss over the last 10% of steps (steps with an
 *     injected spike left out)
 * @param finalTestError test error at the end of the run
 * @param clipFraction fraction of examples (ALRC) or steps (gradient stabilizers) clipped
 * @param skippedSteps steps skipped because the loss or gradients were not finite
 * @param maxLoss largest unadjusted batch loss of the run (steps with an injected spike left out)
 * @param steps steps trained
 * @param stepsPerSecond training speed over the whole run
 * @param wallSeconds wall-clock time of the whole run (resumed runs: the sum of their parts)
 */
public record Summary(
    @JsonProperty("final_train_error") double finalTrainError,
    @JsonProperty("final_test_error") double finalTestError,
    @JsonProperty("clip_fraction") double clipFraction,
    @JsonProperty("skipped_steps") long skippedSteps,
    @JsonProperty("max_loss") double maxLoss,
    @JsonProperty("steps") long steps,
    @JsonProperty("steps_per_second") double stepsPerSecond,
    @JsonProperty("wall_seconds") double wallSeconds) {}
