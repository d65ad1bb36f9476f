package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.experiments.data.DownloadException;
import io.alrc.experiments.data.HttpDownload;
import io.alrc.experiments.data.LoopbackServer;
import io.alrc.experiments.data.ProcessLock;
import io.alrc.experiments.data.ProgressListener;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the hostile-user trial found in the download: files already present are verified before
 * they are trusted, a stalled server ends the download, leftovers of an interrupted one are removed,
 * one download at a time per folder, only http(s) URLs.
 */
class Cifar10DownloaderReliabilityTest {
  private static final int RECORDS = 4;
  private static final long FILE_BYTES = (long) RECORDS * Cifar10.RECORD_BYTES;

  @TempDir Path root;
  private Map<String, byte[]> files;
  private byte[] archive;
  private LoopbackServer server;

  @BeforeEach
  void start() throws IOException {
    files = new LinkedHashMap<>();
    int seed = 0;
    for (String f : Cifar10Downloader.FILES) {
      files.put(f, Cifar10TestFiles.records(seed++, 1, 2, 3, seed % 10));
    }
    archive = Cifar10DownloaderTest.tarGz(files, true);
    server = new LoopbackServer(archive);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Cifar10Downloader downloader(boolean replace, Duration readTimeout) {
    return new Cifar10Downloader(
        new Cifar10Downloader.Archive(server.uri(), archive.length, Cifar10DownloaderTest.md5(archive),
            FILE_BYTES),
        HttpDownload.defaultClient(), replace, readTimeout);
  }

  private Cifar10Downloader downloader() {
    return downloader(false, Duration.ofSeconds(30));
  }

  private Path folder() {
    return root.resolve(Cifar10.FOLDER);
  }

  private List<String> rootListing() throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void theInstallRecordsChecksumsThatVerifyTheNextTime() throws IOException {
    downloader().download(root, ProgressListener.none());
    String sums = Files.readString(folder().resolve("SHA256SUMS"));
    assertThat(sums.lines()).hasSize(6).allMatch(l -> l.matches("[0-9a-f]{64}  \\S+\\.bin"));
    assertThat(sums).contains(Cifar10Downloader.sha256(folder().resolve("data_batch_3.bin")) + "  data_batch_3.bin\n");

    Cifar10Downloader.Result again = downloader().download(root, ProgressListener.none());
    assertThat(again.downloaded()).isFalse();
    assertThat(again.check()).isEqualTo("sizes and SHA-256 checksums (SHA256SUMS) verified");
    assertThat(server.requests()).isEqualTo(1);
  }

  /** The trial: a truncated data_batch_3.bin was reported "already present". */
  @Test
  void aTruncatedFileIsNamedAndDownloadedAgain() throws IOException {
    downloader().download(root, ProgressListener.none());
    Path batch3 = folder().resolve("data_batch_3.bin");
    try (RandomAccessFile f = new RandomAccessFile(batch3.toFile(), "rw")) {
      f.setLength(1000);
    }
    Cifar10Downloader.Result r = downloader().download(root, ProgressListener.none());
    assertThat(r.downloaded()).isTrue();
    assertThat(r.check()).isEqualTo("data_batch_3.bin holds 1000 bytes, expected " + FILE_BYTES
        + " (cut short, or not the official file); downloaded again");
    assertThat(batch3).hasBinaryContent(files.get("data_batch_3.bin"));
    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void aChangedFileOfTheRightSizeFailsItsChecksum() throws IOException {
    downloader().download(root, ProgressListener.none());
    Path test = folder().resolve("test_batch.bin");
    byte[] changed = Files.readAllBytes(test);
    changed[100] ^= 1;
    Files.write(test, changed);
    Cifar10Downloader.Result r = downloader().download(root, ProgressListener.none());
    assertThat(r.downloaded()).isTrue();
    assertThat(r.check()).startsWith("test_batch.bin has SHA-256 ")
        .endsWith(", but SHA256SUMS recorded " + Cifar10Downloader.sha256(test) + " when it was"
            + " installed; downloaded again");
    assertThat(test).hasBinaryContent(files.get("test_batch.bin"));
  }

  @Test
  void filesPutThereByHandAreCheckedBySizeAndLabelsAndSaidSo() throws IOException {
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Files.createDirectories(folder());
      Files.write(folder().resolve(e.getKey()), e.getValue());
    }
    Cifar10Downloader.Result r = downloader().download(root, ProgressListener.none());
    assertThat(r.downloaded()).isFalse();
    assertThat(r.check()).startsWith("sizes and labels checked; there is no SHA256SUMS")
        .contains("not verified by checksum");
    assertThat(server.requests()).isZero();

    byte[] badLabel = files.get("data_batch_2.bin").clone();
    badLabel[2 * Cifar10.RECORD_BYTES] = 42;
    Files.write(folder().resolve("data_batch_2.bin"), badLabel);
    Cifar10Downloader.Result fixed = downloader().download(root, ProgressListener.none());
    assertThat(fixed.downloaded()).isTrue();
    assertThat(fixed.check()).startsWith("data_batch_2.bin record 2 has label 42");
    assertThat(folder().resolve("data_batch_2.bin")).hasBinaryContent(files.get("data_batch_2.bin"));
  }

  @Test
  void theOfficialArchiveExpects30730000BytesPerFile() {
    assertThat(Cifar10Downloader.Archive.OFFICIAL.fileBytes()).isEqualTo(30_730_000L);
    assertThat(Cifar10Downloader.Archive.OFFICIAL.at(URI.create("http://mirror/x.tar.gz")).fileBytes())
        .isEqualTo(30_730_000L);
  }

  @Test
  void anArchiveWhoseFilesHaveTheWrongSizeInstallsNothing() {
    Cifar10Downloader d = new Cifar10Downloader(
        new Cifar10Downloader.Archive(server.uri(), archive.length, Cifar10DownloaderTest.md5(archive),
            2L * Cifar10.RECORD_BYTES),
        HttpDownload.defaultClient(), false);
    assertThatThrownBy(() -> d.download(root, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessageContaining("holds data_batch_1.bin of " + FILE_BYTES + " bytes, expected "
            + 2 * Cifar10.RECORD_BYTES + "; nothing was installed");
    assertThat(folder()).doesNotExist();
  }

  /** The trial: a server that stalls hung the download for good. */
  @Test
  void aServerThatStallsInTheBodyEndsTheDownloadAfterTheReadTimeout() throws IOException {
    server.mode(LoopbackServer.Mode.STALL_IN_BODY, 100);
    long start = System.nanoTime();
    assertThatThrownBy(() -> downloader(false, Duration.ofMillis(500)).download(root, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage("the download of " + server.uri() + " was cut off after 100 of " + archive.length
            + " bytes: no data for 0.500 s (read timeout)");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(10);
    assertThat(rootListing()).containsExactly(".cifar-10-download.lock");
  }

  @Test
  void aServerThatNeverAnswersEndsTheDownloadAfterTheReadTimeout() throws IOException {
    server.mode(LoopbackServer.Mode.STALL_BEFORE_ANSWER, 0);
    assertThatThrownBy(() -> downloader(false, Duration.ofSeconds(1)).download(root, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage(server.uri() + " sent no answer within 1 s (read timeout)");
    assertThat(rootListing()).containsExactly(".cifar-10-download.lock");
  }

  @Test
  void leftoversOfAnInterruptedDownloadAreRemovedAtTheNextStart() throws IOException {
    Path part = Files.writeString(root.resolve(".cifar-10-binary.tar.gz.part"), "partial");
    Path oldPart = Files.writeString(root.resolve(".cifar-10-binary-8123456.tar.gz.part"), "partial");
    Path staging = Files.createDirectories(root.resolve(".cifar-10-batches-bin.staging"));
    Files.writeString(staging.resolve("data_batch_1.bin"), "partial");
    Path oldStaging = Files.createDirectories(root.resolve(".cifar-10-batches-bin-4711"));
    Path mine = Files.writeString(root.resolve("notes.part"), "the user's");
    downloader().download(root, ProgressListener.none());
    assertThat(part).doesNotExist();
    assertThat(oldPart).doesNotExist();
    assertThat(staging).doesNotExist();
    assertThat(oldStaging).doesNotExist();
    assertThat(mine).exists();
  }

  @Test
  void aSecondDownloadIntoTheSameFolderIsRefusedNamingTheHolder() throws IOException {
    try (ProcessLock held = ProcessLock.acquire(root.resolve(".cifar-10-download.lock"))) {
      assertThatThrownBy(() -> downloader().download(root, ProgressListener.none()))
          .isInstanceOfSatisfying(ProcessLock.HeldException.class,
              e -> assertThat(e.holder()).isEqualTo(held.holder()));
    }
    assertThat(server.requests()).isZero();
    assertThat(downloader().download(root, ProgressListener.none()).downloaded()).isTrue();
  }

  @Test
  void onlyHttpAndHttpsUrlsAreAccepted() {
    assertThatThrownBy(() -> Cifar10Downloader.Archive.OFFICIAL.at(URI.create("ftp://x/a.tar.gz")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("URL 'ftp://x/a.tar.gz': the scheme ftp is not supported, only http and https");
    assertThatThrownBy(() -> Cifar10Downloader.Archive.OFFICIAL.at(URI.create("cifar.tar.gz")))
        .hasMessage("URL 'cifar.tar.gz' has no scheme: expected http://HOST/... or https://HOST/...");
    assertThatThrownBy(() -> Cifar10Downloader.Archive.OFFICIAL.at(URI.create("http:///a")))
        .hasMessage("URL 'http:///a' has no host");
    assertThat(Cifar10Downloader.Archive.OFFICIAL.at(URI.create("HTTPS://mirror.example/a")).uri())
        .hasHost("mirror.example");
  }
}
