package io.alrc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Tests of {@link NonFiniteLossException}. */
class NonFiniteLossExceptionTest {

  @Test
  void carriesTheStepTheRunLengthAndTheMessage() {
    NonFiniteLossException e = new NonFiniteLossException(12, 3, "step 12: diverged");

    assertThat(e.step()).as("the failing step").isEqualTo(12);
    assertThat(e.consecutive()).as("the run of non-finite steps").isEqualTo(3);
    assertThat(e).as("the message as given").hasMessage("step 12: diverged");
  }

  @Test
  void isALifecycleError() {
    assertThat(new NonFiniteLossException(1, 1, "x"))
        .as("too many non-finite steps is a state error, not a bad argument")
        .isInstanceOf(IllegalStateException.class);
  }
}
