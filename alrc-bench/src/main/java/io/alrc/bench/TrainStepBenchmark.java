package io.alrc.bench;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.alrc.AlrcClipper;
import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import io.alrc.AlrcStep;
import io.alrc.engine.djl.DjlNetworks;
import io.alrc.experiments.cifar.CifarSupersamplingTask;
import io.alrc.djl.training.CheckpointableAdam;
import io.alrc.djl.training.StepArrays;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Images per second of full training steps of the ALRC paper's CIFAR-10 network in DJL: forward,
 * per-example loss {@code 25 * mean(err^p)} with the {@code >= 50 -> sqrt} safeguard, ALRC scales
 * from alrc-core applied as constants, batch mean, backward, Adam step. The same work as {@code
 * shared/bench/torch_paper_net.py}, so the two can be run side by side.
 *
 * <p>Not a test: a main class, run by {@code alrc-bench/speed-vs-pytorch.sh}. Prints one line per
 * configuration:
 *
 * <pre>
 * java bs=1 alrc=on opt=adam imgs/s=... imgs/s_median=... step_ms=... fwd_ms=... bwd_ms=... opt_ms=... alrc_ms=... alrc_pct=... arrays_per_step=... vmhwm_mb=... vmrss_mb=...
 * </pre>
 *
 * Options (all optional): {@code --batch 1,16 --steps 30 --warmup 5 --alrc on,off --opt adam|djl-adam|sgd --scope
 * on|off --width 1.0 --loss quartic|squared --lr 7.8125e-4 --rss-every 0}.
 */
