package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10DatasetTest {
  @TempDir Path dir;

  @Test
  void readsLabelsAndPixelsAcrossFilesInOrder() throws IOException {
    byte[] a = Cifar10TestFiles.records(1, 6, 9, 9);
    byte[] b = Cifar10TestFiles.records(2, 4, 1);
    Path fa = Files.write(dir.resolve("a.bin"), a);
    Path fb = Files.write(dir.resolve("b.bin"), b);

    Cifar10Dataset d = Cifar10Dataset.open(fa, fb);

    assertThat(d.size()).isEqualTo(5);
    assertThat(d.files()).containsExactly(fa, fb);
    assertThat(d.labels()).containsExactly(6, 9, 9, 4, 1);
    assertThat(d.imageBytes(1)).isEqualTo(Cifar10TestFiles.pixels(a, 1));
    assertThat(d.imageBytes(3)).as("image 3 is the first record of the second file")
        .isEqualTo(Cifar10TestFiles.pixels(b, 0));
    assertThat(d.describe(4)).isEqualTo(fb + " record 1");
  }

  @Test
  void floatsAreTheUnsignedByteValuesInChwOrder() throws IOException {
    byte[] rec = new byte[Cifar10.RECORD_BYTES];
    rec[0] = 3;
    rec[1] = (byte) 255; // R (0, 0)
    rec[1 + 31] = 7; // R (0, 31)
    rec[1 + 1024 + 32] = (byte) 128; // G (1, 0)
    rec[1 + 2048 + 1023] = 1; // B (31, 31)
    Cifar10Dataset d = Cifar10Dataset.open(Files.write(dir.resolve("one.bin"), rec));

    float[] f = d.imageFloats(0);
    assertThat(f[0]).isEqualTo(255f);
    assertThat(f[31]).isEqualTo(7f);
    assertThat(f[1024 + 32]).isEqualTo(128f);
    assertThat(f[3071]).isEqualTo(1f);
    float[] padded = new float[3074];
    d.imageFloats(0, padded, 2);
    assertThat(Arrays.copyOfRange(padded, 2, 3074)).isEqualTo(f);
  }

  @Test
  void truncatedFileIsRejectedWithItsNameAndSize() throws IOException {
    byte[] rec = Cifar10TestFiles.records(3, 1, 2);
    Path f = Files.write(dir.resolve("data_batch_1.bin"), Arrays.copyOf(rec, rec.length - 5));

    assertThatThrownBy(() -> Cifar10Dataset.open(f))
        .isInstanceOf(Cifar10FileException.class)
        .hasMessage(
            "CIFAR-10 file "
                + f
                + ": size 6141 bytes is not a multiple of the 3073-byte record (1 label byte +"
                + " 3072 pixel bytes); the file is truncated or not in the CIFAR-10 binary format");
  }

  @Test
  void labelAboveNineIsRejectedWithRecordAndOffset() throws IOException {
    Path f = Cifar10TestFiles.write(dir.resolve("bad.bin"), 4, 0, 9, 12);

    assertThatThrownBy(() -> Cifar10Dataset.open(f))
        .isInstanceOf(Cifar10FileException.class)
        .hasMessage(
            "CIFAR-10 file "
                + f
                + ": record 2 (byte offset 6146) has label 12; labels must be 0..9 (the file is"
                + " corrupt or not in the CIFAR-10 binary format)");
  }

  @Test
  void missingEmptyAndDirectoryAreRejected() throws IOException {
    Path missing = dir.resolve("test_batch.bin");
    assertThatThrownBy(() -> Cifar10Dataset.open(missing))
        .isInstanceOf(Cifar10FileException.class)
        .hasMessage("CIFAR-10 file " + missing + ": no such file")
        .extracting(e -> ((Cifar10FileException) e).file())
        .isEqualTo(missing);

    Path empty = Files.createFile(dir.resolve("empty.bin"));
    assertThatThrownBy(() -> Cifar10Dataset.open(empty))
        .hasMessage(
            "CIFAR-10 file "
                + empty
                + ": empty (0 bytes); a CIFAR-10 binary file holds records of 3073 bytes");

    Path sub = Files.createDirectory(dir.resolve("sub.bin"));
    assertThatThrownBy(() -> Cifar10Dataset.open(sub))
        .hasMessage("CIFAR-10 file " + sub + ": not a regular file");

    assertThatThrownBy(() -> Cifar10Dataset.open(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no CIFAR-10 files given; at least one is needed");
  }

  @Test
  void indexOutsideTheDatasetNamesTheRange() throws IOException {
    Path f = Cifar10TestFiles.write(dir.resolve("x.bin"), 5, 1, 2);
    Cifar10Dataset d = Cifar10Dataset.open(f);
    assertThatThrownBy(() -> d.label(2))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("image index 2 is outside 0..1 of [" + f + "]");
  }

  @Test
  void sharedFilesHaveTheOfficialFirstLabels() throws IOException {
    Path shared = Cifar10TestFiles.sharedFolder();
    assumeTrue(shared != null, "shared CIFAR-10 data not present");

    Cifar10Dataset train = Cifar10Dataset.open(shared.resolve("data_batch_1.bin"));
    Cifar10Dataset test = Cifar10Dataset.open(shared.resolve("test_batch.bin"));
    assertThat(train.size()).isEqualTo(10_000);
    assertThat(test.size()).isEqualTo(10_000);
    assertThat(Arrays.copyOf(train.labels(), 10)).containsExactly(6, 9, 9, 4, 1, 1, 2, 7, 8, 3);
    assertThat(Arrays.copyOf(test.labels(), 10)).containsExactly(3, 8, 8, 0, 6, 6, 1, 6, 3, 1);

    Cifar10Dataset lossless =
        Cifar10Dataset.open(shared.resolve("lossless_subset/test_batch_first1000.bin"));
    assertThat(lossless.size()).isEqualTo(1000);
    assertThat(lossless.labels())
        .as("the lossless subset holds test records 0-999 with the same labels")
        .isEqualTo(Arrays.copyOf(test.labels(), 1000));
  }
}
