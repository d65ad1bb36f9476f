package io.alrc.experiments.cifar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory that holds CIFAR-10 binary files, as found by {@link Cifar10Locator}, and which of
 * its files serve for training and evaluation.
 *
 * <ul>
 *   <li>Training: every {@code data_batch_<N>.bin} present, in increasing N (the official set has
 *       N = 1..5; a partial copy may hold fewer).
 *   <li>Evaluation: {@code test_batch.bin}, or an explicit file such as {@code
 *       lossless_subset/test_batch_first1000.bin}, resolved against the directory when relative.
 * </ul>
 *
 * @param directory the directory holding the {@code .bin} files
 * @param origin how it was chosen
 * @param downloadHint the command that downloads the data to this place, for messages
 */
public record Cifar10Location(Path directory, Cifar10Locator.Origin origin, String downloadHint) {
  private static final Pattern TRAINING = Pattern.compile("data_batch_([0-9]{1,9})\\.bin");

  /** Checks that no component is null. */
  public Cifar10Location {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(downloadHint, "downloadHint");
  }

  /**
   * The training files present, {@code data_batch_<N>.bin} in increasing N.
   *
   * @return a non-empty list
   * @throws Cifar10DataNotFoundException if there is none
   * @throws IOException if the directory cannot be listed
   */
  public List<Path> trainingFiles() throws IOException {
    List<Path> found = listTrainingFiles(directory);
    if (found.isEmpty()) {
      throw new Cifar10DataNotFoundException(
          "no CIFAR-10 training files (data_batch_*.bin) in "
              + directory
              + " ("
              + origin.description()
              + "). To download them, run: "
              + downloadHint,
          List.of(directory));
    }
    return found;
  }

  /**
   * The official test file, {@code test_batch.bin}.
   *
   * @return its path
   * @throws Cifar10DataNotFoundException if it is missing
   */
  public Path testFile() throws Cifar10DataNotFoundException {
    return evaluationFile(Optional.empty());
  }

  /**
   * The file to evaluate on: {@code file} if given (resolved against {@link #directory()} when
   * relative), else {@code test_batch.bin}.
   *
   * @param file an explicit evaluation file, e.g. {@code
   *     Path.of("lossless_subset/test_batch_first1000.bin")}
   * @return its path
   * @throws Cifar10DataNotFoundException if the file does not exist
   */
  public Path evaluationFile(Optional<Path> file) throws Cifar10DataNotFoundException {
    Path p = file.map(directory::resolve).orElse(directory.resolve(Cifar10.TEST_FILE));
    if (!Files.isRegularFile(p)) {
      String hint =
          file.isPresent()
              ? ""
              : " To download the official files, run: " + downloadHint;
      throw new Cifar10DataNotFoundException(
          "CIFAR-10 evaluation file " + p + " not found (" + origin.description() + ")." + hint,
          List.of(p.getParent() == null ? p : p.getParent()));
    }
    return p;
  }

  /**
   * Opens all training files as one dataset.
   *
   * @return the dataset
   * @throws IOException if a file is missing or corrupt, see {@link Cifar10Dataset#open(List)}
   */
  public Cifar10Dataset openTraining() throws IOException {
    return Cifar10Dataset.open(trainingFiles());
  }

  /**
   * Opens the evaluation file, see {@link #evaluationFile(Optional)}.
   *
   * @param file an explicit evaluation file, or empty for {@code test_batch.bin}
   * @return the dataset
   * @throws IOException if the file is missing or corrupt
   */
  public Cifar10Dataset openEvaluation(Optional<Path> file) throws IOException {
    return Cifar10Dataset.open(evaluationFile(file));
  }

  /** Whether {@code dir} holds any CIFAR-10 file: a training file or {@code test_batch.bin}. */
  static boolean holdsData(Path dir) throws IOException {
    return Files.isDirectory(dir)
        && (Files.isRegularFile(dir.resolve(Cifar10.TEST_FILE))
            || !listTrainingFiles(dir).isEmpty());
  }

  private static List<Path> listTrainingFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile)
          .filter(p -> TRAINING.matcher(p.getFileName().toString()).matches())
          .forEach(found::add);
    }
    found.sort(Comparator.comparingInt(Cifar10Location::batchNumber));
    return List.copyOf(found);
  }

  private static int batchNumber(Path p) {
    Matcher m = TRAINING.matcher(p.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalStateException("not a training file name: " + p);
    }
    return Integer.parseInt(m.group(1));
  }
}
