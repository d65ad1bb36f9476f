package io.alrc.experiments.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
  @Test
  void plainLinesAtEveryTenPercent() {
    List<String> lines = new ArrayList<>();
    ProgressListener p = ConsoleProgress.lines(lines::add);
    long mib = 1 << 20;
    p.start("archive.tar.gz", 100 * mib);
    for (int i = 0; i < 50; i++) {
      p.advance(2 * mib); // 2 % per call
    }
    p.finish();

    assertThat(lines).hasSize(11);
    assertThat(lines.get(0)).isEqualTo("archive.tar.gz: starting (100.0 MiB)");
    assertThat(lines.get(1)).isEqualTo("archive.tar.gz: 10% (10.0 MiB of 100.0 MiB)");
    assertThat(lines.get(9)).isEqualTo("archive.tar.gz: 90% (90.0 MiB of 100.0 MiB)");
    assertThat(lines.get(10)).isEqualTo("archive.tar.gz: finished, 100% (100.0 MiB of 100.0 MiB)");
  }

  @Test
  void unknownTotalReportsEvery16MiB() {
    List<String> lines = new ArrayList<>();
    ProgressListener p = ConsoleProgress.lines(lines::add);
    p.start("x", -1);
    p.advance(40L << 20);
    p.finish();
    assertThat(lines).containsExactly("x: starting", "x: 40.0 MiB", "x: finished, 40.0 MiB");
  }

  @Test
  void barRunsWithoutATerminal() {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    ProgressListener p = ConsoleProgress.bar(new java.io.PrintStream(buf, true));
    p.start("x", 1000);
    p.advance(1000);
    p.finish();
    assertThat(buf.toString()).contains("x");
  }
}
