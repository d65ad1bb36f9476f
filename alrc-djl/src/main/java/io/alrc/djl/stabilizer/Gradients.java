package io.alrc.djl.stabilizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.Trainer;
import java.util.ArrayList;
import java.util.List;

/**
 * The gradients of one training step, between backward and the optimizer step: each trainable
 * parameter's weight and gradient, with the global gradient norm measured once and kept up to date
 * while stabilizers scale the gradients.
 *
 * <pre>
 * norms[p]   = ||g_p||                                    # one L2 norm per parameter tensor
 * globalNorm = sqrt(sum over parameters of ||g_p||^2)     # all gradients as one concatenated vector
 * </pre>
 *
 * The norms cost one native call per parameter plus two (a norm each, one stack, one copy to the
 * host), measured once for both; the global norm is summed in {@code double}. Scaling is in place: it changes the gradients the optimizer will
 * read. A float32 norm that overflows counts as non-finite.
 *
 * <p>The gradient handles and every temporary array live in a sub-manager that {@link #close()}
 * closes; the weights and gradients themselves belong to the model. Only parameters that require a
 * gradient and are initialised take part; one device is assumed (the parameters' own arrays). Not
 * thread-safe; open one per step with try-with-resources.
 */
public final class Gradients implements AutoCloseable {
  private final NDManager manager;
  private final List<String> names = new ArrayList<>();
  private final List<NDArray> weights = new ArrayList<>();
  private final List<NDArray> gradients = new ArrayList<>();
  private double globalNorm = Double.NaN;
  private double[] norms;
  private boolean normKnown;

  private Gradients(ParameterList parameters) {
    NDManager sub = null;
    for (var pair : parameters) {
      Parameter p = pair.getValue();
      if (!p.requiresGradient() || !p.isInitialized()) {
        continue;
      }
      NDArray w = p.getArray();
      if (sub == null) {
        sub = w.getManager().newSubManager();
      }
      NDArray g = w.getGradient();
      g.attach(sub);
      names.add(pair.getKey());
      weights.add(w);
      gradients.add(g);
    }
    if (sub == null) {
      throw new IllegalArgumentException(
          "no initialised parameter requires a gradient: nothing to measure or clip");
    }
    this.manager = sub;
  }

  /**
   * The gradients of the trainable parameters in {@code parameters}.
   *
   * @throws IllegalArgumentException if none is trainable and initialised
   */
  public static Gradients of(ParameterList parameters) {
    return new Gradients(parameters);
  }

  /** The gradients of the trainer's model. */
  public static Gradients of(Trainer trainer) {
    return of(trainer.getModel().getBlock().getParameters());
  }

  /** Number of trainable parameters. */
  public int size() {
    return gradients.size();
  }

  /** The name of parameter {@code i} in its block. */
  public String name(int i) {
    return names.get(i);
  }

  /** The weight of parameter {@code i} (the model's array: do not close it). */
  public NDArray weight(int i) {
    return weights.get(i);
  }

  /** The gradient of parameter {@code i}; scaling it in place changes the step. */
  public NDArray gradient(int i) {
    return gradients.get(i);
  }

  /** The manager that owns the gradient handles; arrays created in it are closed with this. */
  public NDManager manager() {
    return manager;
  }

  /** The global L2 norm of all gradients, measured on first use and tracked through scaling. */
  public double globalNorm() {
    measure();
    return globalNorm;
  }

  /**
   * The L2 norm of each parameter's gradient, in the order of {@link #gradient(int)} (float32 norms
   * widened to {@code double}); measured with {@link #globalNorm()}, on first use, and tracked
   * through scaling. A copy.
   */
  public double[] norms() {
    measure();
    return norms.clone();
  }

  private void measure() {
    if (!normKnown) {
      norms = measureNorms();
      double sumSq = 0;
      for (double v : norms) {
        sumSq += v * v;
      }
      globalNorm = Math.sqrt(sumSq);
      normKnown = true;
    }
  }

  /** Multiplies every gradient by {@code scale} in place (nothing happens for scale 1). */
  public void scaleAll(double scale) {
    if (scale == 1) {
      return;
    }
    for (NDArray g : gradients) {
      g.muli((float) scale);
    }
    if (normKnown) {
      globalNorm *= scale;
      for (int i = 0; i < norms.length; i++) {
        norms[i] *= scale;
      }
    }
  }

  /**
   * Multiplies gradient {@code i} by {@code scale} in place (nothing happens for scale 1); the
   * norms are then measured again when asked for.
   */
  public void scale(int i, double scale) {
    if (scale == 1) {
      return;
    }
    gradients.get(i).muli((float) scale);
    normKnown = false;
  }

  /**
   * Multiplies gradient {@code i} by {@code factor} in place (broadcast); the global norm is then
   * measured again when asked for.
   */
  public void scale(int i, NDArray factor) {
    gradients.get(i).muli(factor);
    normKnown = false;
  }

  /** Closes the gradient handles and temporaries; the model's gradients stay. */
  @Override
  public void close() {
    manager.close();
  }

  private double[] measureNorms() {
    NDList parts = new NDList(gradients.size());
    try {
      for (NDArray g : gradients) {
        parts.add(g.norm());
      }
      float[] values;
      try (NDArray stacked = NDArrays.stack(parts)) {
        values = stacked.toFloatArray();
      }
      double[] out = new double[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = values[i];
      }
      return out;
    } finally {
      parts.close();
    }
  }
}
