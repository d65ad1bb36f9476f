package io.alrc.djl.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.metric.Metric;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.DivergenceCheckTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.translate.TranslateException;
import io.alrc.djl.DjlTestSupport;
import io.alrc.djl.loss.AlrcLoss;
import io.alrc.djl.loss.PerExampleLosses;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.stabilizer.GradientStabilizers;
import io.alrc.djl.stabilizer.NormGradientStabilizer;
import io.alrc.stabilizer.ZClip;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a DJL user sees of the guard: its metrics in {@code trainer.getMetrics()}, its evaluators in
 * DJL's log lines, the one-call wiring and its errors.
 */
class GuardTelemetryTest {
  static {
    DjlTestSupport.init();
  }

  private static final int IN = 4;
  private static final int BATCH = 8;

  private NDManager manager;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  /** Rows with noise and a few outliers, so ALRC clips; {@code nanRow} gets a NaN target. */
  private ArrayDataset dataset(int rows, long seed, int nanRow) {
    Random rnd = new Random(seed);
    float[] x = DjlTestSupport.gaussian(rnd, rows * IN, 1);
    float[] y = DjlTestSupport.linearTargets(x, IN, new float[] {1, -2, 0.5f, 3}, 0.5f);
    for (int i = 0; i < rows; i += 7) {
      y[i] += 30; // outliers: far above lmax
    }
    if (nanRow >= 0) {
      y[nanRow] = Float.NaN;
    }
    return new ArrayDataset.Builder()
        .setData(manager.create(x, new Shape(rows, IN)))
        .optLabels(manager.create(y, new Shape(rows, 1)))
        .setSampling(BATCH, false)
        .build();
  }

  private static StatefulAlrcLoss clippingLoss() {
    // low initial moments, so the outliers are clipped from the first step: lmax(0) = 5 + 3 * 5
    return AlrcLoss.builder()
        .setBaseLoss(PerExampleLosses.mse())
        .optInitialMu1(5)
        .optInitialMu2(50)
        .build();
  }

  @Test
  void configureWiresEverythingAndDjlsLogShowsTheGuardsTelemetry()
      throws IOException, TranslateException {
    StatefulAlrcLoss loss = clippingLoss();
    NormGradientStabilizer<ZClip.State> zclip = GradientStabilizers.zClip(0.9, 1.0, 2);
    List<StepReport> reports = new ArrayList<>();
    StepGuard guard =
        StepGuard.builder()
            .optAlrcLoss(loss)
            .addStabilizer(zclip)
            .optReportListener(reports::add)
            .build();
    DefaultTrainingConfig config =
        guard.configure(
            new DefaultTrainingConfig(loss)
                .optOptimizer(DjlTestSupport.adam(0.05f))
                .addTrainingListeners(TrainingListener.Defaults.logging()));

    assertThat(config.getTrainingListeners().get(0)).as("the guard decides first").isSameAs(guard);
    assertThat(config.getTrainingListeners())
        .noneMatch(l -> l instanceof DivergenceCheckTrainingListener);
    assertThat(config.getOptimizer()).isInstanceOf(GuardedOptimizer.class);
    assertThat(config.getEvaluators()).containsAll(guard.evaluators());
    assertThat(guard.evaluators().stream().map(e -> e.getName()))
        .containsExactly(
            "alrc_objective",
            "alrc_clip_fraction",
            "alrc_threshold",
            "alrc_mu1",
            "alrc_sigma",
            "zclip_threshold",
            "zclip_clip_fraction",
            "skipped_steps");

    String log;
    Metrics metrics = new Metrics();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (Model model = DjlTestSupport.linearModel("telemetry");
        Trainer trainer = model.newTrainer(config)) {
      trainer.setMetrics(metrics);
      trainer.initialize(new Shape(1, IN));
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        // a NaN in batch 3 of epoch 1: DJL's divergence check would have stopped here
        EasyTrain.fit(trainer, 1, dataset(40, 1, 2 * BATCH + 3), dataset(16, 2, -1));
      } finally {
        System.setErr(err);
      }
      log = captured.toString(StandardCharsets.UTF_8);
    }

    assertThat(reports).hasSize(5);
    assertThat(reports.get(2).skipped()).isTrue();
    List<StepReport> applied = reports.stream().filter(r -> !r.skipped()).toList();
    assertThat(applied).anyMatch(r -> r.alrc().clipped() > 0);

