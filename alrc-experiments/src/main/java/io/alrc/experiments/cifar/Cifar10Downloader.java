package io.alrc.experiments.cifar;

import io.alrc.experiments.data.DownloadException;
import io.alrc.experiments.data.HttpDownload;
import io.alrc.experiments.data.ProcessLock;
import io.alrc.experiments.data.ProgressListener;
import io.alrc.snapshot.AtomicFiles;
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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * <p>Steps: lock the data root (a second download into it fails at once, naming the holder);
 * delete what an interrupted download left there; download to {@code .cifar-10-binary.tar.gz.part}
 * in the data root with a progress report, checking the size and MD5 ({@link HttpDownload}, with a
 * read timeout, so a stalled server ends the download); unpack {@code data_batch_1..5.bin} and
 * {@code test_batch.bin}, and nothing else, into a staging folder next to the target; check each
 * file with {@link Cifar10Dataset#open(Path...)} and its size; then move the folder into place in
 * one atomic rename (when the target folder already exists, each file is moved in with its own
 * atomic rename, replacing the old one and leaving other files there untouched), and record the
 * files' SHA-256 checksums in {@code cifar-10-batches-bin/SHA256SUMS} ({@code sha256sum -c}
 * format). On any failure, and when the process is stopped (Ctrl-C, SIGTERM: a shutdown hook), the
 * partial download and the staging folder are deleted, so the target never holds a partial file.
 *
 * <h2>Files already present</h2>
 *
 * They are verified before they are trusted: each of the six must exist with the archive's file
 * size (30,730,000 bytes, 10,000 records, for the official files); then, if {@code SHA256SUMS} is
 * there (an earlier install by this class), every file must match its recorded SHA-256; without it
 * (files put there by hand), every record's label must be 0..9, and the result says that the content
 * was not verified by checksum. The official archive's per-file checksums are not published, and
 * files rebuilt from other sources (such as a JPEG-derived copy) have the same size and layout but
 * other content, so without {@code SHA256SUMS} only the size and labels are checked. A file that
 * fails is reported in {@link Result#check()} and the archive is downloaded again. {@code
 * replaceExisting} downloads even when all is well.
 *
 * <p>Immutable; concurrent downloads into one data root are refused by the lock ({@link
 * ProcessLock.HeldException}).
 */
public final class Cifar10Downloader {
  /** The six files taken from the archive, in order. */
  public static final List<String> FILES = files();

  /** The checksum list written into the folder after an install ({@value}). */
  public static final String CHECKSUMS = "SHA256SUMS";

  /** The lock file in the data root that keeps out a second download ({@value}). */
  public static final String LOCK = ".cifar-10-download.lock";

  /** The partial download in the data root while it runs ({@value}). */
  static final String PART = ".cifar-10-binary.tar.gz.part";

  /** The staging folder in the data root while the archive is unpacked ({@value}). */
  static final String STAGING = "." + Cifar10.FOLDER + ".staging";

  /** What an interrupted download (of this or an earlier version) leaves in the data root. */
  private static final Pattern LEFTOVER =
      Pattern.compile("\\.cifar-10-binary.*\\.tar\\.gz\\.part|\\." + Pattern.quote(Cifar10.FOLDER) + "[-.].+");

  /**
   * What to download and what it must look like.
   *
   * @param uri the archive's address: http or https ({@link HttpDownload#checkUri})
   * @param size its exact size in bytes; &gt; 0
   * @param md5 its MD5 checksum, 32 hexadecimal digits
   * @param fileBytes the exact size of each of the six files, a multiple of {@value
   *     Cifar10#RECORD_BYTES}; -1 for any whole number of records
   */
  public record Archive(URI uri, long size, String md5, long fileBytes) {
    /**
     * The official archive: 170,052,171 bytes, MD5 c32a1d4ab5d03f1284b67883e8d87530, six files of
     * 30,730,000 bytes (10,000 records) each.
     */
    public static final Archive OFFICIAL =
        new Archive(
            URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
            170_052_171L,
            "c32a1d4ab5d03f1284b67883e8d87530",
            (long) Cifar10.RECORDS_PER_OFFICIAL_FILE * Cifar10.RECORD_BYTES);

    /** Validates the components. */
    public Archive {
      HttpDownload.checkUri(uri);
      Objects.requireNonNull(md5, "md5");
      if (size <= 0) {
        throw new IllegalArgumentException("size (" + size + ") must be > 0");
      }
      if (!md5.matches("[0-9a-fA-F]{32}")) {
        throw new IllegalArgumentException("md5 (" + md5 + ") must be 32 hexadecimal digits");
      }
      if (fileBytes != -1 && (fileBytes <= 0 || fileBytes % Cifar10.RECORD_BYTES != 0)) {
        throw new IllegalArgumentException("fileBytes (" + fileBytes + ") must be -1 or a positive"
            + " multiple of " + Cifar10.RECORD_BYTES);
      }
    }