public final class TrainStepBenchmark {
  private TrainStepBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<Integer> batches = List.of(1, 16);
    int steps = 30;
    int warmup = 5;
    List<Boolean> alrcModes = List.of(true, false);
    String opt = "adam";
    boolean scoped = true;
    double width = 1.0;
    int p = 4;
    float lr = 0.1f / 128;
    int rssEvery = 0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--batch":
          batches = Arrays.stream(v.split(",")).map(Integer::valueOf).toList();
          i++;
          break;
        case "--steps":
          steps = Integer.parseInt(v);
          i++;
          break;
        case "--warmup":
          warmup = Integer.parseInt(v);
          i++;
          break;
        case "--alrc":
          alrcModes = Arrays.stream(v.split(",")).map("on"::equals).toList();
          i++;
          break;
        case "--opt":
          opt = v;
          i++;
          break;
        case "--width":
          width = Double.parseDouble(v);
          i++;
          break;
        case "--loss":
          p = "squared".equals(v) ? 2 : 4;
          i++;
          break;
        case "--lr":
          lr = Float.parseFloat(v);
          i++;
          break;
        case "--scope":
          scoped = !"off".equals(v);
          i++;
          break;
        case "--rss-every":
          rssEvery = Integer.parseInt(v);
          i++;
          break;
        default:
          throw new IllegalArgumentException("unknown option " + a);
      }
    }
    for (int bs : batches) {
      for (boolean alrc : alrcModes) {
        run(bs, steps, warmup, alrc, opt, scoped, width, p, lr, rssEvery);
      }
    }
  }

  private static void run(
      int bs,
      int steps,
      int warmup,
      boolean useAlrc,
      String opt,
      boolean scoped,
      double width,
      int p,
      float lr,
      int rssEvery)
      throws IOException {
    Block net = DjlNetworks.block(CifarSupersamplingTask.paperNetwork(3, width));
    try (Model model = Model.newInstance("paper-net")) {
      model.setBlock(net);
      Optimizer optimizer =
          switch (opt) {
            case "adam" -> CheckpointableAdam.builder()
                .optLearningRateTracker(Tracker.fixed(lr))
                .build();
            case "djl-adam" -> Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).build();
            case "sgd" -> Optimizer.sgd().setLearningRateTracker(Tracker.fixed(lr)).build();
            default -> throw new IllegalArgumentException(
                "--opt must be adam, djl-adam or sgd, got " + opt);
          };
      DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(optimizer);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(bs, 3, 32, 32));
        // one fixed random batch, as the PyTorch reference does; the data enters each step as a
        // new array in the step's manager, as a data loader's batch would
        Random rnd = new Random(0);
        float[] target = new float[bs * 3 * 32 * 32];
        for (int i = 0; i < target.length; i++) {
          target[i] = (float) rnd.nextGaussian();
        }
        float[] input = target.clone(); // stands in for the 16->32 resized image
        for (int i = 0; i < input.length; i++) {
          input[i] *= 0.5f;
        }
        Shape shape = new Shape(bs, 3, 32, 32);
        AlrcClipper clipper = new AlrcClipper(AlrcConfig.reference());
        AlrcState state = clipper.init();
        long[] stepNanos = new long[steps];

        long tFwd = 0;
        long tBwd = 0;
        long tOpt = 0;
        long tAlrc = 0;
        long arrays = 0;
        long t0 = 0;
        for (int s = 0; s < steps + warmup; s++) {
          if (s == warmup) {
            t0 = System.nanoTime();
            tFwd = tBwd = tOpt = tAlrc = arrays = 0;
          }
          long a = System.nanoTime();
          long b;
          long c;
          // per-step scope: every array the step creates (about 37 at this network) is freed when
          // the step ends; without it they live until the trainer's manager closes
          NDManager sm = scoped ? trainer.getManager().newSubManager() : trainer.getManager();
          try {
            NDArray x = StepArrays.copyOf(sm, input, shape);
            NDArray y = StepArrays.copyOf(sm, target, shape);
            try (GradientCollector gc = trainer.newGradientCollector()) {
              NDArray yhat = trainer.forward(new NDList(x)).singletonOrThrow();
              NDArray err = yhat.sub(y);
              NDArray pow = p == 4 ? err.square().square() : err.square();
              NDArray per = pow.reshape(bs, -1).mean(new int[] {1}).mul(25f);
              NDArray safe = NDArrays.where(per.lt(50f), per, per.sqrt());
              NDArray objective;
              if (useAlrc) {
                long al = System.nanoTime();
                float[] losses = safe.toFloatArray();
                AlrcStep st = clipper.update(losses, state);
                state = st.state();
                float[] scales = new float[bs];
                for (int i = 0; i < bs; i++) {
                  scales[i] = (float) st.scale(i);
                }
                objective = safe.mul(StepArrays.copyOf(sm, scales, new Shape(bs))).mean();
                tAlrc += System.nanoTime() - al;
              } else {
                objective = safe.mean();
              }
              b = System.nanoTime();
              gc.backward(objective);
            }
            c = System.nanoTime();
            if (s >= warmup && scoped) {
              arrays += sm.getManagedArrays().size();
            }
          } finally {
            if (scoped) {
              sm.close();
            }
          }
          long d = System.nanoTime();
          trainer.step();
          long e = System.nanoTime();
          if (s >= warmup) {
            stepNanos[s - warmup] = e - a;
          }
          tFwd += b - a;
          tBwd += c - b + (d - c);
          tOpt += e - d;
          if (rssEvery > 0 && (s + 1) % rssEvery == 0) {
            System.out.printf(
                Locale.ROOT,
                "rss step=%d vmhwm_mb=%.0f vmrss_mb=%.0f%n",
                s + 1,
                procStatusMb("VmHWM"),
                procStatusMb("VmRSS"));
          }
        }
        double dt = (System.nanoTime() - t0) / 1e9;
        double stepMs = dt * 1e3 / steps;
        long[] sorted = stepNanos.clone();
        Arrays.sort(sorted);
        double medianMs = (sorted[(steps - 1) / 2] + sorted[steps / 2]) / 2e6;
        System.out.printf(
            Locale.ROOT,
            "java bs=%d alrc=%s opt=%s imgs/s=%.1f imgs/s_median=%.1f step_ms=%.2f fwd_ms=%.2f bwd_ms=%.2f opt_ms=%.2f"
                + " alrc_ms=%.3f alrc_pct=%.2f arrays_per_step=%.1f vmhwm_mb=%.0f vmrss_mb=%.0f%n",
            bs,
            useAlrc ? "on" : "off",
            opt,
            steps * bs / dt,
            bs * 1e3 / medianMs,
            stepMs,
            tFwd / 1e6 / steps,
            tBwd / 1e6 / steps,
            tOpt / 1e6 / steps,
            tAlrc / 1e6 / steps,
            100.0 * tAlrc / 1e6 / steps / stepMs,
            (double) arrays / steps,
            procStatusMb("VmHWM"),
            procStatusMb("VmRSS"));
      }
    }
  }

  private static double procStatusMb(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key + ":")) {
          String[] f = line.substring(key.length() + 1).trim().split("\\s+");
          return Long.parseLong(f[0]) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
