package io.alrc.djl.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.alrc.djl.DjlTestSupport;
import org.junit.jupiter.api.Test;

class StepArraysTest {
  static {
    DjlTestSupport.init();
  }

  @Test
  void holdsTheValuesInTheShapeGiven() {
    float[] data = {1, -2, 3.5f, Float.NaN, 0, 6};
    try (NDManager m = NDManager.newBaseManager()) {
      for (int i = 0; i < 3; i++) {
        try (NDManager step = m.newSubManager()) {
          NDArray a = StepArrays.copyOf(step, data, new Shape(2, 3));
          assertThat(a.getShape()).isEqualTo(new Shape(2, 3));
          assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
          assertThat(a.toFloatArray()).containsExactly(data);
          assertThat(a.sum().getFloat()).isNaN();
          assertThat(a.get(0).sum().getFloat()).isEqualTo(2.5f);
        }
      }
    }
  }

  @Test
  void theArrayDoesNotShareTheCallersValues() {
    float[] data = {1, 2, 3};
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = StepArrays.copyOf(m, data, new Shape(3));
      data[0] = 100;
      assertThat(a.toFloatArray()).containsExactly(1, 2, 3);
    }
  }

  @Test
  void rejectsAShapeThatDoesNotFitTheData() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> StepArrays.copyOf(m, new float[5], new Shape(2, 3)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(2, 3)")
          .hasMessageContaining("got 5");
    }
  }
}
