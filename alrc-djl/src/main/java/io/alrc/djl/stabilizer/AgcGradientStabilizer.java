package io.alrc.djl.stabilizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import io.alrc.stabilizer.AdaptiveGradientClipper;
import io.alrc.stabilizer.StepCount;
import io.alrc.telemetry.StepTelemetry;
import java.util.Arrays;
import java.util.Optional;

/**
 * Unit-wise adaptive gradient clipping ({@link AdaptiveGradientClipper}; Brock et al. 2021)
 * applied to DJL gradients. A unit is one output unit of a parameter, its slice along axis 0, for
 * parameters of rank 2 or more (a row of a {@code Linear} weight {@code (out, in)}, an output
 * channel of a convolution kernel {@code (out, in, kh, kw)}); a parameter of rank 1 or 0 (bias,
 * gain) is one unit. For each unit:
 *
 * <pre>
 * bound = lambda * max(||w_unit||, eps)
 * g_unit &lt;- ||g_unit|| &gt; bound ? g_unit * bound / max(||g_unit||, 1e-6) : g_unit    # in place
 * </pre>
 *
 * All unit norms are measured on the device and copied to the host in two transfers; a step with
 * any non-finite gradient norm changes nothing (telemetry {@code skipped}). <b>Stateful</b> (a step
 * count); <b>not thread-safe</b>.
 */
public final class AgcGradientStabilizer implements GradientStabilizer {
  private final AdaptiveGradientClipper core;
  private StepCount state;
  private StepTelemetry last;

  /** Applies {@code core}, starting from its fresh state. */
  public AgcGradientStabilizer(AdaptiveGradientClipper core) {
    if (core == null) {
      throw new IllegalArgumentException("core clipper must not be null");
    }
    this.core = core;
    this.state = core.init();
  }

  /** The core clipper (lambda, eps and the rule). */
  public AdaptiveGradientClipper core() {
    return core;
  }

  /** The current state (a step count). */
  public StepCount state() {
    return state;
  }

  @Override
  public String kind() {
    return core.kind();
  }

  /** The number of units of a parameter of shape {@code shape}: {@code shape[0]} for rank &gt;= 2. */
  public static int units(Shape shape) {
    return shape.dimension() >= 2 ? Math.toIntExact(shape.get(0)) : 1;
  }

  @Override
  public StepTelemetry apply(Gradients gradients) {
    int p = gradients.size();
    int[] units = new int[p];
    int total = 0;
    NDList gradNorms = new NDList(p);
    NDList weightNorms = new NDList(p);
    double[] g;
    double[] w;
    try {
      for (int i = 0; i < p; i++) {
        NDArray grad = gradients.gradient(i);
        units[i] = units(grad.getShape());
        total += units[i];
        gradNorms.add(unitNorms(grad, units[i], gradients));
        weightNorms.add(unitNorms(gradients.weight(i), units[i], gradients));
      }
      g = toDoubles(gradNorms, total);
      w = toDoubles(weightNorms, total);
    } finally {
      gradNorms.close();
      weightNorms.close();
    }
    AdaptiveGradientClipper.Step step = core.update(g, w, state);
    if (!step.telemetry().skipped()) {
      double[] scales = step.scales();
      int at = 0;
      for (int i = 0; i < p; i++) {
        int u = units[i];
        boolean any = false;
        float[] factors = new float[u];
        for (int k = 0; k < u; k++) {
          factors[k] = (float) scales[at + k];
          any |= scales[at + k] < 1;
        }
        at += u;
        if (any) {
          NDArray grad = gradients.gradient(i);
          long[] dims = new long[Math.max(grad.getShape().dimension(), 1)];
          Arrays.fill(dims, 1);
          dims[0] = u;
          try (NDArray f = gradients.manager().create(factors);
              NDArray shaped = f.reshape(new Shape(dims))) {
            gradients.scale(i, grad.getShape().dimension() == 0 ? shaped.reshape(new Shape()) : shaped);
          }
        }
      }
      state = step.state();
    }
    last = step.telemetry();
    return last;
  }

  /** The L2 norm of each unit of {@code a}, shape {@code (units,)}, in the gradients' manager. */
  private static NDArray unitNorms(NDArray a, int units, Gradients gradients) {
    try (NDArray rows = a.reshape(units, -1)) {
      NDArray norms = rows.norm(new int[] {1});
      norms.attach(gradients.manager());
      return norms;
    }
  }

  private static double[] toDoubles(NDList parts, int total) {
    float[] f;
    try (NDArray all = NDArrays.concat(parts)) {
      f = all.toFloatArray();
    }
    if (f.length != total) {
      throw new IllegalStateException("expected " + total + " unit norms, got " + f.length);
    }
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  @Override
  public Optional<StepTelemetry> lastTelemetry() {
    return Optional.ofNullable(last);
  }

  @Override
  public byte[] snapshot() {
    return core.snapshot(state);
  }

  @Override
  public void restore(byte[] bytes) {
    state = core.restore(bytes);
  }

  @Override
  public void reset() {
    state = core.init();
    last = null;
  }

  @Override
  public String toString() {
    return "AgcGradientStabilizer[lambda=" + core.lambda() + ", eps=" + core.eps() + ", " + state
        + "]";
  }
}
