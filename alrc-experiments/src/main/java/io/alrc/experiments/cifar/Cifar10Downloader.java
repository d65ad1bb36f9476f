package io.alrc.experiments.cifar;

import io.alrc.experiments.data.DownloadException;
import io.alrc.experiments.data.HttpDownload;
import io.alrc.experiments.data.ProgressListener;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Downloads the CIFAR-10 binary archive, checks it, and installs its six data files into {@code
 * <data root>/cifar-10-batches-bin}. This is the library side of {@code alrc data cifar10}.
 *
 * <p>Steps: download to a temporary file in the data root with a progress report, checking the
 * size and MD5 ({@link HttpDownload}); unpack {@code data_batch_1..5.bin} and {@code
 * test_batch.bin}, and nothing else, into a temporary folder next to the target; check each file
 * with {@link Cifar10Dataset#open(Path...)}; then move the folder into place in one atomic rename
 * (when the target folder already exists, each file is moved in with its own atomic rename,
 * replacing the old one and leaving other files there untouched). On any failure the temporary
 * file and folder are deleted, so the target never holds a partial file.
 *
 * <p>If all six files are already present, nothing is downloaded unless {@code replaceExisting} is
 * set. Immutable; concurrent downloads to the same root do not corrupt each other (the last one to
 * finish wins).
 */
public final class Cifar10Downloader {
  /** The six files taken from the archive, in order. */
  public static final List<String> FILES = files();

  /**
   * What to download and what it must look like.
   *
   * @param uri the archive's address
   * @param size its exact size in bytes; &gt; 0
   * @param md5 its MD5 checksum, 32 hexadecimal digits
   */
  public record Archive(URI uri, long size, String md5) {
    /** The official archive: 170,052,171 bytes, MD5 c32a1d4ab5d03f1284b67883e8d87530. */
    public static final Archive OFFICIAL =
        new Archive(
            URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
            170_052_171L,
            "c32a1d4ab5d03f1284b67883e8d87530");

    /** Validates the components. */
    public Archive {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(md5, "md5");
      if (size <= 0) {
        throw new IllegalArgumentException("size (" + size + ") must be > 0");
      }
      if (!md5.matches("[0-9a-fA-F]{32}")) {
        throw new IllegalArgumentException("md5 (" + md5 + ") must be 32 hexadecimal digits");
      }
    }

    /**
     * The same expected size and checksum at another address (a mirror or a local server).
     *
     * @param other the address
     * @return the archive description
     */
    public Archive at(URI other) {
      return new Archive(other, size, md5);
    }
  }

  /**
   * The outcome of {@link #download}.
   *
   * @param folder the folder holding the six files, {@code <data root>/cifar-10-batches-bin}
   * @param downloaded false if the files were already there and nothing was fetched
   * @param bytes the size of the archive downloaded; 0 if nothing was fetched
   */
  public record Result(Path folder, boolean downloaded, long bytes) {}

  private final Archive archive;
  private final HttpClient client;
  private final boolean replaceExisting;

  /**
   * A downloader.
   *
   * @param archive what to download
   * @param client the HTTP client, e.g. {@link HttpDownload#defaultClient()}
   * @param replaceExisting download and replace the files even when all six are present
   */
  public Cifar10Downloader(Archive archive, HttpClient client, boolean replaceExisting) {
    this.archive = Objects.requireNonNull(archive, "archive");
    this.client = Objects.requireNonNull(client, "client");
    this.replaceExisting = replaceExisting;
  }

  /**
   * A downloader for the official archive with the default client, keeping files already present.
   *
   * @return the downloader
   */
  public static Cifar10Downloader official() {
    return new Cifar10Downloader(Archive.OFFICIAL, HttpDownload.defaultClient(), false);
  }

  /**
   * Downloads the archive from {@code source} (checked against the official size and MD5) into
   * {@code <dataRoot>/cifar-10-batches-bin}, unless all six files are there already.
   *
   * @param dataRoot the data root, e.g. {@link Cifar10Locator#root} or the user cache; created if
   *     missing
   * @param source where to fetch the archive, normally {@code Archive.OFFICIAL.uri()}
   * @param progress told the download's byte counts
   * @return the folder and whether anything was downloaded
   * @throws DownloadException on an HTTP error, a cut-off download, a wrong size or checksum, or an
   *     archive without the six files; nothing is left in the data root
   * @throws IOException if the data root cannot be written
   */
  public static Result download(Path dataRoot, URI source, ProgressListener progress)
      throws IOException {
    return new Cifar10Downloader(
            Archive.OFFICIAL.at(source), HttpDownload.defaultClient(), false)
        .download(dataRoot, progress);
  }

  /**
   * The archive this downloader fetches.
   *
   * @return the archive description
   */
  public Archive archive() {
    return archive;
  }

  /**
   * Downloads and installs the six files into {@code <dataRoot>/cifar-10-batches-bin}.
   *
   * @param dataRoot the data root; created if missing
   * @param progress told the download's byte counts
   * @return the folder and whether anything was downloaded
   * @throws DownloadException on an HTTP error, a cut-off download, a wrong size or checksum, or an
   *     archive without the six files; nothing is left in the data root
   * @throws IOException if the data root cannot be written
   */
  public Result download(Path dataRoot, ProgressListener progress) throws IOException {
    Objects.requireNonNull(dataRoot, "dataRoot");
    Objects.requireNonNull(progress, "progress");
    Path target = dataRoot.resolve(Cifar10.FOLDER);
    if (!replaceExisting && allPresent(target)) {
      return new Result(target, false, 0);
    }
    Files.createDirectories(dataRoot);
    Path part = Files.createTempFile(dataRoot, ".cifar-10-binary-", ".tar.gz.part");
    Path staging = null;
    try {
      long bytes =
          HttpDownload.toFile(client, archive.uri(), archive.size(), archive.md5(), part, progress);
      staging = Files.createTempDirectory(dataRoot, "." + Cifar10.FOLDER + "-");
      extract(part, staging);
      for (String f : FILES) {
        check(staging.resolve(f));
      }
      install(staging, target);
      return new Result(target, true, bytes);
    } finally {
      Files.deleteIfExists(part);
      if (staging != null) {
        deleteTree(staging);
      }
    }
  }

  /** Unpacks the six files (matched as {@code cifar-10-batches-bin/NAME} or {@code NAME}). */
  private void extract(Path tarGz, Path into) throws IOException {
    Set<String> seen = new LinkedHashSet<>();
    try (InputStream in =
            new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tarGz), 1 << 16));
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName();
        if (name.startsWith("./")) {
          name = name.substring(2);
        }
        if (name.startsWith(Cifar10.FOLDER + "/")) {
          name = name.substring(Cifar10.FOLDER.length() + 1);
        }
        if (!e.isFile() || !FILES.contains(name)) {
          continue;
        }
        if (!seen.add(name)) {
          throw new DownloadException(
              archive.uri(),
              "the archive from " + archive.uri() + " holds " + name + " more than once");
        }
        // The output name is one of FILES, never the entry's path, so no entry can escape `into`.
        Files.copy(tar, into.resolve(name));
      }
    } catch (DownloadException e) {
      throw e;
    } catch (IOException e) {
      throw new DownloadException(
          archive.uri(),
          "the archive from " + archive.uri() + " cannot be unpacked: " + e.getMessage(),
          e);
    }
    List<String> missing = new ArrayList<>();
    for (String f : FILES) {
      if (!seen.contains(f)) {
        missing.add(Cifar10.FOLDER + "/" + f);
      }
    }
    if (!missing.isEmpty()) {
      throw new DownloadException(
          archive.uri(),
          "the archive from "
              + archive.uri()
              + " lacks "
              + String.join(", ", missing)
              + "; nothing was installed");
    }
  }

  private void check(Path file) throws IOException {
    try {
      Cifar10Dataset.open(file);
    } catch (Cifar10FileException e) {
      throw new DownloadException(
          archive.uri(),
          "the archive from "
              + archive.uri()
              + " holds a corrupt "
              + file.getFileName()
              + ": "
              + e.getMessage()
              + "; nothing was installed",
          e);
    }
  }

  private static void install(Path staging, Path target) throws IOException {
    if (!Files.exists(target)) {
      try {
        move(staging, target, false);
        return;
      } catch (FileAlreadyExistsException e) {
        // Created meanwhile (a concurrent download): fall through to per-file moves.
      }
    }
    for (String f : FILES) {
      move(staging.resolve(f), target.resolve(f), true);
    }
  }

  private static void move(Path from, Path to, boolean replace) throws IOException {
    try {
      if (replace) {
        Files.move(
            from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (AtomicMoveNotSupportedException e) {
      // The staging folder sits next to the target, so this needs an unusual file system; a plain
      // move is the best that remains.
      if (replace) {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(from, to);
      }
    }
  }

  private static boolean allPresent(Path folder) {
    for (String f : FILES) {
      if (!Files.isRegularFile(folder.resolve(f))) {
        return false;
      }
    }
    return true;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> s = Files.walk(root)) {
      paths = s.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }

  private static List<String> files() {
    List<String> f = new ArrayList<>(Cifar10.TRAINING_FILES);
    f.add(Cifar10.TEST_FILE);
    return List.copyOf(f);
  }
}
