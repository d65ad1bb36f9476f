package io.alrc.engine.djl;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.util.Pair;
import io.alrc.AlrcConfig;
import io.alrc.djl.loss.AlrcLoss;
import io.alrc.djl.loss.MonitoredLoss;
import io.alrc.djl.loss.PerExampleLoss;
import io.alrc.djl.loss.PerExampleLosses;
import io.alrc.djl.loss.StatefulAlrcLoss;
import io.alrc.djl.loss.TruncatedLoss;
import io.alrc.djl.stabilizer.GradientStabilizers;
import io.alrc.djl.training.CheckpointableAdam;
import io.alrc.djl.training.StepArrays;
import io.alrc.djl.training.StepGuard;
import io.alrc.djl.training.SpikeSignal;
import io.alrc.djl.training.StepReport;
import io.alrc.experiments.nn.Network;
import io.alrc.experiments.train.Batch;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.StepEngine;
import io.alrc.experiments.train.StepResult;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.TrainConfig;
import io.alrc.stabilizer.AdaptiveGradientClipper;
import io.alrc.telemetry.StepTelemetry;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The training engine on DJL with the PyTorch engine, built from the project's DJL components: the
 * per-example loss of the run ({@code w * mean(err^p)}, then the optional safeguard), ALRC as a
 * {@link StatefulAlrcLoss}, loss truncation as a {@link TruncatedLoss}, or one gradient stabilizer
 * (AdaGC among them), a {@link StepGuard} that commits the statistics once per step, skips
 * non-finite steps and, for skip-step, skips the update on spikes ({@code optSkipOnSpikes}, the
 * loss read through a {@link MonitoredLoss}), and Adam with saveable state ({@link
 * CheckpointableAdam}) or SGD.
 *
 * <p>Skip-step is reported as the javacpp engine reports it: a spike skip has {@code skipped}
 * false, {@code clipped} 1, {@code minScale} 0 and the loss monitor's threshold (the gradient-norm
 * monitor's when only the norm is watched); it is not counted towards the non-finite limit. Unlike
 * the javacpp engine the backward always runs (the guard decides after it), so a loss spike still
 * has its gradient norm measured.
 *
 * <p>One engine per JVM: DJL allows one gradient collection at a time, and the engine's seed is
 * global.
 */
public final class DjlStepEngine implements StepEngine {
  private final TrainConfig config;
  private final Model model;
  private final Trainer trainer;
  private final StepGuard guard;
  private final CheckpointableAdam adam;
  private final ScheduledRate rate = new ScheduledRate();
  private final Recorder recorder;
  private final PerExampleLoss error;
  private final int inputChannels;
  /** Loss huber with ALRC, in the authors' order: clip the raw loss, then Huber's root. */
  private final boolean huberAfterAlrc;

