package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * CIFAR-10 binary files of arbitrary content: {@link Cifar10Dataset#open} gives a dataset whose
 * every image can be read, or a {@link Cifar10FileException} naming the file; nothing else.
 */
class Cifar10FileFuzzTest {
  private static Path dir;

  @BeforeContainer
  static void createDir() throws IOException {
    dir = Files.createTempDirectory("alrc-cifar-fuzz");
  }

  @AfterContainer
  static void deleteDir() throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Provide
  Arbitrary<byte[]> contents() {
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(4 * Cifar10.RECORD_BYTES);
    Arbitrary<byte[]> records = Arbitraries.integers().between(1, 3).flatMap(n ->
        Arbitraries.integers().between(0, 12).list().ofSize(n).flatMap(labels ->
            Arbitraries.integers().between(-5, 5).map(cut -> {
              int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
              byte[] b = Cifar10TestFiles.records(labels.hashCode(), l);
              return java.util.Arrays.copyOf(b, Math.max(0, b.length + cut));
            })));
    return Arbitraries.oneOf(random, records);
  }

  @Property(tries = 150)
  void opensOrNamesTheFile(@ForAll("contents") byte[] content) throws IOException {
    Path file = Files.write(dir.resolve("batch.bin"), content);
    try {
      Cifar10Dataset d = Cifar10Dataset.open(file);
      assertThat((long) d.size() * Cifar10.RECORD_BYTES).isEqualTo(content.length);
      for (int i = 0; i < d.size(); i++) {
        assertThat(d.label(i)).isBetween(0, 9);
        assertThat(d.imageBytes(i)).hasSize(Cifar10.IMAGE_BYTES);
      }
    } catch (Cifar10FileException e) {
      assertThat(e.getMessage()).startsWith("CIFAR-10 file " + file + ": ");
      assertThat(e.file()).isEqualTo(file);
    }
  }

  @Property(tries = 20)
  void severalFilesNumberTheirImagesInOrder(@ForAll("sizes") List<Integer> records) throws IOException {
    Path[] files = new Path[records.size()];
    int total = 0;
    for (int k = 0; k < files.length; k++) {
      int[] labels = new int[records.get(k)];
      java.util.Arrays.fill(labels, k % 10);
      files[k] = Cifar10TestFiles.write(dir.resolve("f" + k + ".bin"), k, labels);
      total += labels.length;
    }
    Cifar10Dataset d = Cifar10Dataset.open(files);
    assertThat(d.size()).isEqualTo(total);
    int i = 0;
    for (int k = 0; k < files.length; k++) {
      for (int r = 0; r < records.get(k); r++, i++) {
        assertThat(d.label(i)).isEqualTo(k % 10);
        assertThat(d.describe(i)).isEqualTo(files[k] + " record " + r);
      }
    }
  }

  @Provide
  Arbitrary<List<Integer>> sizes() {
    return Arbitraries.integers().between(1, 4).list().ofMinSize(1).ofMaxSize(4);
  }
}
