package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class DihedralTest {
  // 3 wide, 2 high: [[1, 2, 3], [4, 5, 6]] as [row][column].
  private static final float[] IMAGE = {1, 2, 3, 4, 5, 6};

  @Test
  void matchesNumpysFlipsAndRotations() {
    assertThat(Dihedral.IDENTITY.apply(IMAGE, 3, 2)).containsExactly(1, 2, 3, 4, 5, 6);
    // np.rot90(x, 1) = [[3, 6], [2, 5], [1, 4]]
    assertThat(Dihedral.ROT90.apply(IMAGE, 3, 2)).containsExactly(3, 6, 2, 5, 1, 4);
    assertThat(Dihedral.ROT180.apply(IMAGE, 3, 2)).containsExactly(6, 5, 4, 3, 2, 1);
    // np.rot90(x, 3) = [[4, 1], [5, 2], [6, 3]]
    assertThat(Dihedral.ROT270.apply(IMAGE, 3, 2)).containsExactly(4, 1, 5, 2, 6, 3);
    assertThat(Dihedral.FLIP_UP_DOWN.apply(IMAGE, 3, 2)).containsExactly(4, 5, 6, 1, 2, 3);
    assertThat(Dihedral.FLIP_LEFT_RIGHT.apply(IMAGE, 3, 2)).containsExactly(3, 2, 1, 6, 5, 4);
    // np.flip(np.rot90(x), 0) = x.T = [[1, 4], [2, 5], [3, 6]]
    assertThat(Dihedral.TRANSPOSE.apply(IMAGE, 3, 2)).containsExactly(1, 4, 2, 5, 3, 6);
    // np.flip(np.rot90(x), 1) = [[6, 3], [5, 2], [4, 1]]
    assertThat(Dihedral.ANTI_TRANSPOSE.apply(IMAGE, 3, 2)).containsExactly(6, 3, 5, 2, 4, 1);
  }

  @Test
  void theEightElementsAreDistinctAndIdentityIsAmongThem() {
    float[] square = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    Set<String> results = new HashSet<>();
    for (Dihedral d : Dihedral.values()) {
      results.add(Arrays.toString(d.apply(square, 3, 3)));
    }
    assertThat(results).hasSize(8).contains(Arrays.toString(square));
    assertThat(Dihedral.of(0)).isEqualTo(Dihedral.IDENTITY);
  }

  @Test
  void compositionsStayInTheGroup() {
    float[] square = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    Set<String> elements = new HashSet<>();
    for (Dihedral d : Dihedral.values()) {
      elements.add(Arrays.toString(d.apply(square, 3, 3)));
    }
    for (Dihedral a : Dihedral.values()) {
      for (Dihedral b : Dihedral.values()) {
        String composed = Arrays.toString(b.apply(a.apply(square, 3, 3), 3, 3));
        assertThat(elements).as("%s then %s", a, b).contains(composed);
      }
    }
  }

  @Property(tries = 200)
  void inverseUndoesEveryElement(
      @ForAll @IntRange(min = 0, max = 7) int index,
      @ForAll @IntRange(min = 1, max = 9) int width,
      @ForAll @IntRange(min = 1, max = 9) int height) {
    Dihedral d = Dihedral.of(index);
    float[] image = new float[width * height];
    for (int i = 0; i < image.length; i++) {
      image[i] = i;
    }
    float[] once = d.apply(image, width, height);
    int w = d.swapsAxes() ? height : width;
    int h = d.swapsAxes() ? width : height;
    assertThat(d.inverse().apply(once, w, h)).isEqualTo(image);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> Dihedral.of(8)).hasMessage("dihedral index (8) must be in 0..7");
    assertThatThrownBy(() -> Dihedral.ROT90.apply(IMAGE, 4, 2))
        .hasMessage("image of 6 pixels does not match 4 x 2");
    assertThatThrownBy(() -> Dihedral.ROT90.apply(IMAGE, 3, 2, IMAGE))
        .hasMessage("dst must be a separate array of 6 pixels");
  }
}
