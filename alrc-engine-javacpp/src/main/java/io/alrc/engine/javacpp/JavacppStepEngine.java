package io.alrc.engine.javacpp;

import io.alrc.AlrcClipper;
import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import io.alrc.AlrcStep;
import io.alrc.NonFiniteStepException;
import io.alrc.experiments.nn.Network;
import io.alrc.experiments.train.Batch;
import io.alrc.experiments.train.CpuInfo;
import io.alrc.experiments.train.Stabilizer;
import io.alrc.experiments.train.StepEngine;
import io.alrc.experiments.train.StepResult;
import io.alrc.experiments.train.Task;
import io.alrc.experiments.train.TrainConfig;
import io.alrc.optim.AdamKernel;
import io.alrc.snapshot.AlrcSnapshot;
import io.alrc.snapshot.SnapshotFormat;
import io.alrc.stabilizer.AdaGC;
import io.alrc.stabilizer.AdaptiveGradientClipper;
import io.alrc.stabilizer.LossTruncation;
import io.alrc.stabilizer.NormStabilizer;
import io.alrc.stabilizer.NormStep;
import io.alrc.stabilizer.SpikeSkipper;
import io.alrc.stabilizer.StepCount;
import io.alrc.telemetry.StepTelemetry;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The training engine on libtorch through the JavaCPP presets ({@code org.bytedeco:pytorch}), with
 * activations and convolution kernels in channels-last memory: the fastest way found to train the
 * paper's networks from Java on a CPU (docs/performance.md). It does the same work as {@code
 * DjlStepEngine}:
 *
 * <pre>
 * per-example loss  L_i = w * mean_j |e_ij|^p          (p = 2 squared/huber, 4 quartic; w from the task)
 *                   huber: L_i &lt; 1 ? L_i : sqrt(L_i);  safeguard: L_i &lt; 50 ? L_i : sqrt(L_i)
 * ALRC              scales s_i from the core AlrcClipper on the detached L_i; objective mean_i(s_i L_i)
 * loss truncation   scales s_i in {0, 1} from the core LossTruncation, the same way
 * otherwise         objective mean_i(L_i); after backward the gradient stabilizer (global-norm,
 *                   AutoClip, ZClip on the global norm; AGC unit-wise; AdaGC per tensor) scales the
 *                   gradients
 * skip-step         SpikeSkipper monitors of mean_i(L_i) (before backward) and of the global norm
 *                   (after backward); a spike of either skips the update (see below)
 * skip              a non-finite example loss or gradient norm updates nothing; the K-th such step
 *                   in a row throws NonFiniteStepException (K = ALRC's non-finite limit, else 10)
 * optimizer         Adam with the core's AdamKernel (DJL's fused float32 kernel and bias correction)
 *                   or SGD w -= lr * g, in Java over the parameters' own memory
 * </pre>
 *
 * The autograd graph lives in libtorch; the per-step tensors are freed when the step's {@link
 * PointerScope} closes. Gradients are copied into Java once per step (for the global norm, the
 * stabilizers and the update) and then released, as {@code zero_grad(set_to_none=True)} does.
 * Parameters are initialised from the run's seed in Java, so a run is reproducible from its
 * configuration; with the same thread count, a resumed run continues bit-identically.
 *
 * <h2>Skip-step</h2>
 *
 * With {@code skip-step} each watched signal has its own {@link SpikeSkipper}. The loss monitor
 * decides before backward: with the signal {@code loss} a spike skips the backward too; with {@code
 * both} the backward still runs, so that the step's gradient norm enters its window as in the
 * references (they record both values every step). A spike skip changes no parameter, no Adam
 * moment and no per-parameter update count; only the monitors' windows advance (the spike enters
 * them). It is not a non-finite skip: it is reported with {@code skipped} false, {@code clipped} 1
 * and {@code minScale} 0 (so the run's clip rate is its rate of spike skips), {@code loss} the
 * batch mean that was not applied, {@code threshold} the loss monitor's {@code mean + factor * std}
 * (the gradient-norm monitor's with the signal {@code grad-norm}), and it neither counts towards
 * the non-finite limit nor ends a row of non-finite steps (the model did not change). A step whose
 * loss or gradient norm is not finite is a non-finite skip as for every stabilizer, and leaves the
 * monitors as they were.
 *
 * <p>AdaGC's per-tensor norms are libtorch's norms of the gradient tensors, in the parameters'
 * order; its scales are applied as AGC's unit scales are, in the optimizer pass.
 *
 * <p>Precision ({@link TrainConfig#precisionName()}): {@code fp32} computes everything in float32.
 * {@code bf16} mirrors {@code torch.autocast("cpu", dtype=torch.bfloat16)}: the parameters stay
 * float32 master weights; each forward pass casts the input and every convolution's weight and
 * bias to bfloat16 inside the autograd graph, runs convolutions (oneDNN, forward and backward, on
 * AMX-BF16 or AVX512-BF16), ReLUs, residual additions and upsampling on bfloat16 activations in
 * channels-last memory, and casts the network's output to float32. The per-example loss, ALRC's
 * and the stabilizers' statistics (float32 losses, double in Java), the parameters' gradients (the
 * casts' backward converts them), the global norm, Adam's moments and the update are float32.
 * Evaluation and prediction run the same bfloat16 forward pass and compute the error in float32
 * from the float32 output. Checkpoints hold the float32 masters in the same format as fp32 runs.
 * bf16 needs a CPU with bfloat16 instructions ({@link CpuInfo#bf16()}); elsewhere the constructor
 * refuses it.
 *
 * <p>Two deliberate differences from the DJL engine's {@code StepGuard}: a step skipped for a
 * non-finite loss under ALRC is counted in the ALRC state, as {@link AlrcClipper} defines it (the
 * guard discards the pending step instead); and without ALRC a non-finite example loss skips the
 * step before backward (the guard would apply a step whose non-finite loss still has finite
 * gradients, e.g. through the safeguard's root).
 *
 * <p>One engine per process: JavaCPP's libtorch must not share a JVM with DJL's (see {@code
 * StepEngines}). Not thread-safe.
 */
public final class JavacppStepEngine implements StepEngine {
  private static final String CHECKPOINT_KIND = "alrc-javacpp-engine";
  private static final int CHECKPOINT_VERSION = 1;
  /** Elements per chunk of the optimizer pass: weights, gradient and moments stay in cache. */
  private static final int CHUNK = 8192;
  private static final float BETA1 = AdamKernel.DEFAULT_BETA1;
  private static final float BETA2 = AdamKernel.DEFAULT_BETA2;
  private static final float EPSILON = AdamKernel.DEFAULT_EPSILON;

  private final TrainConfig config;
  private final ConvNet net;
  private final boolean adam;
  private final double power;
  /** Loss huber with ALRC, in the authors' order: clip the raw loss, then Huber's root. */
  private final boolean huberAfterAlrc;
  private final double weight;
  private final int inputChannels;
  private final int targetChannels;
  private final AlrcClipper alrc;
  private AlrcState alrcState;
  private final NormStage<?> normStage;
  private final AdaptiveGradientClipper agc;
  private StepCount agcState;
  private final AdaGC adagc;
  private AdaGC.State adagcState;
  private final LossTruncation truncation;
  private LossTruncation.State truncationState;
  private final SkipStage skipStage;
  /** Each parameter's gradient norm, filled by {@link #gradients} (0 where there is none). */
  private final double[] tensorNorms;
  private final int nonFiniteLimit;
  private long steps;
  private long skippedSteps;
  private int consecutiveSkipped;
  private float[] weightScratch = new float[0];
  private float[] gradScratch = new float[0];

  /**
   * The engine of {@code config}: network of {@code task}, channels-last.
   *
   * @throws IllegalArgumentException if the network does not fit the task's batches, or the run's
   *     precision is bf16 and this CPU has no bfloat16 instructions
   */
  public JavacppStepEngine(TrainConfig config, Task task) {
    this(config, task, !"false".equals(System.getProperty("alrc.javacpp.channelsLast")));
  }

  /**
   * The engine of {@code config}, with activations and kernels channels-last or in the default
   * (NCHW) layout; both train the same function, in a different summation order.
   */
  JavacppStepEngine(TrainConfig config, Task task, boolean channelsLast) {
    this.config = config;
    NativeThreads.set(config.threads());
    Batch probe = task.trainBatch(1);
    this.inputChannels = probe.inputChannels();
    this.targetChannels = probe.targetChannels();
    Network network = task.network(config);
    if (network.inputChannels() != inputChannels || network.outputChannels() != targetChannels) {
      throw new IllegalArgumentException(
          "network " + network.name() + " maps " + network.inputChannels() + " to "
              + network.outputChannels() + " channels, the task's batches have " + inputChannels
              + " and " + targetChannels);
    }
    if (config.bf16()) {
      requireBf16(CpuInfo.current());
    }
    this.net = new ConvNet(network, config.seed(), channelsLast, config.bf16());
    this.adam = config.optimizer().equals("adam");
    if (adam) {
      for (ConvNet.Param p : net.params()) {
        p.mean = new float[p.size];
        p.variance = new float[p.size];
      }
    }
    this.power = config.loss().equals("quartic") ? 4 : 2;
    this.huberAfterAlrc = config.huberAfterAlrc();
    this.weight = config.lossWeightOr(task.lossWeight());
    int tensors = net.params().size();
    Stages stages = config.stabilizer().accept(new Stabilizer.Visitor<Stages>() {
      @Override
      public Stages none(Stabilizer.None s) {
        return new Stages();
      }

      @Override
      public Stages alrc(Stabilizer.Alrc s) {
        Stages st = new Stages();
        st.alrc = new AlrcClipper(s.config());
        return st;
      }

      @Override
      public Stages globalNorm(Stabilizer.GlobalNorm s) {
        Stages st = new Stages();
        st.norm = new NormStage<>(s.core());
        return st;
      }

      @Override
      public Stages autoClip(Stabilizer.AutoClip s) {
        Stages st = new Stages();
        st.norm = new NormStage<>(s.core());
        return st;
      }

      @Override
      public Stages zClip(Stabilizer.ZClip s) {
        Stages st = new Stages();
        st.norm = new NormStage<>(s.core());
        return st;
      }

      @Override
      public Stages agc(Stabilizer.Agc s) {
        Stages st = new Stages();
        st.agc = s.core();
        return st;
      }

      @Override
      public Stages adaGc(Stabilizer.AdaGc s) {
        Stages st = new Stages();
        st.adagc = s.core(tensors);
        return st;
      }

      @Override
      public Stages skipStep(Stabilizer.SkipStep s) {
        Stages st = new Stages();
        st.skip = new SkipStage(
            s.watchesLoss() ? s.core() : null, s.watchesGradNorm() ? s.core() : null);
        return st;
      }

      @Override
      public Stages lossTruncation(Stabilizer.LossTruncation s) {
        Stages st = new Stages();
        st.truncation = s.core();
        return st;
      }
    });
    AlrcClipper clipper = stages.alrc;
    int limit = clipper != null ? clipper.config().nonFiniteLimit() : AlrcConfig.DEFAULT_NON_FINITE_LIMIT;
    this.alrc = clipper;
    this.alrcState = clipper != null ? clipper.init() : null;
    this.normStage = stages.norm;
    this.agc = stages.agc;
    this.agcState = agc != null ? agc.init() : null;
    this.adagc = stages.adagc;
    this.adagcState = adagc != null ? adagc.init() : null;
    this.truncation = stages.truncation;
    this.truncationState = truncation != null ? truncation.init() : null;
    this.skipStage = stages.skip;
    this.tensorNorms = new double[tensors];
    this.nonFiniteLimit = limit;
  }

  /**
   * Refuses precision bf16 on a CPU without native bfloat16 arithmetic ({@link CpuInfo#bf16()}):
   * oneDNN would emulate it, slower than float32.
   *
   * @throws IllegalArgumentException naming the CPU, its flags and the way out
   */
  static void requireBf16(CpuInfo cpu) {
    if (!cpu.bf16()) {
      throw new IllegalArgumentException(
          "precision bf16 needs a CPU with bfloat16 instructions (flag avx512_bf16 or amx_bf16 in"
              + " /proc/cpuinfo); this CPU, " + cpu.describe() + ", has neither: use --precision fp32");
    }
  }

  /** Where the run's stabilizer acts: at most one field is set. */
  private static final class Stages {
    AlrcClipper alrc;
    NormStage<?> norm;
    AdaptiveGradientClipper agc;
    AdaGC adagc;
    SkipStage skip;
    LossTruncation truncation;
  }

  /**
   * Skip-step's monitors (one per watched signal, null for the other) and their states. A step's
   * decisions stay pending until {@link #commit()} keeps them (an applied or spike-skipped step) or
   * {@link #discard()} drops them (a non-finite step).
   */
  private static final class SkipStage {
    static final String SNAPSHOT_KIND = "javacpp-skip-step";
    final SpikeSkipper loss;
    final SpikeSkipper norm;
    SpikeSkipper.State lossState;
    SpikeSkipper.State normState;
    SpikeSkipper.Decision lossPending;
    SpikeSkipper.Decision normPending;

    SkipStage(SpikeSkipper loss, SpikeSkipper norm) {
      this.loss = loss;
      this.norm = norm;
      this.lossState = loss != null ? loss.init() : null;
      this.normState = norm != null ? norm.init() : null;
    }

    SpikeSkipper.Decision decideLoss(double value) {
      lossPending = loss.update(value, lossState);
      return lossPending;
    }

    SpikeSkipper.Decision decideNorm(double value) {
      normPending = norm.update(value, normState);
      return normPending;
    }

    void commit() {
      if (lossPending != null) {
        lossState = lossPending.state();
      }
      if (normPending != null) {
        normState = normPending.state();
      }
      discard();
    }

    void discard() {
      lossPending = null;
      normPending = null;
    }

    /** Both monitors' snapshots, each as a length-prefixed block (empty for a signal not watched). */
    byte[] snapshot() {
      byte[] l = loss != null ? loss.snapshot(lossState) : new byte[0];
      byte[] n = norm != null ? norm.snapshot(normState) : new byte[0];
      return SnapshotFormat.encode(
          SNAPSHOT_KIND,
          out -> {
            out.writeInt(l.length);
            out.write(l);
            out.writeInt(n.length);
            out.write(n);
          });
    }

    /** The states in {@code bytes}, checked against these monitors: {loss, norm}. */
    SpikeSkipper.State[] parse(byte[] bytes) {
      return SnapshotFormat.decode(
          bytes,
          SNAPSHOT_KIND,
          in -> {
            byte[][] blocks = new byte[2][];
            for (int i = 0; i < 2; i++) {
              int n = in.readInt();
              if (n < 0) {
                throw new IllegalArgumentException("skip-step state is corrupt: block length " + n);
              }
              blocks[i] = in.readNBytes(n);
              if (blocks[i].length != n) {
                throw new java.io.EOFException();
              }
            }
            return new SpikeSkipper.State[] {
              restore(loss, blocks[0], "loss"), restore(norm, blocks[1], "grad-norm")
            };
          });
    }

    private static SpikeSkipper.State restore(SpikeSkipper s, byte[] block, String signal) {
      if ((s == null) != (block.length == 0)) {
        throw new IllegalArgumentException(
            "the checkpoint was taken " + (s == null ? "with" : "without") + " a " + signal
                + " monitor, this run has " + (s == null ? "none" : "one"));
      }
      return s == null ? null : s.restore(block);
    }

    void restore(SpikeSkipper.State[] states) {
      lossState = states[0];
      normState = states[1];
      discard();
    }
  }

  /** A norm stabilizer of the core and its current state. */
  private static final class NormStage<S> {
    final NormStabilizer<S> core;
    S state;
    NormStep<S> pending;

    NormStage(NormStabilizer<S> core) {
      this.core = core;
      this.state = core.init();
    }

    NormStep<S> decide(double norm) {
      pending = core.update(norm, state);
      return pending;
    }

    void commit() {
      state = pending.state();
      pending = null;
    }

    byte[] snapshot() {
      return core.snapshot(state);
    }

    void restore(byte[] bytes) {
      state = core.restore(bytes);
    }

    String kind() {
      return core.kind();
    }
  }

  @Override
  public StepResult train(long step, Batch batch, double lr) {
    int b = batch.batch();
    float[] losses = new float[b];
    StepTelemetry telemetry = null;
    String reason = null;
    double norm = Double.NaN;
    double objective = Double.NaN;
    AlrcStep alrcStep = null;
    LossTruncation.Step truncationStep = null;
    AdaGC.Step adagcStep = null;
    boolean spike = false;
    List<ConvNet.Param> params = net.params();
    try (PointerScope scope = new PointerScope()) {
      Tensor x = tensor(batch.input(), b, batch.inputChannels(), batch.height(), batch.width());
      Tensor y = tensor(batch.target(), b, batch.targetChannels(), batch.height(), batch.width());
      Tensor per = perExample(net.forward(x), y, true);
      per.data_ptr_float().get(losses);
      int nonFinite = firstNonFinite(losses);
      Tensor loss = null;
      if (alrc != null) {
        alrcStep = alrc.update(losses, alrcState); // throws at the K-th non-finite step in a row
        telemetry = alrcStep.telemetry();
        if (alrcStep.skipped()) {
          reason = "loss of example " + nonFinite + " is " + losses[nonFinite];
        } else {
          float[] scales = new float[b];
          alrcStep.copyScalesTo(scales);
          Tensor clippedLosses = per.mul(tensor(scales, b));
          if (huberAfterAlrc) {
            // the authors' order: ALRC clips the raw error, Huber's root follows on the clipped value
            loss = sqrtAbove(clippedLosses, 1).mean();
            objective = huberMean(alrcStep);
          } else {
            loss = clippedLosses.mean();
            objective = alrcStep.objective();
          }
        }
      } else if (truncation != null) {
        truncationStep = truncation.update(losses, truncationState);
        telemetry = truncationStep.telemetry();
        if (truncationStep.skipped()) {
          reason = "loss of example " + nonFinite + " is " + losses[nonFinite];
        } else {
          float[] scales = new float[b];
          truncationStep.copyScalesTo(scales);
          loss = per.mul(tensor(scales, b)).mean();
          objective = truncationStep.objective();
        }
      } else if (nonFinite >= 0) {
        reason = "loss of example " + nonFinite + " is " + losses[nonFinite];
      } else {
        loss = per.mean();
        objective = mean(losses);
      }
      if (loss != null && skipStage != null && skipStage.loss != null) {
        SpikeSkipper.Decision d = skipStage.decideLoss(objective); // before backward
        telemetry = d.telemetry();
        spike = d.spike();
      }
      Tensor[] grads = new Tensor[params.size()];
      double normScale = 1;
      double[] unitScales = null;
      // a loss spike under the signal "loss" needs no backward; under "both" the norm is recorded
      if (loss != null && !(spike && skipStage.norm == null)) {
        loss.backward();
        norm = gradients(grads);
        if (!Double.isFinite(norm)) {
          reason = "gradient norm is " + norm;
        } else if (skipStage != null && skipStage.norm != null) {
          SpikeSkipper.Decision d = skipStage.decideNorm(norm);
          if (skipStage.loss == null) {
            telemetry = d.telemetry();
          }
          spike |= d.spike();
        } else if (adagc != null) {
          AdaGC.Step s = adagc.update(tensorNorms, adagcState);
          telemetry = s.telemetry();
          if (s.skipped()) {
            reason = "adagc found a non-finite gradient norm";
          } else {
            adagcStep = s;
            unitScales = unitScalesOf(s);
          }
        } else if (normStage != null) {
          NormStep<?> s = normStage.decide(norm);
          telemetry = s.telemetry();
          if (s.skipped()) {
            reason = normStage.kind() + " found a non-finite gradient norm";
          } else {
            normScale = s.scale();
          }
        } else if (agc != null) {
          AdaptiveGradientClipper.Step s = agcDecision(grads);
          telemetry = s.telemetry();
          if (s.telemetry().skipped()) {
            reason = "agc found a non-finite gradient norm";
          } else {
            unitScales = s.scales();
          }
        }
      }
      steps++;
      if (reason != null) {
        if (skipStage != null) {
          skipStage.discard();
        }
        skip(reason, alrcStep);
      } else if (spike) {
        // skip-step: only the monitors advance (the spike enters their windows); no update, and
        // the count of non-finite steps in a row neither grows nor restarts
        skipStage.commit();
      } else {
        consecutiveSkipped = 0;
        if (alrcStep != null) {
          alrcState = alrcStep.state();
        }
        if (truncationStep != null) {
          truncationState = truncationStep.state();
        }
        if (normStage != null) {
          normStage.commit();
        }
        if (agc != null) {
          agcState = agcState.next();
        }
        if (adagcStep != null) {
          adagcState = adagcStep.state();
        }
        if (skipStage != null) {
          skipStage.commit();
        }
        update(grads, (float) lr, (float) normScale, unitScales);
      }
    } finally {
      releaseGradients();
    }
    if (huberAfterAlrc) {
      for (int i = 0; i < losses.length; i++) {
        losses[i] = (float) huber(losses[i]); // the reported losses are the objective's terms
      }
    }
    double max = Double.NEGATIVE_INFINITY;
    for (float l : losses) {
      max = Math.max(max, l);
    }
    int clipped;
    double minScale;
    if (reason != null || telemetry == null) {
      clipped = 0;
      minScale = 1;
    } else if (skipStage != null) {
      clipped = spike ? 1 : 0; // one skipped update, whichever monitor found the spike
      minScale = spike ? 0 : 1;
    } else {
      clipped = telemetry.clipped();
      minScale = telemetry.minScale();
    }
    return new StepResult(
        reason != null ? Double.NaN : objective,
        mean(losses),
        max,
        telemetry != null ? telemetry.threshold() : Double.NaN,
        clipped,
        minScale,
        norm,
        reason != null,
        batch.injected());
  }

  /** AdaGC's per-tensor scales as per-unit scales (every unit of a tensor gets its scale). */
  private double[] unitScalesOf(AdaGC.Step step) {
    List<ConvNet.Param> params = net.params();
    int total = 0;
    for (ConvNet.Param p : params) {
      total += p.units();
    }
    double[] out = new double[total];
    int at = 0;
    for (int k = 0; k < params.size(); k++) {
      int units = params.get(k).units();
      Arrays.fill(out, at, at + units, step.scale(k));
      at += units;
    }
    return out;
  }

  private void skip(String reason, AlrcStep alrcStep) {
    skippedSteps++;
    consecutiveSkipped++;
    if (alrcStep != null && alrcStep.skipped()) {
      alrcState = alrcStep.state(); // the clipper counts its own skipped steps
    }
    if (consecutiveSkipped >= nonFiniteLimit) {
      throw NonFiniteStepException.diverged(steps, consecutiveSkipped, reason, nonFiniteLimit);
    }
  }

  /** {@code w * mean|e|^p} per example, then (training only) Huber's and the safeguard's sqrt. */
  private Tensor perExample(Tensor output, Tensor target, boolean training) {
    Tensor err = output.sub(target);
    Tensor powered = power == 4 ? err.mul(err).pow(new org.bytedeco.pytorch.Scalar(2L)) : err.mul(err);
    Tensor per = powered.mean(1, 2, 3);
    if (weight != 1) {
      per = per.mul(new org.bytedeco.pytorch.Scalar(weight));
    }
    if (training) {
      if (config.loss().equals("huber") && !huberAfterAlrc) {
        per = sqrtAbove(per, 1);
      }
      if (config.safeguard()) {
        per = sqrtAbove(per, 50);
      }
    }
    return per.contiguous();
  }

  /** Huber's transform of a loss, {@code x < 1 ? x : sqrt(x)}, as {@link #sqrtAbove} computes it. */
  private static double huber(double x) {
    return x < 1 ? x : Math.sqrt(x);
  }

  /** The objective under Huber after clipping: {@code mean_i huber(s_i * L_i)}. */
  private static double huberMean(AlrcStep step) {
    double sum = 0;
    int b = step.size();
    for (int i = 0; i < b; i++) {
      sum += huber(step.output(i));
    }
    return sum / b;
  }

  /**
   * {@code L < t ? L : sqrt(L)}, with the root taken of {@code max(L, t)} as the DJL loss does: the
   * branch {@code where} does not pick still gets a zero gradient, and the root's derivative at a
   * loss of 0 would make it 0/0 = NaN.
   */
  private static Tensor sqrtAbove(Tensor per, double threshold) {
    org.bytedeco.pytorch.Scalar t = new org.bytedeco.pytorch.Scalar(threshold);
    return torch.where(per.lt(t), per, per.clamp_min(t).sqrt());
  }

  /**
   * Fills {@code grads} with each parameter's gradient in the parameter's memory layout (null
   * where backward left none) and {@link #tensorNorms} with their L2 norms (0 for none), and
   * returns the global L2 norm, computed by libtorch.
   */
  private double gradients(Tensor[] grads) {
    List<ConvNet.Param> params = net.params();
    double sum = 0;
    for (int i = 0; i < grads.length; i++) {
      ConvNet.Param p = params.get(i);
      Tensor g = p.tensor.grad();
      tensorNorms[i] = 0;
      if (!g.defined()) {
        continue;
      }
      if (p.channelsLast && !g.is_contiguous(torch.MemoryFormat.ChannelsLast)) {
        g = g.contiguous(torch.MemoryFormat.ChannelsLast);
      } else if (!p.channelsLast && !g.is_contiguous()) {
        g = g.contiguous();
      }
      grads[i] = g;
      double n = g.norm().item_float();
      tensorNorms[i] = n;
      sum += n * n;
    }
    return Math.sqrt(sum);
  }

  /** Drops the gradients (as {@code zero_grad(set_to_none=True)}): the next backward allocates. */
  private void releaseGradients() {
    for (ConvNet.Param p : net.params()) {
      p.tensor.mutable_grad().reset();
    }
  }

  /** AGC's decision from the unit norms of the gradients and the current weights. */
  private AdaptiveGradientClipper.Step agcDecision(Tensor[] grads) {
    List<ConvNet.Param> params = net.params();
    int total = 0;
    for (ConvNet.Param p : params) {
      total += p.units();
    }
    double[] g = new double[total];
    double[] w = new double[total];
    int at = 0;
    for (int k = 0; k < grads.length; k++) {
      ConvNet.Param p = params.get(k);
      int units = p.units();
      int len = p.size / units;
      float[] grad = new float[p.size];
      if (grads[k] != null) {
        grads[k].data_ptr_float().get(grad, 0, p.size);
      }
      float[] values = new float[p.size];
      p.memory.get(0, values, 0, p.size);
      for (int u = 0; u < units; u++) {
        double gs = 0;
        double ws = 0;
        for (int i = u * len; i < (u + 1) * len; i++) {
          gs += (double) grad[i] * grad[i];
          ws += (double) values[i] * values[i];
        }
        g[at] = Math.sqrt(gs);
        w[at] = Math.sqrt(ws);
        at++;
      }
    }
    return agc.update(g, w, agcState);
  }

  /**
   * The optimizer step over every parameter, chunk by chunk: gradient and weight chunks are read
   * from native memory, the stabilizer's scale applied, then Adam's fused kernel (or SGD) runs and
   * the weights are written back.
   */
  private void update(Tensor[] grads, float lr, float normScale, double[] unitScales) {
    List<ConvNet.Param> params = net.params();
    int unit = 0;
    for (int k = 0; k < grads.length; k++) {
      ConvNet.Param p = params.get(k);
      if (weightScratch.length < p.size) {
        weightScratch = new float[p.size];
        gradScratch = new float[p.size];
      }
      float[] w = weightScratch;
      float[] g = gradScratch;
      FloatBuffer gradMemory =
          grads[k] != null ? grads[k].data_ptr_float().capacity(p.size).asBuffer() : null;
      int units = p.units();
      int unitLength = p.size / units;
      float step;
      if (adam) {
        int t = ++p.updates;
        step = AdamKernel.biasCorrectedRate(lr, BETA1, BETA2, t);
      } else {
        p.updates++;
        step = lr;
      }
      for (int off = 0; off < p.size; off += CHUNK) {
        int end = Math.min(off + CHUNK, p.size);
        if (gradMemory != null) {
          gradMemory.get(off, g, off, end - off);
        } else {
          Arrays.fill(g, off, end, 0f);
        }
        if (normScale != 1f) {
          for (int i = off; i < end; i++) {
            g[i] *= normScale;
          }
        }
        if (unitScales != null) {
          for (int i = off; i < end; i++) {
            g[i] *= (float) unitScales[unit + i / unitLength];
          }
        }
        p.memory.get(off, w, off, end - off);
        if (adam) {
          AdamKernel.update(w, g, p.mean, p.variance, off, end, BETA1, BETA2, step, EPSILON);
        } else {
          for (int i = off; i < end; i++) {
            w[i] -= step * g[i];
          }
        }
        p.memory.put(off, w, off, end - off);
      }
      unit += units;
    }
  }

  @Override
  public double[] evaluate(Batch batch) {
    float[] values = new float[batch.batch()];
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor x = tensor(batch.input(), batch.batch(), batch.inputChannels(), batch.height(), batch.width());
      Tensor y = tensor(batch.target(), batch.batch(), batch.targetChannels(), batch.height(), batch.width());
      perExample(net.forward(x), y, false).data_ptr_float().get(values);
    }
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  @Override
  public float[] predict(Batch batch) {
    float[] out = new float[batch.batch() * targetChannels * batch.height() * batch.width()];
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor x = tensor(batch.input(), batch.batch(), batch.inputChannels(), batch.height(), batch.width());
      net.forward(x).contiguous().data_ptr_float().get(out);
    }
    return out;
  }

  /** A tensor of shape {@code (b, c, h, w)} holding {@code values} (NCHW), channels-last if the net is. */
  private Tensor tensor(float[] values, long b, long c, long h, long w) {
    Tensor t = torch.empty(b, c, h, w);
    t.data_ptr_float().put(values);
    return net.channelsLast() ? t.contiguous(torch.MemoryFormat.ChannelsLast) : t;
  }

  private static Tensor tensor(float[] values, long n) {
    Tensor t = torch.empty(n);
    t.data_ptr_float().put(values);
    return t;
  }

  private static int firstNonFinite(float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        return i;
      }
    }
    return -1;
  }

  private static double mean(float[] values) {
    double s = 0;
    for (float v : values) {
      s += v;
    }
    return s / values.length;
  }

  @Override
  public void save(DataOutputStream out) throws IOException {
    List<ConvNet.Param> params = net.params();
    out.writeUTF(CHECKPOINT_KIND);
    out.writeInt(CHECKPOINT_VERSION);
    out.writeInt(params.size());
    for (ConvNet.Param p : params) {
      out.writeUTF(p.name);
      out.writeInt(p.shape.length);
      for (long d : p.shape) {
        out.writeLong(d);
      }
      writeFloats(out, p.read());
    }
    out.writeUTF(config.optimizer());
    for (ConvNet.Param p : params) {
      out.writeInt(p.updates);
      if (adam) {
        writeFloats(out, p.toCanonical(p.mean));
        writeFloats(out, p.toCanonical(p.variance));
      }
    }
    out.writeLong(steps);
    out.writeLong(skippedSteps);
    out.writeInt(consecutiveSkipped);
    out.writeUTF(config.stabilizer().name());
    byte[] state = stabilizerSnapshot();
    out.writeInt(state.length);
    out.write(state);
  }

  private byte[] stabilizerSnapshot() {
    if (alrc != null) {
      return new AlrcSnapshot(alrc.config(), alrcState).toBytes();
    }
    if (normStage != null) {
      return normStage.snapshot();
    }
    if (agc != null) {
      return agc.snapshot(agcState);
    }
    if (adagc != null) {
      return adagc.snapshot(adagcState);
    }
    if (truncation != null) {
      return truncation.snapshot(truncationState);
    }
    if (skipStage != null) {
      return skipStage.snapshot();
    }
    return new byte[0];
  }

  /**
   * Restores what {@link #save} wrote for the same configuration. Everything is read and checked
   * before anything changes: a checkpoint of another network, optimizer or stabilizer, or a
   * truncated one, throws and leaves the engine as it was.
   */
  @Override
  public void load(DataInputStream in) throws IOException {
    String kind = in.readUTF();
    if (!kind.equals(CHECKPOINT_KIND)) {
      throw new IOException(
          "not a checkpoint of the javacpp engine (found '" + kind + "'); it was written by"
              + " another engine");
    }
    int version = in.readInt();
    if (version != CHECKPOINT_VERSION) {
      throw new IOException(
          "unsupported javacpp checkpoint version " + version + ", expected " + CHECKPOINT_VERSION);
    }
    List<ConvNet.Param> params = net.params();
    int n = in.readInt();
    if (n != params.size()) {
      throw new IOException("checkpoint holds " + n + " parameters, the network has " + params.size());
    }
    float[][] values = new float[n][];
    for (int i = 0; i < n; i++) {
      ConvNet.Param p = params.get(i);
      String name = in.readUTF();
      int rank = in.readInt();
      long[] shape = new long[Math.max(0, Math.min(rank, 8))];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = in.readLong();
      }
      if (!name.equals(p.name) || !Arrays.equals(shape, p.shape)) {
        throw new IOException(
            "checkpoint parameter " + name + " " + Arrays.toString(shape)
                + " does not match the network's " + p.name + " " + Arrays.toString(p.shape));
      }
      values[i] = readFloats(in, p.size);
    }
    String optimizer = in.readUTF();
    if (!optimizer.equals(config.optimizer())) {
      throw new IOException(
          "checkpoint was written with optimizer " + optimizer + ", this run uses " + config.optimizer());
    }
    int[] updates = new int[n];
    float[][] means = new float[n][];
    float[][] variances = new float[n][];
    for (int i = 0; i < n; i++) {
      updates[i] = in.readInt();
      if (adam) {
        means[i] = readFloats(in, params.get(i).size);
        variances[i] = readFloats(in, params.get(i).size);
      }
    }
    long savedSteps = in.readLong();
    long savedSkipped = in.readLong();
    int savedConsecutive = in.readInt();
    String stabilizer = in.readUTF();
    if (!stabilizer.equals(config.stabilizer().name())) {
      throw new IOException(
          "checkpoint was written with stabilizer " + stabilizer + ", this run uses "
              + config.stabilizer().name());
    }
    int length = in.readInt();
    byte[] state = in.readNBytes(Math.max(0, length));
    if (length < 0 || state.length != length) {
      throw new IOException("checkpoint is truncated (stabilizer state)");
    }
    AlrcState restoredAlrc = null;
    StepCount restoredAgc = null;
    AdaGC.State restoredAdagc = null;
    LossTruncation.State restoredTruncation = null;
    SpikeSkipper.State[] restoredSkip = null;
    try {
      if (alrc != null) {
        restoredAlrc = AlrcSnapshot.fromBytes(state).stateFor(alrc.config());
      } else if (agc != null) {
        restoredAgc = agc.restore(state);
      } else if (adagc != null) {
        restoredAdagc = adagc.restore(state);
      } else if (truncation != null) {
        restoredTruncation = truncation.restore(state);
      } else if (skipStage != null) {
        restoredSkip = skipStage.parse(state);
      } else if (normStage != null) {
        normStage.core.restore(state); // check only; applied below
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IOException("checkpoint's stabilizer state does not fit this run: " + e.getMessage(), e);
    }
    // everything read and checked: apply
    for (int i = 0; i < n; i++) {
      ConvNet.Param p = params.get(i);
      p.write(values[i]);
      p.updates = updates[i];
      if (adam) {
        p.mean = p.fromCanonical(means[i]);
        p.variance = p.fromCanonical(variances[i]);
      }
    }
    steps = savedSteps;
    skippedSteps = savedSkipped;
    consecutiveSkipped = savedConsecutive;
    if (alrc != null) {
      alrcState = restoredAlrc;
    } else if (agc != null) {
      agcState = restoredAgc;
    } else if (adagc != null) {
      adagcState = restoredAdagc;
    } else if (truncation != null) {
      truncationState = restoredTruncation;
    } else if (skipStage != null) {
      skipStage.restore(restoredSkip);
    } else if (normStage != null) {
      normStage.restore(state);
    }
  }

  private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    out.write(bytes.array());
  }

  private static float[] readFloats(DataInputStream in, int size) throws IOException {
    byte[] bytes = in.readNBytes(size * Float.BYTES);
    if (bytes.length != size * Float.BYTES) {
      throw new IOException("checkpoint is truncated");
    }
    float[] values = new float[size];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  @Override
  public long parameterCount() {
    return net.parameterCount();
  }

  /** Whether activations and kernels are channels-last. */
  boolean channelsLast() {
    return net.channelsLast();
  }

  /** Tests: the parameters, in checkpoint order. */
  ConvNet net() {
    return net;
  }

  @Override
  public void close() {
    net.close();
  }
}
