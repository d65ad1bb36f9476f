package io.alrc.djl.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;
import io.alrc.djl.DjlTestSupport;
import io.alrc.djl.loss.AlrcLoss;
import io.alrc.djl.loss.PerExampleLosses;
import io.alrc.djl.loss.StatefulAlrcLoss;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A few hundred ALRC steps on a tiny regression task converge. */
class ConvergenceTest {
  static {
    DjlTestSupport.init();
  }

  private static final int IN = 4;
  private static final int ROWS = 256;
  private static final int BATCH = 8;

  private static double fullLoss(Trainer trainer, float[] x, float[] y) {
    try (NDManager m = trainer.getManager().newSubManager()) {
      NDList preds = trainer.evaluate(new NDList(m.create(x, new Shape(ROWS, IN))));
      NDArray per = PerExampleLosses.mse().evaluate(
          new NDList(m.create(y, new Shape(ROWS, 1))), preds);
      return per.mean().getFloat();
    }
  }

  @Test
  void threeHundredStepsReduceTheLossByOverHundredfold() {
    Random rnd = new Random(11);
    float[] x = DjlTestSupport.gaussian(rnd, ROWS * IN, 1);
    float[] y = DjlTestSupport.linearTargets(x, IN, new float[] {1, -2, 0.5f, 3}, 0.5f);
    float[] noise = DjlTestSupport.gaussian(rnd, ROWS, 0.01);
    for (int i = 0; i < ROWS; i++) {
      y[i] += noise[i];
    }
    StatefulAlrcLoss loss = AlrcLoss.wrap(PerExampleLosses.mse());
    StepGuard guard = StepGuard.of(loss);
    try (Model model = DjlTestSupport.linearModel("converge");
        Trainer trainer =
            DjlTestSupport.trainer(model, loss, guard.wrap(DjlTestSupport.adam(0.05f)), IN)) {
      DjlTestSupport.setParameter(model, "weight", new float[IN]);
      DjlTestSupport.setParameter(model, "bias", new float[1]);
      double initial = fullLoss(trainer, x, y);
      int batches = ROWS / BATCH;
      for (int step = 0; step < 300; step++) {
        int b = step % batches;
        DjlTestSupport.guardedStep(
            trainer,
            guard,
            Arrays.copyOfRange(x, b * BATCH * IN, (b + 1) * BATCH * IN),
            Arrays.copyOfRange(y, b * BATCH, (b + 1) * BATCH),
            BATCH,
            IN);
      }
      double last = fullLoss(trainer, x, y);
      assertThat(loss.state().steps()).isEqualTo(300);
      assertThat(guard.skippedSteps()).isZero();
      assertThat(last)
          .as("full-data MSE after 300 steps (from %s)", initial)
          .isLessThan(initial / 100);
    }
  }
}