  /**
   * Builds the network of {@code task}, initialises it from the run's seed, and sets up loss,
   * stabilizer and optimizer.
   *
   * @throws IllegalArgumentException if the run's precision is not fp32: this engine trains in
   *     float32 only (bf16 is the javacpp engine's)
   */
  public DjlStepEngine(TrainConfig config, Task task) {
    if (!config.precisionName().equals(TrainConfig.FP32)) {
      throw new IllegalArgumentException(
          "precision " + config.precisionName() + " needs the javacpp engine; the djl engine trains"
              + " in fp32 only (use --engine javacpp or --precision fp32)");
    }
    this.config = config;
    Engine engine = Engine.getEngine("PyTorch");
    engine.setRandomSeed((int) (config.seed() ^ (config.seed() >>> 32)));
    Network network = task.network(config);
    Block block = DjlNetworks.block(network);
    this.model = Model.newInstance(task.name(), engine.defaultDevice(), "PyTorch");
    model.setBlock(block);

    double p = config.loss().equals("quartic") ? 4 : 2;
    this.error = PerExampleLosses.meanPower(p, config.lossWeightOr(task.lossWeight()));
    PerExampleLoss perExample = error;
    this.huberAfterAlrc = config.huberAfterAlrc();
    if (config.loss().equals("huber") && !huberAfterAlrc) {
      perExample = PerExampleLosses.sqrtAbove(perExample, 1);
    }
    if (config.safeguard()) {
      perExample = PerExampleLosses.sqrtAbove(perExample, 50);
    }
    this.recorder = new Recorder(perExample);

    StepGuard.Builder guardBuilder = StepGuard.builder();
    Loss plain = PerExampleLosses.batchMean(recorder);
    Loss loss = config.stabilizer().accept(new Stabilizer.Visitor<Loss>() {
      @Override
      public Loss none(Stabilizer.None s) {
        return plain;
      }

      @Override
      public Loss alrc(Stabilizer.Alrc s) {
        AlrcConfig alrcConfig = s.config();
        StatefulAlrcLoss.Builder b = AlrcLoss.builder().setBaseLoss(recorder).optConfig(alrcConfig);
        if (huberAfterAlrc) {
          b.optSqrtAboveAfterClipping(1); // the authors' order: clip the raw error, then the root
        }
        StatefulAlrcLoss alrc = b.build();
        guardBuilder.optAlrcLoss(alrc);
        return alrc;
      }

      @Override
      public Loss globalNorm(Stabilizer.GlobalNorm s) {
        guardBuilder.addStabilizer(GradientStabilizers.globalNorm(s.maxNorm()));
        return plain;
      }

      @Override
      public Loss autoClip(Stabilizer.AutoClip s) {
        guardBuilder.addStabilizer(GradientStabilizers.autoClip(s.percentile(), s.window()));
        return plain;
      }

      @Override
      public Loss zClip(Stabilizer.ZClip s) {
        guardBuilder.addStabilizer(GradientStabilizers.zClip(s.alpha(), s.threshold(), s.warmup()));
        return plain;
      }

      @Override
      public Loss agc(Stabilizer.Agc s) {
        guardBuilder.addStabilizer(
            GradientStabilizers.agc(s.lambda(), AdaptiveGradientClipper.DEFAULT_EPS));
        return plain;
      }

      @Override
      public Loss adaGc(Stabilizer.AdaGc s) {
        guardBuilder.addStabilizer(
            GradientStabilizers.adaGc(s.lambdaAbs(), s.lambdaRel(), s.beta(), s.warmup()));
        return plain;
      }

      @Override
      public Loss skipStep(Stabilizer.SkipStep s) {
        SpikeSignal signal = s.watchesLoss()
            ? (s.watchesGradNorm() ? SpikeSignal.BOTH : SpikeSignal.LOSS)
            : SpikeSignal.GRADIENT_NORM;
        guardBuilder.optSkipOnSpikes(s.interval(), s.factor(), signal);
        if (!s.watchesLoss()) {
          return plain;
        }
        MonitoredLoss monitored = MonitoredLoss.of(plain);
        guardBuilder.optMonitoredLoss(monitored);
        return monitored;
      }

      @Override
      public Loss lossTruncation(Stabilizer.LossTruncation s) {
        TruncatedLoss truncated = TruncatedLoss.builder()
            .setBaseLoss(recorder)
            .optDropFraction(s.dropFraction())
            .optMinCount(s.minCount())
            .optRecompute(s.recompute())
            .build();
        guardBuilder.optTruncatedLoss(truncated);
        return truncated;
      }
    });
    this.guard = guardBuilder.build();

    Optimizer optimizer;
    if (config.optimizer().equals("adam")) {
      adam = CheckpointableAdam.builder().optLearningRateTracker(rate).build();
      optimizer = adam;
    } else {
      adam = null;
      optimizer = Optimizer.sgd().setLearningRateTracker(rate).build();
    }
    DefaultTrainingConfig tc = new DefaultTrainingConfig(loss).optOptimizer(guard.wrap(optimizer));
    this.trainer = model.newTrainer(tc);
    Batch probe = task.trainBatch(1);
    this.inputChannels = probe.inputChannels();
    trainer.initialize(new Shape(config.batch(), probe.inputChannels(), probe.height(), probe.width()));
    if (parameterCount() != network.parameterCount()) {
      throw new IllegalStateException(
          "the DJL network has " + parameterCount() + " parameters, its description "
              + network.parameterCount());
    }
  }