    // per step, from the guard
    assertThat(values(metrics, GuardMetrics.SKIPPED_STEPS_TOTAL)).containsExactly(0d, 0d, 1d, 1d, 1d);
    assertThat(values(metrics, GuardMetrics.ALRC_THRESHOLD))
        .containsExactlyElementsOf(applied.stream().map(r -> r.alrc().threshold()).toList());
    assertThat(values(metrics, GuardMetrics.ALRC_CLIP_FRACTION))
        .containsExactlyElementsOf(applied.stream().map(StepReport::clipFraction).toList());
    assertThat(values(metrics, GuardMetrics.stabilizerThreshold("zclip")))
        .as("finite thresholds only: none during ZClip's warm-up")
        .containsExactlyElementsOf(
            applied.stream().map(r -> r.stabilizers().get(0).threshold())
                .filter(Double::isFinite).toList())
        .hasSize(2);
    assertThat(values(metrics, GuardMetrics.GRADIENT_NORM))
        .as("not measured in the NaN step")
        .hasSize(4);

    // the loss's own column is the unclipped mean, the guard's objective the clipped one
    List<Double> lossPerBatch = values(metrics, "train_all_MSE");
    List<Double> unclipped = values(metrics, GuardMetrics.ALRC_UNCLIPPED_LOSS);
    assertThat(unclipped).hasSize(4);
    int k = 0;
    for (int i = 0; i < reports.size(); i++) {
      if (!reports.get(i).skipped()) {
        assertThat(lossPerBatch.get(i))
            .as("DJL's MSE column equals the guard's unclipped loss, step %d", i + 1)
            .isCloseTo(unclipped.get(k++), within(1e-4 * unclipped.get(k - 1)));
        assertThat(reports.get(i).objective()).isLessThanOrEqualTo(reports.get(i).unclippedLoss());
      }
    }

    // over the epoch, through DJL's EvaluatorTrainingListener
    long clipped = applied.stream().mapToLong(r -> r.alrc().clipped()).sum();
    long examples = applied.stream().mapToLong(StepReport::examples).sum();
    assertThat(latest(metrics, "train_epoch_alrc_clip_fraction"))
        .isCloseTo((double) clipped / examples, within(1e-6));
    assertThat(latest(metrics, "train_epoch_alrc_objective"))
        .isCloseTo(
            applied.stream().mapToDouble(StepReport::objective).average().orElseThrow(),
            within(1e-4));
    assertThat(latest(metrics, "train_epoch_alrc_threshold"))
        .isCloseTo(applied.get(applied.size() - 1).alrc().threshold(), within(1e-3));
    assertThat(latest(metrics, "train_epoch_skipped_steps")).isEqualTo(1);
    assertThat(latest(metrics, "validate_epoch_alrc_objective")).as("no validation").isNaN();

