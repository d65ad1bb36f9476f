package io.alrc.djl.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.alrc.AlrcState;
import io.alrc.NonFiniteStepException;
import io.alrc.djl.DjlTestSupport;
import io.alrc.djl.loss.AlrcLoss;
import io.alrc.djl.loss.PerExampleLoss;
import io.alrc.djl.loss.PerExampleLosses;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.stabilizer.AgcGradientStabilizer;
import io.alrc.djl.stabilizer.GradientStabilizers;
import io.alrc.djl.stabilizer.NormGradientStabilizer;
import io.alrc.stabilizer.StepCount;
import io.alrc.stabilizer.ZClip;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link StepGuard} in hand-written loops on a small real model. */
class StepGuardTest {
  static {
    DjlTestSupport.init();
  }

  private static final int IN = 4;
  private static final int BATCH = 8;
  private static final float[] W_TRUE = {1, -2, 0.5f, 3};

  /** One batch: inputs and targets. */
  record Batch(float[] x, float[] y) {
    Batch withNaNTarget(int example) {
      float[] bad = y.clone();
      bad[example] = Float.NaN;
      return new Batch(x, bad);
    }
  }

  /** Everything a step may change, copied. */
  record Snapshot(
      float[] weight, float[] bias, AlrcState alrc, ZClip.State zclip, StepCount agc) {
    boolean sameAs(Snapshot o) {
      return Arrays.equals(weight, o.weight) && Arrays.equals(bias, o.bias) && alrc.equals(o.alrc)
          && zclip.equals(o.zclip) && agc.equals(o.agc);
    }

    @Override
    public String toString() {
      return "weight " + Arrays.toString(weight) + ", bias " + Arrays.toString(bias) + ", " + alrc
          + ", " + zclip + ", " + agc;
    }
  }