    /** An archive whose files may hold any whole number of records. */
    public Archive(URI uri, long size, String md5) {
      this(uri, size, md5, -1);
    }

    /**
     * The same expected sizes and checksum at another address (a mirror or a local server).
     *
     * @param other the address: http or https
     * @return the archive description
     * @throws IllegalArgumentException if {@code other} is not an http(s) URI with a host
     */
    public Archive at(URI other) {
      return new Archive(other, size, md5, fileBytes);
    }
  }

  /**
   * The outcome of {@link #download}.
   *
   * @param folder the folder holding the six files, {@code <data root>/cifar-10-batches-bin}
   * @param downloaded false if the files were already there and nothing was fetched
   * @param bytes the size of the archive downloaded; 0 if nothing was fetched
   * @param check what was verified of the files already present, or why they were replaced (e.g.
   *     {@code data_batch_3.bin holds 1000 bytes, expected 30730000}); empty for a first download
   */
  public record Result(Path folder, boolean downloaded, long bytes, String check) {}

  private final Archive archive;
  private final HttpClient client;
  private final boolean replaceExisting;
  private final Duration readTimeout;

  /**
   * A downloader with the {@link HttpDownload#DEFAULT_READ_TIMEOUT}.
   *
   * @param archive what to download
   * @param client the HTTP client, e.g. {@link HttpDownload#defaultClient()}
   * @param replaceExisting download and replace the files even when all six are present and sound
   */
  public Cifar10Downloader(Archive archive, HttpClient client, boolean replaceExisting) {
    this(archive, client, replaceExisting, HttpDownload.DEFAULT_READ_TIMEOUT);
  }

