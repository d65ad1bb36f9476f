package io.alrc.experiments.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.experiments.data.DownloadException;
import io.alrc.experiments.data.HttpDownload;
import io.alrc.experiments.data.LoopbackServer;
import io.alrc.experiments.data.ProgressListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10DownloaderTest {
  @TempDir Path root;
  private Map<String, byte[]> files;
  private byte[] archive;
  private LoopbackServer server;

  @BeforeEach
  void start() throws IOException {
    files = new LinkedHashMap<>();
    int seed = 0;
    for (String f : Cifar10Downloader.FILES) {
      files.put(f, Cifar10TestFiles.records(seed++, seed % 10, 9, 0));
    }
    archive = tarGz(files, true);
    server = new LoopbackServer(archive);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A tar.gz with cifar-10-batches-bin/ entries for the files, plus two extra files. */
  static byte[] tarGz(Map<String, byte[]> content, boolean extras) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(buf))) {
      TarArchiveEntry d = new TarArchiveEntry("cifar-10-batches-bin/");
      tar.putArchiveEntry(d);
      tar.closeArchiveEntry();
      Map<String, byte[]> all = new LinkedHashMap<>(content);
      if (extras) {
        all.put("batches.meta.txt", "airplane\n".getBytes(StandardCharsets.US_ASCII));
        all.put("readme.html", "<p>readme</p>".getBytes(StandardCharsets.US_ASCII));
      }
      for (Map.Entry<String, byte[]> e : all.entrySet()) {
        TarArchiveEntry t = new TarArchiveEntry("cifar-10-batches-bin/" + e.getKey());
        t.setSize(e.getValue().length);
        tar.putArchiveEntry(t);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    }
    return buf.toByteArray();
  }

  static String md5(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private Cifar10Downloader downloader(byte[] expected, boolean replace) {
    return new Cifar10Downloader(
        new Cifar10Downloader.Archive(server.uri(), expected.length, md5(expected)),
        HttpDownload.defaultClient(),
        replace);
  }

  private List<String> rootListing() throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted()
          .toList();
    }
  }

  @Test
  void installsTheSixFilesAndNothingElse() throws IOException {
    Cifar10Downloader.Result r = downloader(archive, false).download(root, ProgressListener.none());

    Path folder = root.resolve("cifar-10-batches-bin");
    assertThat(r).isEqualTo(new Cifar10Downloader.Result(folder, true, archive.length, ""));
    assertThat(rootListing())
        .as("the six files and their checksums, no batches.meta.txt or readme.html, no temporary"
            + " files; the lock file stays")
        .containsExactly(
            ".cifar-10-download.lock",
            "cifar-10-batches-bin",
            "cifar-10-batches-bin/SHA256SUMS",
            "cifar-10-batches-bin/data_batch_1.bin",
            "cifar-10-batches-bin/data_batch_2.bin",
            "cifar-10-batches-bin/data_batch_3.bin",
            "cifar-10-batches-bin/data_batch_4.bin",
            "cifar-10-batches-bin/data_batch_5.bin",
            "cifar-10-batches-bin/test_batch.bin");
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      assertThat(Files.readAllBytes(folder.resolve(e.getKey()))).isEqualTo(e.getValue());
    }
    Cifar10Location loc =
        new Cifar10Locator(Map.of(), root.resolve("home")).locate(java.util.Optional.of(root));
    assertThat(loc.openTraining().size()).isEqualTo(15);
  }

  @Test
  void filesAlreadyPresentAreKeptUnlessReplaceIsAsked() throws IOException {
    downloader(archive, false).download(root, ProgressListener.none());
    assertThat(server.requests()).isEqualTo(1);

    Cifar10Downloader.Result again = downloader(archive, false).download(root, ProgressListener.none());
    assertThat(again.downloaded()).isFalse();
    assertThat(server.requests()).as("no second request").isEqualTo(1);

    Cifar10Downloader.Result replaced = downloader(archive, true).download(root, ProgressListener.none());
    assertThat(replaced.downloaded()).isTrue();
    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void existingFolderKeepsItsOtherFiles() throws IOException {
    Path folder = Files.createDirectories(root.resolve("cifar-10-batches-bin/lossless_subset"));
    Files.write(folder.resolve("x.bin"), new byte[] {1});
    Files.write(root.resolve("cifar-10-batches-bin/data_batch_1.bin"), new byte[] {1, 2, 3});

    downloader(archive, false).download(root, ProgressListener.none());

    assertThat(folder.resolve("x.bin")).hasBinaryContent(new byte[] {1});
    assertThat(root.resolve("cifar-10-batches-bin/data_batch_1.bin"))
        .hasBinaryContent(files.get("data_batch_1.bin"));
  }

  @Test
  void wrongChecksumLeavesNothing() throws IOException {
    String wrong = "ffffffffffffffffffffffffffffffff";
    Cifar10Downloader d =
        new Cifar10Downloader(
            new Cifar10Downloader.Archive(server.uri(), archive.length, wrong),
            HttpDownload.defaultClient(),
            false);
    assertThatThrownBy(() -> d.download(root, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage(
            "MD5 checksum of the download from "
                + server.uri()
                + " is "
                + md5(archive)
                + ", expected "
                + wrong
                + "; the file is corrupt or not the expected one");
    assertThat(rootListing()).as("nothing but the lock file").containsExactly(".cifar-10-download.lock");
  }

  @Test
  void cutOffDownloadLeavesNothing() throws IOException {
    server.mode(LoopbackServer.Mode.CUT_WITH_LENGTH, archive.length / 2);
    assertThatThrownBy(() -> downloader(archive, false).download(root, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessageStartingWith("the download of " + server.uri() + " was cut off after ")
        .hasMessageContaining(" of " + archive.length + " bytes");
    assertThat(rootListing()).as("nothing but the lock file").containsExactly(".cifar-10-download.lock");
  }

  @Test
  void httpErrorLeavesNothing() throws IOException {
    server.mode(LoopbackServer.Mode.NOT_FOUND, 0);
    assertThatThrownBy(() -> downloader(archive, false).download(root, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage("GET " + server.uri() + " answered HTTP 404; expected 200");
    assertThat(rootListing()).as("nothing but the lock file").containsExactly(".cifar-10-download.lock");
  }

  @Test
  void archiveMissingAFileLeavesNothing() throws IOException {
    Map<String, byte[]> partial = new LinkedHashMap<>(files);
    partial.remove("test_batch.bin");
    partial.remove("data_batch_3.bin");
    byte[] bad = tarGz(partial, true);
    server.body(bad);
    assertThatThrownBy(() -> downloader(bad, false).download(root, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage(
            "the archive from "
                + server.uri()
                + " lacks cifar-10-batches-bin/data_batch_3.bin,"
                + " cifar-10-batches-bin/test_batch.bin; nothing was installed");
    assertThat(rootListing()).as("nothing but the lock file").containsExactly(".cifar-10-download.lock");
  }

  @Test
  void archiveWithACorruptFileLeavesNothing() throws IOException {
    Map<String, byte[]> corrupt = new LinkedHashMap<>(files);
    corrupt.put("data_batch_2.bin", new byte[100]);
    byte[] bad = tarGz(corrupt, false);
    server.body(bad);
    assertThatThrownBy(() -> downloader(bad, false).download(root, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessageStartingWith(
            "the archive from " + server.uri() + " holds a corrupt data_batch_2.bin: CIFAR-10 file ")
        .hasMessageEndingWith(
            "size 100 bytes is not a multiple of the 3073-byte record (1 label byte + 3072 pixel"
                + " bytes); the file is truncated or not in the CIFAR-10 binary format; nothing"
                + " was installed");
    assertThat(rootListing()).as("nothing but the lock file").containsExactly(".cifar-10-download.lock");
  }

  @Test
  void notAnArchiveLeavesNothing() throws IOException {
    byte[] junk = "this is not gzip".getBytes(StandardCharsets.US_ASCII);
    server.body(junk);
    assertThatThrownBy(() -> downloader(junk, false).download(root, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessageStartingWith("the archive from " + server.uri() + " cannot be unpacked: ");
    assertThat(rootListing()).as("nothing but the lock file").containsExactly(".cifar-10-download.lock");
  }

  @Test
  void staticEntryPointChecksAgainstTheOfficialSize() throws IOException {
    URI uri = server.uri();
    assertThatThrownBy(() -> Cifar10Downloader.download(root, uri, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage(
            "the server announces " + archive.length + " bytes for " + uri + "; expected 170052171");
    assertThat(rootListing()).as("nothing but the lock file").containsExactly(".cifar-10-download.lock");
  }

  @Test
  void officialArchiveConstants() {
    Cifar10Downloader.Archive a = Cifar10Downloader.Archive.OFFICIAL;
    assertThat(a.uri()).hasToString("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
    assertThat(a.size()).isEqualTo(170_052_171L);
    assertThat(a.md5()).isEqualTo("c32a1d4ab5d03f1284b67883e8d87530");
    assertThatThrownBy(() -> new Cifar10Downloader.Archive(a.uri(), 1, "abc"))
        .hasMessage("md5 (abc) must be 32 hexadecimal digits");
  }
}