  private static List<Batch> batches(int n) {
    Random rnd = new Random(7);
    List<Batch> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = DjlTestSupport.gaussian(rnd, BATCH * IN, 1);
      out.add(new Batch(x, DjlTestSupport.linearTargets(x, IN, W_TRUE, 0.5f)));
    }
    return out;
  }

  /** A training with ALRC, ZClip and AGC behind one guard, from fixed initial weights. */
  private static final class Run implements AutoCloseable {
    final Model model = DjlTestSupport.linearModel("guard");
    // initial moments low enough that ALRC clips: lmax(0) = 5 + 3 * sqrt(50 - 25) = 20
    final StatefulAlrcLoss loss =
        AlrcLoss.builder()
            .setBaseLoss(PerExampleLosses.mse())
            .optInitialMu1(5)
            .optInitialMu2(50)
            .build();
    final NormGradientStabilizer<ZClip.State> zclip = GradientStabilizers.zClip(0.9, 1.0, 2);
    final AgcGradientStabilizer agc = GradientStabilizers.agc(0.5, 1e-3);
    final List<StepReport> reports = new ArrayList<>();
    final StepGuard guard;
    final Trainer trainer;

    Run(int nonFiniteLimit) {
      guard =
          StepGuard.builder()
              .optAlrcLoss(loss)
              .addStabilizer(zclip)
              .addStabilizer(agc)
              .optNonFiniteLimit(nonFiniteLimit)
              .optReportListener(reports::add)
              .build();
      trainer = DjlTestSupport.trainer(model, loss, guard.wrap(DjlTestSupport.adam(0.05f)), IN);
      DjlTestSupport.setParameter(model, "weight", new float[] {0.1f, 0.1f, 0.1f, 0.1f});
      DjlTestSupport.setParameter(model, "bias", new float[] {0});
    }

    void step(Batch b) {
      DjlTestSupport.guardedStep(trainer, guard, b.x, b.y, BATCH, IN);
    }

    Snapshot snapshot() {
      return new Snapshot(
          DjlTestSupport.parameter(model, "weight"),
          DjlTestSupport.parameter(model, "bias"),
          loss.state(),
          zclip.state(),
          agc.state());
    }

    @Override
    public void close() {
      trainer.close();
      model.close();
    }
  }

  private static Snapshot train(List<Batch> sequence, List<Snapshot> after) {
    try (Run run = new Run(10)) {
      for (Batch b : sequence) {
        run.step(b);
        after.add(run.snapshot());
      }
      return run.snapshot();
    }
  }

  @Test
  void aNonFiniteBatchChangesNothingAndTrainingContinuesIdentically() {
    List<Batch> data = batches(6);
    Batch nan = data.get(0).withNaNTarget(2);

    List<Snapshot> cleanSteps = new ArrayList<>();
    Snapshot clean = train(data, cleanSteps);

    List<Batch> withNaN = new ArrayList<>(data);
    withNaN.add(3, nan);
    List<Snapshot> nanSteps = new ArrayList<>();
    Snapshot skipped;
    try (Run run = new Run(10)) {
      for (Batch b : withNaN) {
        run.step(b);
        nanSteps.add(run.snapshot());
      }
      skipped = run.snapshot();
      assertThat(run.guard.steps()).isEqualTo(7);
      assertThat(run.guard.skippedSteps()).as("the NaN step is counted").isEqualTo(1);
      StepReport report = run.reports.get(3);
      assertThat(report.skipped()).isTrue();
      assertThat(report.reason()).isEqualTo("loss of example 2 is NaN");
      assertThat(report.alrc().skipped()).isTrue();
      assertThat(run.reports.get(4).skipped()).isFalse();
      assertThat(run.loss.state().steps()).as("ALRC committed the 6 finite steps").isEqualTo(6);
      assertThat(run.reports.stream().filter(r -> !r.skipped()).mapToInt(r -> r.alrc().clipped()))
          .as("ALRC clipped examples in this run").anyMatch(c -> c > 0);
      assertThat(run.reports.stream().filter(r -> !r.skipped())
              .mapToInt(r -> r.stabilizers().get(0).clipped()))
          .as("ZClip clipped a step in this run").anyMatch(c -> c > 0);
    }
    assertThat(nanSteps.get(3).sameAs(nanSteps.get(2)))
        .as("the skipped step left weights, ALRC, ZClip and AGC state as they were: %s vs %s",
            nanSteps.get(3), nanSteps.get(2))
        .isTrue();
    assertThat(skipped.sameAs(clean))
        .as("continuing after the skip equals a run without that batch (Adam's moments and counts"
            + " included): %s vs %s", skipped, clean)
        .isTrue();

    // a NaN in the very first step must not trip Trainer.step()'s all-zero-gradient check
    List<Batch> nanFirst = new ArrayList<>(data);
    nanFirst.add(0, nan);
    Snapshot first = train(nanFirst, new ArrayList<>());
    assertThat(first.sameAs(clean)).as("NaN first, then the same run: %s vs %s", first, clean)
        .isTrue();
  }

  @Test
  void guardedStepsLeaveNoArraysBehind() {
    List<Batch> data = batches(4);
    try (Run run = new Run(10)) {
      run.step(data.get(0)); // Adam creates its moments on the first update
      run.step(data.get(1).withNaNTarget(1));
      int model = run.model.getNDManager().getManagedArrays().size();
      int trainer = run.trainer.getManager().getManagedArrays().size();
      for (int i = 0; i < 10; i++) {
        run.step(data.get(i % 4));
        run.step(data.get(i % 4).withNaNTarget(0));
      }
      assertThat(run.model.getNDManager().getManagedArrays())
          .as("arrays in the model's manager after 20 more steps").hasSize(model);
      assertThat(run.trainer.getManager().getManagedArrays())
          .as("arrays in the trainer's manager after 20 more steps").hasSize(trainer);
    }
  }

  @Test
  void theKthConsecutiveNonFiniteStepStopsTrainingNamingTheStep() {
    List<Batch> data = batches(2);
    Batch nan = data.get(1).withNaNTarget(0);
    try (Run run = new Run(3)) {
      run.step(data.get(0));
      Snapshot afterFirst = run.snapshot();
      run.step(nan);
      run.step(nan);
      NonFiniteStepException e =
          catchThrowableOfType(NonFiniteStepException.class, () -> run.step(nan));
      assertThat(e).isNotNull();
      assertThat(e.step()).isEqualTo(4);
      assertThat(e.consecutive()).isEqualTo(3);
      assertThat(e.reason()).isEqualTo("loss of example 0 is NaN");
      assertThat(e)
          .hasMessage(
              "step 4: loss of example 0 is NaN, the 3rd non-finite step in a row (limit 3):"
                  + " training has diverged; lower the learning rate, check the data, or raise the"
                  + " non-finite limit");
      assertThat(run.snapshot().sameAs(afterFirst)).as("nothing moved after step 1").isTrue();
    }
  }

  @Test
  void aNonFiniteGradientWithFiniteLossIsSkipped() {
    // L_i = sqrt(mean(e^2)): finite (0) where the error is exactly 0, but its gradient is 0/0
    PerExampleLoss rootMse =
        PerExampleLosses.named(
            "RootMSE",
            (labels, predictions) -> {
              try (NDArray mse = PerExampleLosses.mse().evaluate(labels, predictions)) {
                return mse.sqrt();
              }
            });
    StatefulAlrcLoss loss = AlrcLoss.wrap(rootMse);
    StepGuard guard = StepGuard.of(loss);
    try (Model model = DjlTestSupport.linearModel("nan-grad");
        Trainer trainer =
            DjlTestSupport.trainer(model, loss, guard.wrap(DjlTestSupport.adam(0.1f)), 2)) {
      DjlTestSupport.setParameter(model, "weight", new float[] {1, 1});
      DjlTestSupport.setParameter(model, "bias", new float[] {0});
      // example 0: x = 0, y = 0, so prediction and error are exactly 0
      DjlTestSupport.guardedStep(trainer, guard, new float[] {0, 0, 1, 2}, new float[] {0, 1}, 2, 2);
      StepReport r = guard.lastReport().orElseThrow();
      assertThat(r.skipped()).isTrue();
      assertThat(r.reason()).isEqualTo("gradient norm is NaN");
      assertThat(loss.state().steps()).as("ALRC discarded the step").isZero();
      assertThat(DjlTestSupport.parameter(model, "weight")).containsExactly(1f, 1f);
      assertThat(DjlTestSupport.gradient(model, "weight"))
          .as("the guarded optimizer cleared the NaN gradient")
          .containsExactly(0f, 0f);
    }
  }

  @Test
  void withoutAlrcANonFiniteLossIsCaughtThroughItsGradients() {
    StepGuard guard = StepGuard.builder().build();
    try (Model model = DjlTestSupport.linearModel("plain");
        Trainer trainer =
            DjlTestSupport.trainer(model, Loss.l2Loss(), guard.wrap(DjlTestSupport.adam(0.1f)), 2)) {
      float[] before = DjlTestSupport.parameter(model, "weight");
      DjlTestSupport.guardedStep(
          trainer, guard, new float[] {1, 2, 3, 4}, new float[] {Float.NaN, 1}, 2, 2);
      assertThat(guard.lastReport().orElseThrow().reason()).isEqualTo("gradient norm is NaN");
      assertThat(DjlTestSupport.parameter(model, "weight")).containsExactly(before);
      DjlTestSupport.guardedStep(trainer, guard, new float[] {1, 2, 3, 4}, new float[] {0, 1}, 2, 2);
      assertThat(guard.lastReport().orElseThrow().skipped()).isFalse();
      assertThat(DjlTestSupport.parameter(model, "weight")).isNotEqualTo(before);
    }
  }

  @Test
  void restoringAnotherConfigurationNamesOnlyTheFieldsThatDiffer() {
    StepGuard n3 =
        StepGuard.of(
            AlrcLoss.builder().setBaseLoss(PerExampleLosses.mse())
                .optProfile(io.alrc.AlrcConfig.Profile.REFERENCE).optN(3).build());
    StepGuard n2 =
        StepGuard.of(
            AlrcLoss.builder().setBaseLoss(PerExampleLosses.mse())
                .optProfile(io.alrc.AlrcConfig.Profile.REFERENCE).optN(2).build());
    assertThatThrownBy(() -> n2.restore(n3.snapshot()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("snapshot was taken with n 3.0; this configuration has n 2.0");
  }

  @Test
  void wiringMistakesFailEarly() {
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard unwrapped = StepGuard.of(loss);
    try (Model model = DjlTestSupport.linearModel("wiring");
        Trainer trainer = DjlTestSupport.trainer(model, loss, DjlTestSupport.adam(0.1f), 2)) {
      assertThatThrownBy(() -> unwrapped.afterBackward(trainer))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("StepGuard cannot skip steps without its optimizer");
    }

    StepGuard guard = StepGuard.of(loss);
    try (Model model = DjlTestSupport.linearModel("wiring2");
        Trainer trainer =
            DjlTestSupport.trainer(model, loss, guard.wrap(DjlTestSupport.adam(0.1f)), 2);
        NDManager m = trainer.getManager().newSubManager()) {
      NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
      NDArray y = m.create(new float[] {1, 2}, new Shape(2, 1));
      assertThatThrownBy(() -> guard.afterBackward(trainer))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("step 1: the ALRC loss has no pending evaluation");
      try (GradientCollector c = trainer.newGradientCollector()) {
        c.backward(loss.evaluate(new NDList(y), trainer.forward(new NDList(x))));
      }
      assertThatThrownBy(trainer::step)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("trainer.step() ran before StepGuard.afterBackward");
      guard.afterBackward(trainer);
      try (GradientCollector c = trainer.newGradientCollector()) {
        c.backward(loss.evaluate(new NDList(y), trainer.forward(new NDList(x))));
      }
      assertThatThrownBy(() -> guard.afterBackward(trainer))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("the decision for step 1 never reached the optimizer");
      trainer.step();
      assertThatThrownBy(trainer::step)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("would be updated twice");
    }
    assertThatThrownBy(() -> StepGuard.builder().optNonFiniteLimit(0).build())
        .hasMessage("nonFiniteLimit (0) must be >= 1");
  }
}
