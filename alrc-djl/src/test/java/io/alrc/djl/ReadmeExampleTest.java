package io.alrc.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import io.alrc.djl.loss.AlrcLoss;
import io.alrc.djl.loss.PerExampleLoss;
import io.alrc.djl.loss.PerExampleLosses;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.loss.TruncatedLoss;
import io.alrc.djl.stabilizer.GradientStabilizer;
import io.alrc.djl.stabilizer.GradientStabilizers;
import io.alrc.djl.training.CheckpointableAdam;
import io.alrc.djl.training.StepGuard;
import io.alrc.djl.training.StepReport;
import io.alrc.djl.training.TensorBoardTrainingListener;
import io.alrc.tensorboard.TensorBoardReader;
import io.alrc.tensorboard.TrainingTags;
import io.alrc.telemetry.StepTelemetry;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code snippets of {@code alrc-djl/README.md}, verbatim between the {@code // README} markers,
 * so they compile and run; {@link #everyJavaSnippetOfTheReadmeIsInThisFile()} checks that the
 * README holds no other Java code, and {@link #theDependencyBlockNamesTheVersionsOfThisBuild()} its
 * Maven coordinates.
 */
class ReadmeExampleTest {
  static {
    DjlTestSupport.init();
  }

  private static final Path PROJECT = Path.of(System.getProperty("alrc.project.dir", ".."));

  @TempDir Path tmp;
  private NDManager manager;
  private Model model;
  private ArrayDataset trainingSet;
  private ArrayDataset validationSet;
  private final int epochs = 2;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
    model = Model.newInstance("readme");
    model.setBlock(Linear.builder().setUnits(1).build());
    trainingSet = dataset(32, 1);
    validationSet = dataset(16, 2);
  }

  @AfterEach
  void tearDown() {
    model.close();
    manager.close();
  }

  private ArrayDataset dataset(int rows, long seed) {
    float[] x = DjlTestSupport.gaussian(new Random(seed), rows * 4, 1);
    float[] y = DjlTestSupport.linearTargets(x, 4, new float[] {1, -2, 0.5f, 3}, 0.5f);
    return new ArrayDataset.Builder()
        .setData(manager.create(x, new Shape(rows, 4)))
        .optLabels(manager.create(y, new Shape(rows, 1)))
        .setSampling(8, false)
        .build();
  }

  @Test
  void alrcWithEasyTrain() throws IOException, TranslateException {
    // README: ALRC with EasyTrain.fit
    StatefulAlrcLoss loss = AlrcLoss.builder()
        .setBaseLoss(PerExampleLosses.mse())   // any per-example loss: one value per example
        .build();                              // defaults: AlrcConfig.auto(), no loss scale to guess
    StepGuard guard = StepGuard.of(loss);      // commits ALRC once per step, skips NaN steps

    DefaultTrainingConfig config = guard.configure(new DefaultTrainingConfig(loss)
        .optOptimizer(Optimizer.adam().build())
        .addTrainingListeners(TrainingListener.Defaults.logging()));
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.setMetrics(new Metrics());       // DJL's log prints what reaches the metrics
      trainer.initialize(new Shape(1, 4));
      EasyTrain.fit(trainer, epochs, trainingSet, validationSet);
    }
    // README end

    assertThat(loss.state().steps()).as("2 epochs x 4 batches").isEqualTo(8);
    assertThat(guard.steps()).isEqualTo(8);
  }

  @Test
  void alrcWithEasyTrainTheExplicitWay() throws IOException, TranslateException {
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    // README: the explicit wiring
    DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
        .optOptimizer(guard.wrap(Optimizer.adam().build()))
        .addTrainingListeners(guard)           // first: it decides the step
        .addTrainingListeners(StepGuard.withoutDivergenceCheck(TrainingListener.Defaults.logging()))
        .addEvaluators(guard.evaluators());    // optional: ALRC's columns in DJL's log
    // README end
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, 4));
      EasyTrain.fit(trainer, 1, trainingSet, null);
    }
    assertThat(guard.steps()).isEqualTo(4);
  }

  @Test
  void alrcInAHandWrittenLoop() throws IOException, TranslateException {
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(loss).optOptimizer(guard.wrap(Optimizer.adam().build()));
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, 4));
      // README: ALRC in a hand-written loop
      for (Batch batch : trainer.iterateDataset(trainingSet)) {
        try (GradientCollector collector = trainer.newGradientCollector()) {
          NDList predictions = trainer.forward(batch.getData());
          NDArray objective = loss.evaluate(batch.getLabels(), predictions);
          collector.backward(objective);
        }
        StepReport report = guard.afterBackward(trainer); // commit ALRC, or mark the step skipped
        trainer.step();                                   // always: a skipped step changes nothing
        batch.close();
      }
      // README end
    }
    assertThat(loss.state().steps()).isEqualTo(4);
    assertThat(guard.lastReport()).isPresent();
  }

  @Test
  void tensorBoard() throws IOException, TranslateException {
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    CheckpointableAdam adam = CheckpointableAdam.builder().build();
    Path logDir = tmp.resolve("tensorboard");
    // README: TensorBoard
    TensorBoardTrainingListener tensorBoard =
        TensorBoardTrainingListener.builder(guard, logDir).build();
    DefaultTrainingConfig config = guard.configure(new DefaultTrainingConfig(loss)
        .optOptimizer(adam)
        .addTrainingListeners(TrainingListener.Defaults.logging())
        .addTrainingListeners(tensorBoard));   // after DJL's listeners
    // README end
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, 4));
      EasyTrain.fit(trainer, epochs, trainingSet, validationSet);
    }
    List<TensorBoardReader.Scalar> scalars = TensorBoardReader.readScalars(logDir);
    assertThat(scalars.stream().map(TensorBoardReader.Scalar::tag).distinct())
        .contains(
            TrainingTags.LOSS,
            TrainingTags.UNCLIPPED_LOSS,
            TrainingTags.ALRC_THRESHOLD,
            TrainingTags.ALRC_MU1,
            TrainingTags.ALRC_SIGMA,
            TrainingTags.ALRC_CLIP_FRACTION,
            TrainingTags.SKIPPED_STEPS,
            TrainingTags.LEARNING_RATE,
            TrainingTags.GRADIENT_NORM,
            TrainingTags.VALIDATION_LOSS);
    assertThat(scalars.stream().mapToLong(TensorBoardReader.Scalar::step).max()).hasValue(8);
  }

  @Test
  void zClipWithEasyTrainAndByHand() throws IOException, TranslateException {
    Loss anyLoss = Loss.l2Loss();
    // README: a gradient stabilizer
    GradientStabilizer zclip = GradientStabilizers.zClip();
    StepGuard guard = StepGuard.of(zclip);

    DefaultTrainingConfig config = guard.configure(new DefaultTrainingConfig(anyLoss)
        .optOptimizer(Optimizer.adam().build()));
    // README end
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, 4));
      EasyTrain.fit(trainer, 1, trainingSet, null);
      for (Batch batch : trainer.iterateDataset(trainingSet)) {
        // README: a gradient stabilizer by hand
        try (GradientCollector collector = trainer.newGradientCollector()) {
          NDList predictions = trainer.forward(batch.getData());
          collector.backward(trainer.getLoss().evaluate(batch.getLabels(), predictions));
        }
        guard.afterBackward(trainer);           // ZClip measures, clips and advances here
        trainer.step();
        StepTelemetry t = zclip.lastTelemetry().orElseThrow();
        // README end
        assertThat(t.skipped()).isFalse();
        batch.close();
      }
    }
    assertThat(guard.steps()).isEqualTo(8);
  }

  @Test
  void thePeersInOneGuardWithEasyTrain() throws IOException, TranslateException {
    // README: the peers
    TruncatedLoss truncated = TruncatedLoss.builder()
        .setBaseLoss(PerExampleLosses.mse())
        .optDropFraction(0.2)                      // drop the 20 % largest losses
        .build();
    StepGuard guard = StepGuard.builder()
        .optTruncatedLoss(truncated)               // commits its history once per step
        .addStabilizer(GradientStabilizers.adaGc())  // the tensor count comes with the first step
        .optSkipOnSpikes()                         // loss and gradient norm, window 128, factor 6
        .build();
    DefaultTrainingConfig config = guard.configure(new DefaultTrainingConfig(truncated)
        .optOptimizer(Optimizer.adam().build()));
    // README end
    try (Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(new Shape(1, 4));
      EasyTrain.fit(trainer, epochs, trainingSet, validationSet);
    }
    assertThat(guard.steps()).isEqualTo(8);
    assertThat(truncated.state().steps()).as("committed once per applied step")
        .isEqualTo(8 - guard.spikeSkippedSteps() - guard.skippedSteps());
    assertThat(guard.lossSpikeState().orElseThrow().steps()).isEqualTo(8 - guard.skippedSteps());
    assertThat(guard.evaluators().stream().map(e -> e.getName()).toList())
        .contains("adagc_threshold", "adagc_clip_fraction", "loss-truncation_objective",
            "loss-truncation_drop_fraction", "loss-truncation_threshold", "skip-step_loss_threshold",
            "skip-step_gradient_norm_threshold", "spike_skipped_steps", "skipped_steps");
  }

  @Test
  void papersLossesAndACustomOne() {
    // README: per-example losses
    PerExampleLoss quartic = PerExampleLosses.sqrtAbove(PerExampleLosses.meanPower(4, 25), 50);
    PerExampleLoss custom = PerExampleLosses.named("LogCosh", (labels, predictions) -> {
      try (NDArray e = labels.head().reshape(predictions.head().getShape()).sub(predictions.head());
          NDArray c = e.cosh();
          NDArray l = c.log();
          NDArray rows = l.reshape(l.getShape().get(0), -1)) {
        return rows.mean(new int[] {1});           // shape (B,)
      }
    });
    StatefulAlrcLoss loss = AlrcLoss.builder()
        .setBaseLoss(quartic)
        .optProfile(io.alrc.AlrcConfig.Profile.CIFAR2019)
        .optN(3)
        .build();
    // README end
    assertThat(loss.getName()).isEqualTo("SqrtAbove50(25xMeanPower4)");
    try (NDManager m = NDManager.newBaseManager()) {
      NDList l = new NDList(m.create(new float[] {0, 1}, new Shape(2, 1)));
      NDList p = new NDList(m.zeros(new Shape(2, 1)));
      try (NDArray per = custom.evaluate(l, p)) {
        assertThat(per.toFloatArray()[1]).isCloseTo((float) Math.log(Math.cosh(1)),
            org.assertj.core.api.Assertions.within(1e-6f));
      }
    }
  }

  // --- checkpoint and resume ---

  /** A training of ALRC and CheckpointableAdam, one epoch of 4 batches per call of {@link #fit}. */
  private static final class Run implements AutoCloseable {
    final StatefulAlrcLoss loss;
    final StepGuard guard;
    final CheckpointableAdam adam;
    final Model model;
    final Trainer trainer;

    Run(Model model, StatefulAlrcLoss loss, StepGuard guard, CheckpointableAdam adam,
        Trainer trainer) {
      this.model = model;
      this.loss = loss;
      this.guard = guard;
      this.adam = adam;
      this.trainer = trainer;
    }

    static Run fresh() {
      StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
      StepGuard guard = StepGuard.of(loss);
      CheckpointableAdam adam =
          CheckpointableAdam.builder().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
      Model model = Model.newInstance("fresh");
      model.setBlock(Linear.builder().setUnits(1).build());
      Trainer trainer =
          model.newTrainer(guard.configure(new DefaultTrainingConfig(loss).optOptimizer(adam)));
      trainer.initialize(new Shape(1, 4));
      DjlTestSupport.setParameter(model, "weight", new float[] {0.1f, 0.2f, 0.3f, 0.4f});
      DjlTestSupport.setParameter(model, "bias", new float[] {0});
      return new Run(model, loss, guard, adam, trainer);
    }

    void fit(ArrayDataset data) throws IOException, TranslateException {
      EasyTrain.fit(trainer, 1, data, null);
    }

    float[] weight() {
      return DjlTestSupport.parameter(model, "weight");
    }

    @Override
    public void close() {
      trainer.close();
      model.close();
    }
  }

  private static void save(Run run, Path checkpoint) throws IOException {
    Model model = run.model;
    StepGuard guard = run.guard;
    CheckpointableAdam adam = run.adam;
    // README: save a checkpoint
    Path tmp = checkpoint.resolveSibling(checkpoint.getFileName() + ".tmp");
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
      model.getBlock().saveParameters(out);                 // weights
      byte[] state = guard.snapshot();                      // ALRC, stabilizers, guard counters
      out.writeInt(state.length);
      out.write(state);
      adam.save(out, model.getBlock().getParameters());     // Adam's moments and step counts
    }
    Files.move(tmp, checkpoint, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);                    // a crash never leaves half a file
    // README end
  }

  private static Run resume(Path checkpoint) throws IOException, MalformedModelException {
    // README: resume from a checkpoint
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());  // configured as before
    StepGuard guard = StepGuard.of(loss);
    CheckpointableAdam adam =
        CheckpointableAdam.builder().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
    Model model = Model.newInstance("resumed");
    model.setBlock(Linear.builder().setUnits(1).build());
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(checkpoint)))) {
      model.getBlock().loadParameters(model.getNDManager(), in);  // before trainer.initialize
      guard.restore(in.readNBytes(in.readInt()));
      adam.load(in, model.getBlock().getParameters(), model.getNDManager());
    }
    Trainer trainer =
        model.newTrainer(guard.configure(new DefaultTrainingConfig(loss).optOptimizer(adam)));
    trainer.initialize(new Shape(1, 4));        // takes the loaded weights
    // README end
    return new Run(model, loss, guard, adam, trainer);
  }

  @Test
  void aResumedRunContinuesBitForBit() throws Exception {
    float[] straight;
    try (Run run = Run.fresh()) {
      run.fit(trainingSet);
      run.fit(trainingSet);
      straight = run.weight();
    }
    Path checkpoint = tmp.resolve("checkpoint.bin");
    float[] first;
    try (Run run = Run.fresh()) {
      run.fit(trainingSet);
      save(run, checkpoint);
      first = run.weight();
    }
    assertThat(Files.exists(tmp.resolve("checkpoint.bin.tmp"))).isFalse();
    try (Run run = resume(checkpoint)) {
      assertThat(run.guard.steps()).isEqualTo(4);
      assertThat(run.weight()).containsExactly(first);
      run.fit(trainingSet);
      assertThat(run.guard.steps()).isEqualTo(8);
      assertThat(run.loss.state().steps()).isEqualTo(8);
      assertThat(run.weight())
          .as("weights, ALRC state and Adam's moments restored: the same as without a break")
          .containsExactly(straight);
    }
  }

  @Test
  void weightsLoadedAfterInitializeNeverReachTheTrainer() throws Exception {
    Path checkpoint = tmp.resolve("checkpoint.bin");
    float[] saved;
    try (Run run = Run.fresh()) {
      run.fit(trainingSet);
      save(run, checkpoint);
      saved = run.weight();
    }
    // the trap, in plain DJL: load after trainer.initialize
    Model late = Model.newInstance("late");
    late.setBlock(Linear.builder().setUnits(1).build());
    try (late;
        Trainer trainer =
            late.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(
                Optimizer.adam().build()))) {
      trainer.initialize(new Shape(1, 4));
      loadWeights(late, checkpoint);
      assertThat(DjlTestSupport.parameter(late, "weight")).containsExactly(saved);
      EasyTrain.fit(trainer, 1, trainingSet, null);
      assertThat(DjlTestSupport.parameter(late, "weight"))
          .as("DJL trained the arrays it kept in initialize; the loaded ones never changed")
          .containsExactly(saved);
    }
    // with a guard, the first step says what happened
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    Model guarded = Model.newInstance("late-guarded");
    guarded.setBlock(Linear.builder().setUnits(1).build());
    try (guarded;
        Trainer trainer = guarded.newTrainer(
            guard.configure(new DefaultTrainingConfig(loss).optOptimizer(Optimizer.adam().build())))) {
      trainer.initialize(new Shape(1, 4));
      loadWeights(guarded, checkpoint);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> EasyTrain.fit(trainer, 1, trainingSet, null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(
              "parameter weight has no gradient: its array was replaced after trainer.initialize"
                  + " (by Block.loadParameters, Model.load or Parameter.setArray), and the trainer"
                  + " trains the array it kept then, not this one. Load the weights before"
                  + " trainer.initialize");
    }
  }

  private static void loadWeights(Model model, Path checkpoint)
      throws IOException, MalformedModelException {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(checkpoint)))) {
      model.getBlock().loadParameters(model.getNDManager(), in);
    }
  }

  @Test
  void checkpointableAdamAsTheOptimizer() {
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    // README: CheckpointableAdam
    CheckpointableAdam adam =
        CheckpointableAdam.builder().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
    TrainingConfig config = new DefaultTrainingConfig(loss).optOptimizer(guard.wrap(adam));
    // README end
    assertThat(guard.optimizer()).containsSame(adam);
    assertThat(config.getOptimizer()).isNotSameAs(adam);
  }

  // --- the README is what this file tests ---

  private static String readme() throws IOException {
    return Files.readString(PROJECT.resolve("alrc-djl/README.md"), StandardCharsets.UTF_8);
  }

  private static List<String> normalized(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  @Test
  void everyJavaSnippetOfTheReadmeIsInThisFile() throws IOException {
    List<String> test =
        normalized(
            Files.readString(
                PROJECT.resolve("alrc-djl/src/test/java/io/alrc/djl/ReadmeExampleTest.java"),
                StandardCharsets.UTF_8));
    Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme());
    int blocks = 0;
    while (m.find()) {
      blocks++;
      List<String> snippet = normalized(m.group(1));
      assertThat(java.util.Collections.indexOfSubList(test, snippet))
          .as("README snippet %d is not (verbatim, up to indentation) in ReadmeExampleTest:%n%s",
              blocks, m.group(1))
          .isNotNegative();
    }
    assertThat(blocks).isGreaterThanOrEqualTo(9);
  }

  @Test
  void theDependencyBlockNamesTheVersionsOfThisBuild() throws IOException {
    String pom = Files.readString(PROJECT.resolve("pom.xml"), StandardCharsets.UTF_8);
    Matcher xml = Pattern.compile("```xml\n(.*?)```", Pattern.DOTALL).matcher(readme());
    assertThat(xml.find()).as("the README's <dependency> block").isTrue();
    String block = xml.group(1);
    assertThat(version(block, "alrc-djl")).isEqualTo(tag(pom, "version"));
    assertThat(version(block, "pytorch-engine")).isEqualTo(tag(pom, "djl.version"));
    assertThat(version(block, "pytorch-jni"))
        .isEqualTo(tag(pom, "pytorch.jni.version").replace("${djl.version}", tag(pom, "djl.version")));
    assertThat(version(block, "pytorch-native-cpu")).isEqualTo(tag(pom, "pytorch.native.version"));
  }

  private static String version(String block, String artifactId) {
    Matcher m =
        Pattern.compile(
                "<artifactId>" + Pattern.quote(artifactId) + "</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(block);
    assertThat(m.find()).as("%s with a version in the README's block", artifactId).isTrue();
    return m.group(1);
  }

  /** The first {@code <name>value</name>} after the parent's coordinates. */
  private static String tag(String pom, String name) {
    String from = name.equals("version") ? pom.substring(pom.indexOf("<artifactId>alrc-parent")) : pom;
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(from);
    assertThat(m.find()).as("<%s> in pom.xml", name).isTrue();
    return m.group(1);
  }
}
