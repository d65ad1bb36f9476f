package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code alrc data cifar10} against what the hostile-user trial tried: URLs that are not http(s),
 * a server that stalls (with and without Ctrl-C), bad timeouts.
 */
class DataReliabilityTest {
  @TempDir Path tmp;
  private HttpServer server;
  private final CountDownLatch release = new CountDownLatch(1);

  /** A server that announces the official archive's size, sends 1000 bytes and then stalls. */
  @BeforeEach
  void startStallingServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "stalling-server");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", ex -> {
      ex.sendResponseHeaders(200, 170_052_171L);
      OutputStream out = ex.getResponseBody();
      out.write(new byte[1000]);
      out.flush();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    release.countDown();
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz";
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "ftp://x|alrc data: --url: URL 'ftp://x': the scheme ftp is not supported, only http and https",
    "file:///etc/passwd|alrc data: --url: URL 'file:///etc/passwd': the scheme file is not supported,"
        + " only http and https",
    "cifar.tar.gz|alrc data: --url: URL 'cifar.tar.gz' has no scheme: expected http://HOST/... or"
        + " https://HOST/...",
    "http://a b/|alrc data: --url 'http://a b/' is not a URL: Illegal character in authority"
  })
  void aUrlThatIsNotHttpIsExit2(String url, String message) {
    Cli.Result r = Cli.run("data", "cifar10", "--data", tmp.toString(), "--url", url);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly(message);
    assertThat(tmp).isEmptyDirectory();
  }

  @ParameterizedTest
  @CsvSource({"--read-timeout,0", "--read-timeout,-1", "--connect-timeout,NaN", "--read-timeout,1e9"})
  void aBadTimeoutIsExit2(String option, String value) {
    Cli.Result r = Cli.run("data", "cifar10", "--data", tmp.toString(), option, value);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("alrc data: " + option + " (").contains("must be > 0 and at most 86400 seconds");
  }

  @Test
  void aStallingServerEndsTheDownloadAfterTheReadTimeout() {
    long start = System.nanoTime();
    Cli.Result r = Cli.run("data", "cifar10", "--data", tmp.toString(), "--url", url(),
        "--read-timeout", "0.5");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(20);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.errLines()).last().asString().isEqualTo("alrc data: the download of " + url()
        + " was cut off after 1000 of 170052171 bytes: no data for 0.500 s (read timeout)");
  }

  /** The trial: after Ctrl-C during a stalled download, the .part file stayed for good. */
  @Test
  void stoppingTheDownloadLeavesNoPartialFile() throws Exception {
    Process p = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
            AlrcCommand.class.getName(), "data", "cifar10", "--data", tmp.toString(), "--url", url())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    Path part = tmp.resolve(".cifar-10-binary.tar.gz.part");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(Files.exists(part) && Files.size(part) >= 1000) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(part).as("the download is under way").exists();
    p.destroy(); // SIGTERM: the JVM runs its shutdown hooks, as for Ctrl-C (SIGINT)
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(x -> x.getFileName().toString()).toList())
          .as("no partial download, no staging folder")
          .isEqualTo(List.of(".cifar-10-download.lock"));
    }
  }
}