  @Override
  public StepResult train(long step, Batch batch, double lr) {
    rate.set((float) lr);
    NDManager manager = model.getNDManager().newSubManager();
    try (manager) {
      NDArray x = StepArrays.copyOf(manager, batch.input(), shape(batch, batch.inputChannels()));
      NDArray y = StepArrays.copyOf(manager, batch.target(), shape(batch, batch.targetChannels()));
      float objective;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDList predictions = trainer.forward(new NDList(x));
        NDArray value = trainer.getLoss().evaluate(new NDList(y), predictions);
        objective = value.getFloat();
        collector.backward(value);
      }
      float[] losses = recorder.last;
      StepReport report = guard.afterBackward(trainer);
      trainer.step();
      double sum = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (float raw : losses) {
        // with Huber after clipping the recorder holds the raw error: report the objective's terms
        double l = huberAfterAlrc ? (raw < 1 ? raw : Math.sqrt(raw)) : raw;
        sum += l;
        max = Math.max(max, l);
      }
      double unadjusted = sum / losses.length;
      double threshold = Double.NaN;
      int clipped = 0;
      double minScale = 1;
      StepTelemetry spike = report.lossSpike() != null ? report.lossSpike() : report.gradientNormSpike();
      StepTelemetry t = report.alrc() != null ? report.alrc()
          : report.truncation() != null ? report.truncation()
          : report.stabilizers().isEmpty() ? null : report.stabilizers().get(0);
      if (spike != null) {
        threshold = spike.threshold();
        clipped = report.spikeSkipped() ? 1 : 0; // one skipped update
        minScale = report.spikeSkipped() ? 0 : 1;
      } else if (t != null) {
        threshold = t.threshold();
        clipped = t.clipped();
        minScale = t.minScale();
      }
      return new StepResult(
          report.skipped() ? Double.NaN : objectiveAfterStabilizer(objective, unadjusted, report),
          unadjusted,
          max,
          threshold,
          clipped,
          minScale,
          report.gradientNorm(),
          report.skipped(),
          batch.injected());
    }
  }

  /**
   * The backpropagated objective: ALRC's clipped mean, which the loss returned; loss truncation's
   * objective, as the guard committed it; gradient stabilizers and skip-step leave the loss value
   * alone.
   */
  private double objectiveAfterStabilizer(float objective, double unadjusted, StepReport report) {
    if (config.alrc()) {
      return objective;
    }
    if (report.truncation() != null) {
      return report.applied() ? report.objective() : unadjusted;
    }
    return unadjusted;
  }

  private static Shape shape(Batch b, int channels) {
    return new Shape(b.batch(), channels, b.height(), b.width());
  }

  @Override
  public double[] evaluate(Batch batch) {
    try (NDManager manager = model.getNDManager().newSubManager()) {
      NDArray x = StepArrays.copyOf(manager, batch.input(), shape(batch, batch.inputChannels()));
      NDArray y = StepArrays.copyOf(manager, batch.target(), shape(batch, batch.targetChannels()));
      NDList predictions = trainer.evaluate(new NDList(x));
      NDArray per = error.evaluate(new NDList(y), predictions);
      float[] values = per.toFloatArray();
      double[] out = new double[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = values[i];
      }
      return out;
    }
  }

  @Override
  public float[] predict(Batch batch) {
    try (NDManager manager = model.getNDManager().newSubManager()) {
      NDArray x = StepArrays.copyOf(manager, batch.input(), shape(batch, batch.inputChannels()));
      return trainer.evaluate(new NDList(x)).singletonOrThrow().toFloatArray();
    }
  }

  @Override
  public void save(DataOutputStream out) throws IOException {
    ParameterList params = model.getBlock().getParameters();
    out.writeInt(params.size());
    for (Pair<String, Parameter> p : params) {
      out.writeUTF(p.getKey());
      byte[] bytes = p.getValue().getArray().encode();
      out.writeInt(bytes.length);
      out.write(bytes);
    }
    out.writeBoolean(adam != null);
    if (adam != null) {
      adam.save(out, model.getBlock().getParameters());
    }
    byte[] g = guard.snapshot();
    out.writeInt(g.length);
    out.write(g);
  }

  @Override
  public void load(DataInputStream in) throws IOException {
    // The trainer's parameter store holds the parameter arrays themselves, so the saved values
    // are copied into them in place (replacing the arrays would detach them from the trainer).
    ParameterList params = model.getBlock().getParameters();
    in.mark(64);
    int utfLength = in.readUnsignedShort();
    byte[] head = in.readNBytes(Math.min(utfLength, 32));
    if (new String(head, java.nio.charset.StandardCharsets.UTF_8).startsWith("alrc-javacpp")) {
      throw new IOException("the checkpoint was written by the javacpp engine; this run trains on djl");
    }
    in.reset();
    int n = in.readInt();
    if (n != params.size()) {
      throw new IOException(
          "checkpoint holds " + n + " parameters, the network has " + params.size());
    }
    try (NDManager manager = model.getNDManager().newSubManager()) {
      for (Pair<String, Parameter> p : params) {
        String name = in.readUTF();
        byte[] bytes = in.readNBytes(in.readInt());
        NDArray saved = NDArray.decode(manager, bytes);
        NDArray target = p.getValue().getArray();
        // Matched by position and shape: DJL derives the names from the block structure, which
        // the engine-neutral network description replaced (checkpoints of earlier versions hold
        // names such as 04ParallelBlock_01SequentialBlock_01Conv2d_weight for the same tensors).
        if (!saved.getShape().equals(target.getShape())) {
          throw new IOException(
              "checkpoint parameter " + name + " " + saved.getShape() + " does not match the"
                  + " network's " + p.getKey() + " " + target.getShape());
        }
        target.set(saved.toByteBuffer());
      }
    }
    boolean hasAdam = in.readBoolean();
    if (hasAdam != (adam != null)) {
      throw new IOException("checkpoint was written with another optimizer");
    }
    if (adam != null) {
      adam.load(in, model.getBlock().getParameters(), model.getNDManager());
    }
    byte[] g = in.readNBytes(in.readInt());
    guard.restore(g);
  }

  @Override
  public long parameterCount() {
    long n = 0;
    ParameterList params = model.getBlock().getParameters();
    for (Pair<String, Parameter> p : params) {
      n += p.getValue().getArray().size();
    }
    return n;
  }

  /** Input channels of the network. */
  public int inputChannels() {
    return inputChannels;
  }

  @Override
  public void close() {
    trainer.close();
    model.close();
  }

  /** A learning rate set by the training loop before each step (its staircase schedule). */
  private static final class ScheduledRate implements ParameterTracker {
    private volatile float value = 1e-3f;

    void set(float v) {
      value = v;
    }

    @Override
    public float getNewValue(String parameterId, int numUpdate) {
      return value;
    }
  }

  /** Passes the per-example loss through and keeps its values for the step's metrics. */
  private static final class Recorder implements PerExampleLoss {
    private final PerExampleLoss base;
    float[] last = new float[0];

    Recorder(PerExampleLoss base) {
      this.base = base;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
      NDArray per = base.evaluate(labels, predictions);
      last = per.toFloatArray();
      return per;
    }

    @Override
    public String name() {
      return base.name();
    }
  }
}
