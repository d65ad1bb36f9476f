package io.alrc.bench.javacpp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Images per second of full training steps of the ALRC paper's CIFAR-10 network through the JavaCPP
 * libtorch presets ({@code org.bytedeco:pytorch}): forward, per-example loss {@code 25 *
 * mean(err^4)} with the {@code >= 50 -> sqrt} safeguard, ALRC scales computed in Java from the
 * detached losses and applied as constants, batch mean, backward, Adam step (libtorch's C++ {@code
 * torch::optim::Adam}). The same work as {@code shared/bench/torch_paper_net.py} and {@code
 * io.alrc.bench.TrainStepBenchmark} (DJL), so the three can be run side by side.
 *
 * <p>Prints one line per configuration:
 *
 * <pre>
 * javacpp bs=1 alrc=on cl=off imgs/s=... imgs/s_median=... step_ms=... fwd_ms=... bwd_ms=... opt_ms=... vmhwm_mb=... vmrss_mb=...
 * </pre>
 *
 * Options: {@code --batch 1,16 --steps 30 --warmup 5 --threads 2 --alrc on,off --channels-last
 * on|off (comma list allowed) --fused-adam on|off}. Fused/foreach Adam is not exposed by the 2.7.1
 * C++ API as mapped by the presets ({@code _fused_adam_} and {@code _foreach_*} are absent from
 * {@code org.bytedeco.pytorch.global.torch}, and C++ {@code AdamOptions} has no {@code fused}), so
 * {@code --fused-adam on} is rejected.
 */
public final class JavacppTrainStep {
  private JavacppTrainStep() {}

  /** The paper's network: convs in order, forward written out by hand. */
  static final class PaperNet {
    final Module root = new Module("paper_net");
    final Conv2dImpl c1;
    final Conv2dImpl c2;
    final Conv2dImpl[] ra = new Conv2dImpl[3];
    final Conv2dImpl[] rb = new Conv2dImpl[3];
    final Conv2dImpl c3;
    final Conv2dImpl c4;

    PaperNet() {
      c1 = root.register_module("c1", conv(3, 64, 5, 2));
      c2 = root.register_module("c2", conv(64, 128, 3, 1));
      for (int i = 0; i < 3; i++) {
        ra[i] = root.register_module("r" + i + "a", conv(128, 128, 3, 1));
        rb[i] = root.register_module("r" + i + "b", conv(128, 128, 3, 1));
      }
      c3 = root.register_module("c3", conv(128, 64, 3, 1));
      c4 = root.register_module("c4", conv(64, 3, 5, 2));
    }

    private static Conv2dImpl conv(long in, long out, long k, long pad) {
      Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(k, k));
      o.padding().put(new LongPointer(pad, pad));
      return new Conv2dImpl(o); // default init = PyTorch's (kaiming_uniform a=sqrt(5), bias U)
    }