    // and DJL's LoggingTrainingListener prints them beside the loss
    String trainLine =
        log.lines().filter(l -> l.contains("Train: ")).findFirst().orElseThrow(
            () -> new AssertionError("no 'Train:' line in DJL's log:\n" + log));
    assertThat(trainLine)
        .contains("alrc_objective: ", "alrc_clip_fraction: ", "alrc_threshold: ", "alrc_mu1: ",
            "alrc_sigma: ", "zclip_threshold: ", "skipped_steps: 1.00", ", MSE: ");
    String validateLine = log.lines().filter(l -> l.contains("Validate: ")).findFirst().orElseThrow();
    assertThat(validateLine).as("validation shows the loss only").contains("MSE: ")
        .doesNotContain("alrc_");
    assertThat(log).contains("step 3 skipped: loss of example 3 is NaN");
  }

  private static List<Double> values(Metrics metrics, String name) {
    if (!metrics.hasMetric(name)) {
      return List.of();
    }
    return metrics.getMetric(name).stream().map(m -> m.getValue().doubleValue()).toList();
  }

  private static double latest(Metrics metrics, String name) {
    Metric m = metrics.latestMetric(name);
    return m.getValue().doubleValue();
  }

  @Test
  void reportsNumberEveryRecordWithTheTrainingStep() throws IOException, TranslateException {
    StatefulAlrcLoss loss = clippingLoss();
    NormGradientStabilizer<ZClip.State> zclip = GradientStabilizers.zClip();
    List<StepReport> reports = new ArrayList<>();
    StepGuard guard =
        StepGuard.builder().optAlrcLoss(loss).addStabilizer(zclip).optReportListener(reports::add)
            .build();
    DefaultTrainingConfig config =
        guard.configure(new DefaultTrainingConfig(loss).optOptimizer(DjlTestSupport.adam(0.05f)));
    try (Model model = DjlTestSupport.linearModel("numbering");
        Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, IN));
      EasyTrain.fit(trainer, 1, dataset(40, 1, BATCH + 1), null); // NaN in step 2
    }
    for (StepReport r : reports) {
      assertThat(r.alrc().step()).as("ALRC's record of step %d", r.step()).isEqualTo(r.step());
      r.stabilizers().forEach(t -> assertThat(t.step()).isEqualTo(r.step()));
    }
    StepReport lastReport = reports.get(4);
    assertThat(lastReport.step()).isEqualTo(5);
    assertThat(lastReport.skippedSteps()).isEqualTo(1);
    assertThat(loss.state().steps())
        .as("ALRC's own count: the skipped step is erased from its state")
        .isEqualTo(lastReport.step() - lastReport.skippedSteps());
    assertThat(zclip.state().steps()).isEqualTo(4);
    assertThat(lastReport.examples()).isEqualTo(BATCH);
    assertThat(lastReport.clipFraction()).isEqualTo(lastReport.alrc().clipped() / (double) BATCH);
  }

  @Test
  void wiringMistakesSayWhatToDo() {
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    DefaultTrainingConfig config = guard.configure(new DefaultTrainingConfig(loss));
    assertThatThrownBy(() -> guard.configure(new DefaultTrainingConfig(loss)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("this StepGuard already wraps an optimizer (GuardedOptimizer[")
        .hasMessageContaining("by configure(config)), so configure(config) cannot wrap another:"
            + " call either guard.configure(config) or guard.wrap(optimizer), once; a guard"
            + " belongs to one training, so build a new StepGuard (and ALRC loss) for another"
            + " TrainingConfig");
    assertThatThrownBy(() -> guard.wrap(Optimizer.adam().build()))
        .hasMessageContaining("so wrap(optimizer) cannot wrap another");

    // a divergence check added after configure is caught when the trainer is created
    config.addTrainingListeners(TrainingListener.Defaults.basic());
    try (Model model = DjlTestSupport.linearModel("late-divergence-check")) {
      assertThatThrownBy(() -> model.newTrainer(config))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(
              "DJL's DivergenceCheckTrainingListener was added to the TrainingConfig after"
                  + " guard.configure(config)");
    }
  }

  @Test
  void theGuardsEvaluatorsNeedTheGuardFirst() throws IOException, TranslateException {
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(loss)
            .optOptimizer(guard.wrap(DjlTestSupport.adam(0.05f)))
            .addTrainingListeners(StepGuard.withoutDivergenceCheck(TrainingListener.Defaults.basic()))
            .addTrainingListeners(guard) // after DJL's EvaluatorTrainingListener: wrong
            .addEvaluators(guard.evaluators());
    try (Model model = DjlTestSupport.linearModel("late-guard");
        Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, IN));
      assertThatThrownBy(() -> EasyTrain.fit(trainer, 1, dataset(16, 1, -1), null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "alrc_objective was updated for a training batch that the StepGuard has not decided"
                  + " yet: the guard must run before DJL's EvaluatorTrainingListener; build the"
                  + " TrainingConfig with guard.configure(config), or add the guard as the first"
                  + " listener");
    }
  }

  @Test
  void multiDeviceTrainingIsRefusedAtConfigurationTime() {
    Device[] two = {Device.gpu(0), Device.gpu(1)};
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    String expected =
        "StepGuard supports training on one device, and the TrainingConfig has 2 [gpu(0), gpu(1)]:"
            + " DJL's parameter server calls Optimizer.update once per device for each parameter,"
            + " which the guarded optimizer and CheckpointableAdam cannot tell from a second"
            + " update, and the guard measures the gradients of the first device only. Train on"
            + " one device, e.g. config.optDevices(new Device[] {Device.gpu()})";
    assertThatThrownBy(
            () -> StepGuard.of(loss).configure(new DefaultTrainingConfig(loss).optDevices(two)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(expected);

    // the explicit route: refused when the trainer is created (onTrainingBegin)
    StepGuard guard = StepGuard.of(loss);
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(loss)
            .optDevices(two)
            .optOptimizer(guard.wrap(DjlTestSupport.adam(0.1f)))
            .addTrainingListeners(guard);
    try (Model model = DjlTestSupport.linearModel("two-devices")) {
      assertThatThrownBy(() -> model.newTrainer(config))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(expected.replace("the TrainingConfig", "the trainer"));
    }
  }

  @Test
  void checkpointableAdamRefusesASecondDevicesUpdateOfAParameter() {
    CheckpointableAdam adam = CheckpointableAdam.builder().build();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.create(new float[] {1, 2});
      w.setRequiresGradient(true);
      NDArray g = m.create(new float[] {0.5f, 0.5f});
      adam.update("p", w, g);
      NDArray onGpu = elsewhere(w, Device.gpu(1));
      assertThatThrownBy(() -> adam.update("p", onGpu, g))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "CheckpointableAdam keeps one set of moments per parameter and supports one device:"
                  + " parameter p was updated on cpu() and now on gpu(1) (DJL's multi-device"
                  + " training updates each parameter once per device, which would apply the"
                  + " moments twice); train on one device");
    }
  }

  /** {@code array} as if it lived on {@code device} (a view that reports another device). */
  private static NDArray elsewhere(NDArray array, Device device) {
    return (NDArray)
        Proxy.newProxyInstance(
            NDArray.class.getClassLoader(),
            new Class<?>[] {NDArray.class},
            (proxy, method, args) ->
                method.getName().equals("getDevice") ? device : method.invoke(array, args));
  }
}
