package io.alrc.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.alrc.djl.training.StepGuard;
import java.util.Random;

/**
 * Shared helpers for tests on small real DJL models (PyTorch engine, CPU). Loading this class
 * first pins the engine to one intra-op and one inter-op thread (the build machine is shared);
 * every test class calls {@link #init()} in a static initialiser so that happens before the engine
 * starts.
 */
public final class DjlTestSupport {
  static {
    System.setProperty("ai.djl.pytorch.num_threads", "1");
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
  }

  private DjlTestSupport() {}

  /** Forces the static initialiser (thread settings) to run. */
  public static void init() {}

  /** Adam with a fixed learning rate. */
  public static Optimizer adam(float lr) {
    return Optimizer.adam().optLearningRateTracker(Tracker.fixed(lr)).build();
  }

  /** A model holding one {@code Linear} layer of {@code units} outputs over {@code in} inputs. */
  public static Model linearModel(String name) {
    Model model = Model.newInstance(name);
    model.setBlock(Linear.builder().setUnits(1).build());
    return model;
  }

  /** A model holding one {@code Linear} layer with {@code units} outputs. */
  public static Model linearModel(String name, int units) {
    Model model = Model.newInstance(name);
    model.setBlock(Linear.builder().setUnits(units).build());
    return model;
  }

  /** A trainer for {@code model}, initialised for inputs of width {@code in}. */
  public static Trainer trainer(
      Model model, Loss loss, Optimizer optimizer, int in, TrainingListener... listeners) {
    DefaultTrainingConfig config = new DefaultTrainingConfig(loss).optOptimizer(optimizer);
    if (listeners.length > 0) {
      config.addTrainingListeners(listeners);
    }
    Trainer trainer = model.newTrainer(config);
    trainer.initialize(new Shape(1, in));
    return trainer;
  }

  /** Sets a parameter's values (row-major). */
  public static void setParameter(Model model, String name, float[] values) {
    model.getBlock().getParameters().get(name).getArray().set(values);
  }

  /** A parameter's values (row-major). */
  public static float[] parameter(Model model, String name) {
    return model.getBlock().getParameters().get(name).getArray().toFloatArray();
  }

  /** A parameter's gradient values (row-major). */
  public static float[] gradient(Model model, String name) {
    try (NDArray g = model.getBlock().getParameters().get(name).getArray().getGradient()) {
      return g.toFloatArray();
    }
  }

  /** Fills every gradient with 0 (DJL's PyTorch engine accumulates gradients until an update). */
  public static void zeroGradients(Model model) {
    for (var pair : model.getBlock().getParameters()) {
      Parameter p = pair.getValue();
      if (p.requiresGradient() && p.isInitialized()) {
        try (NDManager scratch = p.getArray().getManager().newSubManager()) {
          NDArray g = p.getArray().getGradient();
          g.attach(scratch); // the indexed set leaves a scalar in g's manager
          g.set(new NDIndex("..."), 0);
        }
      }
    }
  }

  /**
   * Sets the gradients of a {@code Linear} model to {@code weightGrad} and {@code biasGrad} by
   * backpropagating {@code sum(w * weightGrad) + sum(b * biasGrad)}.
   */
  public static void setGradients(
      Trainer trainer, Model model, float[] weightGrad, float[] biasGrad) {
    zeroGradients(model);
    NDArray w = model.getBlock().getParameters().get("weight").getArray();
    NDArray b = model.getBlock().getParameters().get("bias").getArray();
    try (NDManager sub = trainer.getManager().newSubManager()) {
      NDArray cw = sub.create(weightGrad, w.getShape());
      NDArray cb = sub.create(biasGrad, b.getShape());
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDArray lw = w.mul(cw).sum();
        NDArray lb = b.mul(cb).sum();
        NDArray l = lw.add(lb);
        collector.backward(l);
        new NDList(lw, lb, l).close();
      }
    }
  }

  /**
   * One hand-written training step: forward, the trainer's loss, backward, guard, optimizer step;
   * all arrays of the step live in a sub-manager that is closed at the end.
   */
  public static void guardedStep(
      Trainer trainer, StepGuard guard, float[] x, float[] y, int batch, int in) {
    try (NDManager step = trainer.getManager().newSubManager()) {
      NDArray data = step.create(x, new Shape(batch, in));
      NDArray labels = step.create(y, new Shape(batch, 1));
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDList predictions = trainer.forward(new NDList(data));
        NDArray loss = trainer.getLoss().evaluate(new NDList(labels), predictions);
        collector.backward(loss);
      }
      guard.afterBackward(trainer);
      trainer.step();
    }
  }

  /** {@code n} floats from a fixed-seed Gaussian, scaled. */
  public static float[] gaussian(Random rnd, int n, double scale) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (rnd.nextGaussian() * scale);
    }
    return out;
  }

  /** Targets {@code y = x w + b} for rows of width {@code in}. */
  public static float[] linearTargets(float[] x, int in, float[] w, float b) {
    int rows = x.length / in;
    float[] y = new float[rows];
    for (int r = 0; r < rows; r++) {
      double s = b;
      for (int k = 0; k < in; k++) {
        s += (double) x[r * in + k] * w[k];
      }
      y[r] = (float) s;
    }
    return y;
  }
}