  /**
   * A downloader.
   *
   * @param archive what to download
   * @param client the HTTP client (its connect timeout applies), e.g. {@link
   *     HttpDownload#client(Duration)}
   * @param replaceExisting download and replace the files even when all six are present and sound
   * @param readTimeout the longest silence of the server, before its answer or within the body
   */
  public Cifar10Downloader(
      Archive archive, HttpClient client, boolean replaceExisting, Duration readTimeout) {
    this.archive = Objects.requireNonNull(archive, "archive");
    this.client = Objects.requireNonNull(client, "client");
    this.replaceExisting = replaceExisting;
    this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
    if (readTimeout.isNegative() || readTimeout.isZero()) {
      throw new IllegalArgumentException("readTimeout (" + readTimeout + ") must be > 0");
    }
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
   * Downloads and installs the six files into {@code <dataRoot>/cifar-10-batches-bin}, unless they
   * are present and sound (see the class comment).
   *
   * @param dataRoot the data root; created if missing
   * @param progress told the download's byte counts
   * @return the folder, whether anything was downloaded, and what was checked
   * @throws DownloadException on an HTTP error, a stalled server, a cut-off download, a wrong size
   *     or checksum, or an archive without the six files; nothing is left in the data root but the
   *     lock file
   * @throws ProcessLock.HeldException if another download into {@code dataRoot} is running
   * @throws IOException if the data root cannot be written
   */
  public Result download(Path dataRoot, ProgressListener progress) throws IOException {
    Objects.requireNonNull(dataRoot, "dataRoot");
    Objects.requireNonNull(progress, "progress");
    Path target = dataRoot.resolve(Cifar10.FOLDER);
    if (!replaceExisting) {
      Verdict before = verify(target);
      if (before.sound()) {
        return new Result(target, false, 0, before.text());
      }
    }
    Files.createDirectories(dataRoot);
    try (ProcessLock lock = ProcessLock.acquire(dataRoot.resolve(LOCK))) {
      removeLeftovers(dataRoot);
      Verdict verdict = replaceExisting ? null : verify(target); // another download may have run
      if (verdict != null && verdict.sound()) {
        return new Result(target, false, 0, verdict.text());
      }
      String why = verdict == null || verdict.text().isEmpty()
          ? ""
          : verdict.text() + "; downloaded again";
      Path part = dataRoot.resolve(PART);
      Path staging = dataRoot.resolve(STAGING);
      Thread cleanup = new Thread(() -> cleanUp(part, staging), "alrc-cifar10-cleanup");
      Runtime.getRuntime().addShutdownHook(cleanup);
      try {
        long bytes = HttpDownload.toFile(
            client, archive.uri(), archive.size(), archive.md5(), part, progress, readTimeout);
        Files.createDirectory(staging);
        extract(part, staging);
        Map<String, String> sums = new LinkedHashMap<>();
        for (String f : FILES) {
          check(staging.resolve(f));
          sums.put(f, sha256(staging.resolve(f)));
        }
        Files.deleteIfExists(target.resolve(CHECKSUMS)); // stale until the new list is written
        install(staging, target);
        StringBuilder list = new StringBuilder();
        sums.forEach((f, sum) -> list.append(sum).append("  ").append(f).append('\n'));
        AtomicFiles.write(target.resolve(CHECKSUMS), list.toString().getBytes(StandardCharsets.US_ASCII));
        return new Result(target, true, bytes, why);
      } finally {
        cleanUp(part, staging);
        try {
          Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook runs anyway
        }
      }
    }
  }

  /** Deletes the partial download and the staging folder, as far as possible (also from a hook). */
  private static void cleanUp(Path part, Path staging) {
    try {
      Files.deleteIfExists(part);
    } catch (IOException e) {
      // removed at the next start (removeLeftovers)
    }
    for (int attempt = 0; attempt < 3 && Files.exists(staging); attempt++) {
      try {
        deleteTree(staging);
      } catch (IOException e) {
        // a file appeared while deleting (the unpacking thread still runs): try again
      }
    }
  }

  /** Deletes what interrupted downloads left in the data root; only while holding the lock. */
  private static void removeLeftovers(Path dataRoot) throws IOException {
    List<Path> leftovers;
    try (Stream<Path> s = Files.list(dataRoot)) {
      leftovers = s.filter(p -> LEFTOVER.matcher(p.getFileName().toString()).matches()).toList();
    }
    for (Path p : leftovers) {
      deleteTree(p);
    }
  }

  /**
   * What the files already in {@code folder} are worth.
   *
   * @param sound whether they can be used as they are
   * @param text what was checked, or what is wrong; empty if no file is there
   */
  private record Verdict(boolean sound, String text) {}

  private Verdict verify(Path folder) throws IOException {
    boolean any = false;
    for (String f : FILES) {
      any |= Files.exists(folder.resolve(f));
    }
    if (!any) {
      return new Verdict(false, "");
    }
    for (String f : FILES) {
      Path file = folder.resolve(f);
      if (!Files.isRegularFile(file)) {
        return new Verdict(false, f + " is missing");
      }
      long size = Files.size(file);
      if (archive.fileBytes() > 0 && size != archive.fileBytes()) {
        return new Verdict(false, f + " holds " + size + " bytes, expected " + archive.fileBytes()
            + " (cut short, or not the official file)");
      }
      if (size == 0 || size % Cifar10.RECORD_BYTES != 0) {
        return new Verdict(false, f + " holds " + size + " bytes, not a whole number of "
            + Cifar10.RECORD_BYTES + "-byte records");
      }
    }
    Path sumsFile = folder.resolve(CHECKSUMS);
    if (Files.isRegularFile(sumsFile)) {
      Map<String, String> sums = readChecksums(sumsFile);
      for (String f : FILES) {
        String expected = sums.get(f);
        if (expected == null) {
          return new Verdict(false, CHECKSUMS + " lists no checksum of " + f);
        }
        String actual = sha256(folder.resolve(f));
        if (!actual.equals(expected)) {
          return new Verdict(false, f + " has SHA-256 " + actual + ", but " + CHECKSUMS
              + " recorded " + expected + " when it was installed");
        }
      }
      return new Verdict(true, "sizes and SHA-256 checksums (" + CHECKSUMS + ") verified");
    }
    for (String f : FILES) {
      String problem = badLabel(folder.resolve(f));
      if (problem != null) {
        return new Verdict(false, problem);
      }
    }
    return new Verdict(true, "sizes and labels checked; there is no " + CHECKSUMS + " (the files were"
        + " not installed by alrc data), so their content is not verified by checksum (--force"
        + " downloads and verifies the official archive)");
  }

  /** The first record of {@code file} whose label is not 0..9, described; null if none. */
  private static String badLabel(Path file) throws IOException {
    byte[] record = new byte[Cifar10.RECORD_BYTES];
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      for (long r = 0; in.readNBytes(record, 0, record.length) == record.length; r++) {
        int label = record[0] & 0xFF;
        if (label >= Cifar10.CLASSES) {
          return file.getFileName() + " record " + r + " has label " + label
              + " (the file is corrupt or not in the CIFAR-10 binary format)";
        }
      }
    }
    return null;
  }

  /** The checksums of a {@code sha256sum} list: file name to lower-case hex digest. */
  private static Map<String, String> readChecksums(Path file) throws IOException {
    Map<String, String> sums = new LinkedHashMap<>();
    if (Files.size(file) > 1 << 16) {
      return sums; // not a list this class wrote
    }
    for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
      Matcher m = SUM_LINE.matcher(line);
      if (m.matches()) {
        sums.put(m.group(2), m.group(1).toLowerCase(Locale.ROOT));
      }
    }
    return sums;
  }

  private static final Pattern SUM_LINE = Pattern.compile("([0-9a-fA-F]{64}) [ *](\\S+)");

  /** The SHA-256 of a file as 64 lower-case hexadecimal digits. */
  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e); // required of every JVM
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        digest.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
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
    long size = Files.size(file);
    if (archive.fileBytes() > 0 && size != archive.fileBytes()) {
      throw new DownloadException(archive.uri(), "the archive from " + archive.uri() + " holds "
          + file.getFileName() + " of " + size + " bytes, expected " + archive.fileBytes()
          + "; nothing was installed");
    }
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
