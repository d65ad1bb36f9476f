package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10LocatorTest {
  @TempDir Path tmp;

  private Path home() {
    return tmp.resolve("home");
  }

  @Test
  void explicitRootIsSearchedInItsSubfolderThenDirectly() throws IOException {
    Path root = tmp.resolve("data");
    Cifar10TestFiles.write(root.resolve("cifar-10-batches-bin/data_batch_1.bin"), 1, 1);
    Cifar10Locator loc = new Cifar10Locator(Map.of("ALRC_DATA", "/elsewhere"), home());

    Cifar10Location found = loc.locate(Optional.of(root));
    assertThat(found.directory()).isEqualTo(root.resolve("cifar-10-batches-bin"));
    assertThat(found.origin()).isEqualTo(Cifar10Locator.Origin.EXPLICIT);

    Cifar10Location direct = loc.locate(Optional.of(root.resolve("cifar-10-batches-bin")));
    assertThat(direct.directory()).isEqualTo(root.resolve("cifar-10-batches-bin"));
  }

  @Test
  void environmentThenUserCache() throws IOException {
    Path env = tmp.resolve("env");
    Cifar10TestFiles.write(env.resolve("test_batch.bin"), 1, 3);
    Cifar10Location viaEnv =
        new Cifar10Locator(Map.of("ALRC_DATA", env.toString()), home()).locate(Optional.empty());
    assertThat(viaEnv.directory()).isEqualTo(env);
    assertThat(viaEnv.origin()).isEqualTo(Cifar10Locator.Origin.ENVIRONMENT);

    Path xdg = tmp.resolve("xdg");
    Cifar10TestFiles.write(xdg.resolve("alrc/cifar-10-batches-bin/data_batch_1.bin"), 1, 3);
    Cifar10Location viaXdg =
        new Cifar10Locator(Map.of("XDG_CACHE_HOME", xdg.toString()), home())
            .locate(Optional.empty());
    assertThat(viaXdg.directory()).isEqualTo(xdg.resolve("alrc/cifar-10-batches-bin"));
    assertThat(viaXdg.origin()).isEqualTo(Cifar10Locator.Origin.USER_CACHE);

    Cifar10TestFiles.write(home().resolve(".cache/alrc/cifar-10-batches-bin/test_batch.bin"), 1, 3);
    Cifar10Location viaHome = new Cifar10Locator(Map.of(), home()).locate(Optional.empty());
    assertThat(viaHome.directory()).isEqualTo(home().resolve(".cache/alrc/cifar-10-batches-bin"));
  }

  @Test
  void aConfiguredRootWithoutDataIsAnErrorNotAFallback() throws IOException {
    Cifar10TestFiles.write(home().resolve(".cache/alrc/cifar-10-batches-bin/test_batch.bin"), 1, 3);
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Cifar10Locator loc = new Cifar10Locator(Map.of("ALRC_DATA", empty.toString()), home());

    assertThatThrownBy(() -> loc.locate(Optional.empty()))
        .isInstanceOf(Cifar10DataNotFoundException.class)
        .hasMessage(
            "CIFAR-10 binary files (data_batch_*.bin, test_batch.bin) not found. Looked in:\n"
                + "  "
                + empty.resolve("cifar-10-batches-bin")
                + " (from $ALRC_DATA)\n"
                + "  "
                + empty
                + " (from $ALRC_DATA)\n"
                + "The data root is --data DIR if given, else $ALRC_DATA if set, else the user"
                + " cache "
                + home().resolve(".cache/alrc")
                + "; the files are looked for in its cifar-10-batches-bin folder, then in the"
                + " root itself.\n"
                + "To download CIFAR-10 (about 170 MB) into "
                + empty.resolve("cifar-10-batches-bin")
                + ", run: ./alrc data cifar10");
  }

  @Test
  void explicitRootErrorSuggestsDownloadingThere() {
    Path nowhere = tmp.resolve("nowhere");
    Cifar10Locator loc = new Cifar10Locator(Map.of(), home());
    Cifar10DataNotFoundException e =
        catchThrowableOfType(
            Cifar10DataNotFoundException.class, () -> loc.locate(Optional.of(nowhere)));
    assertThat(e)
        .hasMessageContaining("  " + nowhere + " (from --data)\n")
        .hasMessageEndingWith("run: ./alrc data cifar10 --data " + nowhere);
    assertThat(e.searched()).containsExactly(nowhere.resolve("cifar-10-batches-bin"), nowhere);
  }

  @Test
  void trainingFilesAreAllDataBatchesInNumericOrder() throws IOException {
    Path d = tmp.resolve("d");
    for (String n : new String[] {"data_batch_10.bin", "data_batch_2.bin", "data_batch_1.bin"}) {
      Cifar10TestFiles.write(d.resolve(n), 1, 1);
    }
    Files.createDirectories(d.resolve("data_batch_3.bin")); // a folder, not a file
    Files.writeString(d.resolve("data_batch_x.bin"), "not a batch");
    Cifar10Location loc = new Cifar10Locator(Map.of(), home()).locate(Optional.of(d));

    assertThat(loc.trainingFiles())
        .containsExactly(
            d.resolve("data_batch_1.bin"),
            d.resolve("data_batch_2.bin"),
            d.resolve("data_batch_10.bin"));
    assertThat(loc.openTraining().size()).isEqualTo(3);
    assertThatThrownBy(loc::testFile)
        .isInstanceOf(Cifar10DataNotFoundException.class)
        .hasMessage(
            "CIFAR-10 evaluation file "
                + d.resolve("test_batch.bin")
                + " not found (from --data). To download the official files, run: ./alrc data"
                + " cifar10 --data "
                + d);
  }

  @Test
  void explicitEvaluationFileIsResolvedAgainstTheDirectory() throws IOException {
    Path d = tmp.resolve("d");
    Cifar10TestFiles.write(d.resolve("test_batch.bin"), 1, 3, 8);
    Cifar10TestFiles.write(d.resolve("lossless_subset/test_batch_first1000.bin"), 2, 3);
    Cifar10Location loc = new Cifar10Locator(Map.of(), home()).locate(Optional.of(d));

    assertThat(loc.testFile()).isEqualTo(d.resolve("test_batch.bin"));
    Path rel = Path.of("lossless_subset/test_batch_first1000.bin");
    assertThat(loc.evaluationFile(Optional.of(rel))).isEqualTo(d.resolve(rel));
    assertThat(loc.openEvaluation(Optional.of(rel)).size()).isEqualTo(1);
    assertThatThrownBy(loc::trainingFiles)
        .isInstanceOf(Cifar10DataNotFoundException.class)
        .hasMessage(
            "no CIFAR-10 training files (data_batch_*.bin) in "
                + d
                + " (from --data). To download them, run: ./alrc data cifar10 --data "
                + d);
    Path missing = Path.of("lossless_subset/nope.bin");
    assertThatThrownBy(() -> loc.evaluationFile(Optional.of(missing)))
        .hasMessage(
            "CIFAR-10 evaluation file " + d.resolve(missing) + " not found (from --data).");
  }

  @Test
  void downloadFolderFollowsTheSamePrecedence() {
    Cifar10Locator loc = new Cifar10Locator(Map.of("ALRC_DATA", "/data/alrc"), home());
    assertThat(loc.root(Optional.empty()).downloadFolder())
        .isEqualTo(Path.of("/data/alrc/cifar-10-batches-bin"));
    assertThat(loc.root(Optional.of(Path.of("/x"))).downloadFolder())
        .isEqualTo(Path.of("/x/cifar-10-batches-bin"));
    assertThat(new Cifar10Locator(Map.of(), home()).root(Optional.empty()).path())
        .isEqualTo(home().resolve(".cache/alrc"));
  }

  @Test
  void sharedFolderIsFoundFromItsParent() throws IOException {
    Path shared = Cifar10TestFiles.sharedFolder();
    org.junit.jupiter.api.Assumptions.assumeTrue(shared != null, "shared data not present");
    Cifar10Location loc =
        new Cifar10Locator(Map.of(), home()).locate(Optional.of(shared.getParent()));
    assertThat(loc.directory()).isEqualTo(shared);
    assertThat(loc.trainingFiles()).containsExactly(shared.resolve("data_batch_1.bin"));
  }
}
