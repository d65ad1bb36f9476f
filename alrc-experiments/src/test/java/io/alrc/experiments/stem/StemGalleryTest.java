package io.alrc.experiments.stem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StemGalleryTest {
  @TempDir Path dir;

  @Test
  void writesEachImageAndAContactSheet() throws IOException {
    StemGallery.Gallery gallery = StemGallery.write(dir.resolve("g"), 5, 6, 32);
    assertThat(gallery.images()).hasSize(6);
    assertThat(gallery.captions()).hasSize(6);
    assertThat(gallery.images().get(0).getFileName().toString()).isEqualTo("haadf-000.png");

    HaadfGenerator generator = new HaadfGenerator(HaadfConfig.defaults(32));
    float[] first = generator.generate(HaadfGenerator.seed(5, 0));
    float[] read = GreyPng.read(gallery.images().get(0)).pixels();
    for (int i = 0; i < first.length; i++) {
      assertThat(2 * read[i] - 1).as("16-bit pixel %d", i)
          .isCloseTo(first[i], org.assertj.core.data.Offset.offset(1.01f / 65535));
    }

    // 6 tiles: 3 per row, 2 rows, 2-pixel gaps.
    StemImage sheet = GreyPng.read(gallery.contactSheet());
    assertThat(sheet.width()).isEqualTo(3 * 32 + 4 * StemGallery.GAP);
    assertThat(sheet.height()).isEqualTo(2 * 32 + 3 * StemGallery.GAP);
    assertThat(sheet.pixel(0, 0)).as("gap is white").isEqualTo(1f);
  }

  @Test
  void rejectsBadCounts() {
    assertThatThrownBy(() -> StemGallery.write(dir, 1, 0, 32)).hasMessage("count (0) must be in [1, 1000]");
  }
}