    Tensor forward(Tensor x) {
      Tensor h = torch.relu(c1.forward(x));
      h = torch.relu(c2.forward(h));
      for (int i = 0; i < 3; i++) {
        h = h.add(torch.relu(rb[i].forward(torch.relu(ra[i].forward(h)))));
      }
      h = torch.relu(c3.forward(h));
      return c4.forward(h);
    }
  }

  public static void main(String[] args) throws Exception {
    List<Integer> batches = List.of(1, 16);
    int steps = 30;
    int warmup = 5;
    int threads = 2;
    List<Boolean> alrcModes = List.of(true, false);
    List<Boolean> clModes = List.of(false);
    boolean fusedAdam = false;
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--batch" -> { batches = ints(v); i++; }
        case "--steps" -> { steps = Integer.parseInt(v); i++; }
        case "--warmup" -> { warmup = Integer.parseInt(v); i++; }
        case "--threads" -> { threads = Integer.parseInt(v); i++; }
        case "--alrc" -> { alrcModes = onOff(v); i++; }
        case "--channels-last" -> { clModes = onOff(v); i++; }
        case "--fused-adam" -> { fusedAdam = onOff(v).contains(true); i++; }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (fusedAdam) {
      throw new IllegalArgumentException(
          "--fused-adam on: not available; libtorch 2.7.1's C++ API (as mapped by org.bytedeco:pytorch"
              + " 2.7.1-1.5.12) exposes neither _fused_adam_ nor _foreach_* ops nor AdamOptions.fused");
    }
    torch.set_num_threads(threads);
    torch.set_num_interop_threads(1);
    System.out.printf(
        Locale.ROOT,
        "# javacpp libtorch threads=%d interop=%d steps=%d warmup=%d%n",
        torch.get_num_threads(),
        torch.get_num_interop_threads(),
        steps,
        warmup);
    for (boolean cl : clModes) {
      for (int bs : batches) {
        for (boolean alrc : alrcModes) {
          run(bs, steps, warmup, alrc, cl);
        }
      }
    }
    System.out.printf(
        Locale.ROOT, "# end vmhwm_mb=%.0f vmrss_mb=%.0f%n", procStatusMb("VmHWM"), procStatusMb("VmRSS"));
  }

  private static void run(int bs, int steps, int warmup, boolean useAlrc, boolean channelsLast) {
    try (PointerScope outer = new PointerScope()) {
      torch.manual_seed(0);
      PaperNet net = new PaperNet();
      TensorVector params = net.root.parameters();
      long n = 0;
      for (Tensor p : params.get()) {
        n += p.numel();
      }
      if (n != 1_042_819) {
        throw new IllegalStateException("parameter count " + n + " != 1042819");
      }
      if (channelsLast) {
        // what nn.Module.to(memory_format=channels_last) does: 4-d params get NHWC strides in place
        for (Tensor p : params.get()) {
          if (p.dim() == 4) {
            p.set_data(p.contiguous(torch.MemoryFormat.ChannelsLast));
          }
        }
      }
      Adam adam = new Adam(params, new AdamOptions(0.1 / 128));

      // one fixed random batch, as the PyTorch reference and the DJL benchmark use
      Random rnd = new Random(0);
      float[] target = new float[bs * 3 * 32 * 32];
      for (int i = 0; i < target.length; i++) {
        target[i] = (float) rnd.nextGaussian();
      }
      Tensor y = torch.empty(bs, 3, 32, 32);
      y.data_ptr_float().put(target);
      Tensor x = y.mul(new Scalar(0.5)); // stands in for the 16->32 resized image
      if (channelsLast) {
        x = x.contiguous(torch.MemoryFormat.ChannelsLast);
        y = y.contiguous(torch.MemoryFormat.ChannelsLast);
      }
      Scalar four = new Scalar(4L);
      Scalar twentyFive = new Scalar(25L);
      Scalar fifty = new Scalar(50L);
      float[] losses = new float[bs];
      float[] scales = new float[bs];
      double mu1 = 25.0;
      double mu2 = 900.0;
      final double nSigma = 3.0;
      final double beta = 0.999;

      long[] stepNanos = new long[steps];
      long tFwd = 0;
      long tBwd = 0;
      long tOpt = 0;
      long t0 = 0;
      for (int s = 0; s < steps + warmup; s++) {
        if (s == warmup) {
          t0 = System.nanoTime();
          tFwd = tBwd = tOpt = 0;
        }
        long a = System.nanoTime();
        long b;
        long c;
        long d;
        try (PointerScope step = new PointerScope()) {
          Tensor out = net.forward(x);
          Tensor per = out.sub(y).pow(four).mean(1, 2, 3).mul(twentyFive);
          per = torch.where(per.lt(fifty), per, per.sqrt());
          Tensor objective;
          if (useAlrc) {
            per.detach().contiguous().data_ptr_float().get(losses);
            double lmax = mu1 + nSigma * Math.sqrt(Math.max(mu2 - mu1 * mu1, 0.0));
            double m1 = 0;
            double m2 = 0;
            for (int i = 0; i < bs; i++) {
              float l = losses[i];
              scales[i] = l < lmax ? 1f : (float) (lmax / l);
              float cl = l * scales[i];
              m1 += cl;
              m2 += (double) cl * cl;
            }
            mu1 = beta * mu1 + (1 - beta) * (m1 / bs);
            mu2 = beta * mu2 + (1 - beta) * (m2 / bs);
            Tensor sc = torch.empty(bs);
            sc.data_ptr_float().put(scales);
            objective = per.mul(sc).mean();
          } else {
            objective = per.mean();
          }
          b = System.nanoTime();
          adam.zero_grad();
          c = System.nanoTime();
          objective.backward();
          d = System.nanoTime();
          adam.step();
        } // frees every tensor/scalar the step created
        long e = System.nanoTime();
        if (s >= warmup) {
          stepNanos[s - warmup] = e - a;
        }
        tFwd += b - a;
        tBwd += d - c;
        tOpt += (c - b) + (e - d);
      }
      double dt = (System.nanoTime() - t0) / 1e9;
      double stepMs = dt * 1e3 / steps;
      long[] sorted = stepNanos.clone();
      Arrays.sort(sorted);
      double medianMs = (sorted[(steps - 1) / 2] + sorted[steps / 2]) / 2e6;
      System.out.printf(
          Locale.ROOT,
          "javacpp bs=%d alrc=%s cl=%s imgs/s=%.1f imgs/s_median=%.1f step_ms=%.2f fwd_ms=%.2f bwd_ms=%.2f"
              + " opt_ms=%.2f mu1=%.3f vmhwm_mb=%.0f vmrss_mb=%.0f%n",
          bs,
          useAlrc ? "on" : "off",
          channelsLast ? "on" : "off",
          steps * bs / dt,
          bs * 1e3 / medianMs,
          stepMs,
          tFwd / 1e6 / steps,
          tBwd / 1e6 / steps,
          tOpt / 1e6 / steps,
          mu1,
          procStatusMb("VmHWM"),
          procStatusMb("VmRSS"));
    }
  }

  private static List<Integer> ints(String v) {
    List<Integer> r = new ArrayList<>();
    for (String s : v.split(",")) {
      r.add(Integer.parseInt(s.trim()));
    }
    return r;
  }

  private static List<Boolean> onOff(String v) {
    List<Boolean> r = new ArrayList<>();
    for (String s : v.split(",")) {
      switch (s.trim()) {
        case "on", "true", "1" -> r.add(true);
        case "off", "false", "0" -> r.add(false);
        default -> throw new IllegalArgumentException("expected on|off, got " + s);
      }
    }
    return r;
  }

  private static double procStatusMb(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key + ":")) {
          String[] f = line.substring(key.length() + 1).trim().split("\\s+");
          return Long.parseLong(f[0]) / 1024.0;
        }
      }
    } catch (Exception e) {
      // not Linux
    }
    return Double.NaN;
  }
}
