package io.alrc.experiments.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpDownloadTest {
  @TempDir Path dir;
  private final byte[] body = new byte[200_000];
  private LoopbackServer server;
  private String md5;

  @BeforeEach
  void start() throws IOException, NoSuchAlgorithmException {
    new SplittableRandom(7).nextBytes(body);
    md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
    server = new LoopbackServer(body);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private long fetch(long size, String checksum, Path target, ProgressListener p)
      throws IOException {
    return HttpDownload.toFile(
        HttpDownload.defaultClient(), server.uri(), size, checksum, target, p);
  }

  @Test
  void fullDownloadIsWrittenAndReported() throws IOException {
    Path target = dir.resolve("f.part");
    List<String> events = new ArrayList<>();
    long[] advanced = {0};
    ProgressListener p =
        new ProgressListener() {
          @Override
          public void start(String task, long total) {
            events.add("start " + task + " " + total);
          }

          @Override
          public void advance(long units) {
            advanced[0] += units;
          }

          @Override
          public void finish() {
            events.add("finish");
          }
        };

    assertThat(fetch(body.length, md5.toUpperCase(java.util.Locale.ROOT), target, p))
        .isEqualTo(body.length);
    assertThat(Files.readAllBytes(target)).isEqualTo(body);
    assertThat(events).containsExactly("start cifar-10-binary.tar.gz 200000", "finish");
    assertThat(advanced[0]).isEqualTo(body.length);
  }

  @Test
  void wrongChecksumDeletesTheFile() {
    Path target = dir.resolve("f.part");
    String wrong = "0123456789abcdef0123456789abcdef";
    assertThatThrownBy(() -> fetch(body.length, wrong, target, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage(
            "MD5 checksum of the download from "
                + server.uri()
                + " is "
                + md5
                + ", expected "
                + wrong
                + "; the file is corrupt or not the expected one");
    assertThat(target).doesNotExist();
  }

  @Test
  void connectionDroppedBeforeContentLengthIsACutOff() {
    server.mode(LoopbackServer.Mode.CUT_WITH_LENGTH, 50_000);
    Path target = dir.resolve("f.part");
    assertThatThrownBy(() -> fetch(body.length, md5, target, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessageStartingWith("the download of " + server.uri() + " was cut off after ")
        .hasMessageContaining(" of 200000 bytes");
    assertThat(target).doesNotExist();
  }

  @Test
  void bodyShorterThanTheExpectedSizeIsACutOff() {
    server.mode(LoopbackServer.Mode.SHORT_CHUNKED, 1234);
    Path target = dir.resolve("f.part");
    assertThatThrownBy(() -> fetch(body.length, md5, target, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage("the download of " + server.uri() + " was cut off after 1234 of 200000 bytes");
    assertThat(target).doesNotExist();
  }

  @Test
  void bodyLongerThanExpectedIsRejected() {
    server.mode(LoopbackServer.Mode.SHORT_CHUNKED, body.length);
    Path target = dir.resolve("f.part");
    assertThatThrownBy(() -> fetch(1000, null, target, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage(server.uri() + " sent more than the expected 1000 bytes");
    assertThat(target).doesNotExist();
  }

  @Test
  void announcedLengthDifferentFromExpectedIsRejectedBeforeReading() {
    Path target = dir.resolve("f.part");
    assertThatThrownBy(() -> fetch(170_052_171L, md5, target, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage(
            "the server announces 200000 bytes for " + server.uri() + "; expected 170052171");
    assertThat(target).doesNotExist();
  }

  @Test
  void httpErrorStatusIsReported() {
    server.mode(LoopbackServer.Mode.NOT_FOUND, 0);
    Path target = dir.resolve("f.part");
    assertThatThrownBy(() -> fetch(body.length, md5, target, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessage("GET " + server.uri() + " answered HTTP 404; expected 200")
        .extracting(e -> ((DownloadException) e).source())
        .isEqualTo(server.uri());
    assertThat(target).doesNotExist();
  }

  @Test
  void unreachableServerIsReported() {
    URI uri = server.uri();
    server.close();
    Path target = dir.resolve("f.part");
    assertThatThrownBy(
            () ->
                HttpDownload.toFile(
                    HttpDownload.defaultClient(), uri, 10, null, target, ProgressListener.none()))
        .isInstanceOf(DownloadException.class)
        .hasMessageStartingWith("could not download " + uri + ": ");
    assertThat(target).doesNotExist();
  }

  @Test
  void badChecksumArgumentIsRejected() {
    assertThatThrownBy(() -> fetch(1, "xyz", dir.resolve("f"), ProgressListener.none()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expectedMd5 (xyz) must be 32 hexadecimal digits");
  }
}
