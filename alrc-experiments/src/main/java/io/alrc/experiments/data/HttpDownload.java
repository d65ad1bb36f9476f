package io.alrc.experiments.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Downloads one URI to a file with {@link HttpClient}, checking the byte count and the MD5
 * checksum.
 *
 * <p>The checks, in order: the response status must be 200; a {@code Content-Length} header, if
 * sent, must equal the expected size; the body must not end before the expected size (a cut-off
 * transfer) nor run past it; the MD5 of the bytes must match. Any failure deletes the target file
 * and throws {@link DownloadException} with a message naming the URI and the problem.
 *
 * <p>Time limits: connecting is limited by the client's connect timeout ({@link
 * #client(Duration)}, default {@link #DEFAULT_CONNECT_TIMEOUT}); after that, the server must answer
 * and then keep sending: a wait of more than the read timeout (default {@link
 * #DEFAULT_READ_TIMEOUT}) for the response headers or for the next bytes of the body ends the
 * download with a {@link DownloadException}, so a stalled server cannot hang it. There is no
 * overall limit (a 170 MB download may take long on a slow link, as long as bytes keep coming).
 *
 * <p>Only {@code http} and {@code https} URIs with a host are accepted ({@link #checkUri}).
 * Stateless and thread-safe.
 */
public final class HttpDownload {
  /** How long connecting may take by default: 30 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);

  /** How long the server may stay silent by default, before its answer or within the body: 60 s. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

  private static final int BUFFER_BYTES = 1 << 16;

  /** Closes the bodies of stalled downloads (one daemon thread for all). */
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "alrc-download-watchdog");
        t.setDaemon(true);
        return t;
      });

  private HttpDownload() {}

  /**
   * A client that follows redirects (except HTTPS to HTTP) and gives up connecting after {@link
   * #DEFAULT_CONNECT_TIMEOUT}.
   *
   * @return a new client
   */
  public static HttpClient defaultClient() {
    return client(DEFAULT_CONNECT_TIMEOUT);
  }

  /**
   * A client that follows redirects (except HTTPS to HTTP) and gives up connecting after {@code
   * connectTimeout}.
   *
   * @param connectTimeout &gt; 0
   * @return a new client
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public static HttpClient client(Duration connectTimeout) {
    checkTimeout("connectTimeout", connectTimeout);
    return HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(connectTimeout)
        .build();
  }

  /**
   * Checks that {@code uri} can be downloaded: an absolute {@code http} or {@code https} URI with a
   * host.
   *
   * @param uri the address
   * @throws IllegalArgumentException naming the URI and what is wrong (e.g. {@code ftp://x}: the
   *     scheme ftp is not supported)
   */
  public static void checkUri(URI uri) {
    Objects.requireNonNull(uri, "uri");
    String scheme = uri.getScheme();
    if (scheme == null) {
      throw new IllegalArgumentException(
          "URL '" + uri + "' has no scheme: expected http://HOST/... or https://HOST/...");
    }
    String s = scheme.toLowerCase(Locale.ROOT);
    if (!s.equals("http") && !s.equals("https")) {
      throw new IllegalArgumentException(
          "URL '" + uri + "': the scheme " + scheme + " is not supported, only http and https");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("URL '" + uri + "' has no host");
    }
  }

  private static void checkTimeout(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " (" + d + ") must be > 0");
    }
  }

  /**
   * Downloads {@code uri} into {@code target} with the {@link #DEFAULT_READ_TIMEOUT}; see {@link
   * #toFile(HttpClient, URI, long, String, Path, ProgressListener, Duration)}.
   */
  public static long toFile(
      HttpClient client,
      URI uri,
      long expectedBytes,
      String expectedMd5,
      Path target,
      ProgressListener progress)
      throws IOException {
    return toFile(client, uri, expectedBytes, expectedMd5, target, progress, DEFAULT_READ_TIMEOUT);
  }

  /**
   * Downloads {@code uri} into {@code target}, creating or truncating it.
   *
   * @param client the HTTP client
   * @param uri the source
   * @param expectedBytes the exact size of the body; -1 if unknown (then only the MD5 is checked)
   * @param expectedMd5 the MD5 of the body as 32 hexadecimal digits (either case); null to skip
   *     the check
   * @param target the file to write; deleted again if the download fails
   * @param progress told the byte counts under the URI's file name as the task; {@link
   *     ProgressListener#finish()} is called also on failure
   * @param readTimeout the longest wait for the response headers and for each part of the body
   * @return the number of bytes written
   * @throws DownloadException on an HTTP error status, a wrong size, a cut-off transfer, a wrong
   *     checksum, or a server that stays silent longer than {@code readTimeout}
   * @throws IOException if the target cannot be written; the download is interrupted ({@link
   *     InterruptedIOException})
   * @throws IllegalArgumentException for a URI that is not http(s) ({@link #checkUri}), a bad MD5
   *     or a timeout that is not positive
   */
  public static long toFile(
      HttpClient client,
      URI uri,
      long expectedBytes,
      String expectedMd5,
      Path target,
      ProgressListener progress,
      Duration readTimeout)
      throws IOException {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(progress, "progress");
    checkUri(uri);
    checkTimeout("readTimeout", readTimeout);
    if (expectedMd5 != null && !expectedMd5.matches("[0-9a-fA-F]{32}")) {
      throw new IllegalArgumentException(
          "expectedMd5 (" + expectedMd5 + ") must be 32 hexadecimal digits");
    }
    boolean done = false;
    try {
      long n = fetch(client, uri, expectedBytes, expectedMd5, target, progress, readTimeout);
      done = true;
      return n;
    } finally {
      if (!done) {
        Files.deleteIfExists(target);
      }
    }
  }

  private static long fetch(
      HttpClient client,
      URI uri,
      long expectedBytes,
      String expectedMd5,
      Path target,
      ProgressListener progress,
      Duration readTimeout)
      throws IOException {
    HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(readTimeout).build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("download of " + uri + " was interrupted");
    } catch (HttpConnectTimeoutException e) {
      throw new DownloadException(uri, "could not connect to " + uri + " within "
          + client.connectTimeout().map(HttpDownload::seconds).orElse("the connect timeout")
          + " (connect timeout)", e);
    } catch (HttpTimeoutException e) {
      throw new DownloadException(uri, uri + " sent no answer within " + seconds(readTimeout)
          + " (read timeout)", e);
    } catch (IOException e) {
      throw new DownloadException(uri, "could not download " + uri + ": " + describe(e), e);
    }
    Watchdog watchdog = new Watchdog(response.body(), readTimeout);
    try (InputStream body = response.body(); watchdog) {
      if (response.statusCode() != 200) {
        throw new DownloadException(
            uri, "GET " + uri + " answered HTTP " + response.statusCode() + "; expected 200");
      }
      OptionalLong announced = response.headers().firstValueAsLong("content-length");
      if (expectedBytes >= 0 && announced.isPresent() && announced.getAsLong() != expectedBytes) {
        throw new DownloadException(
            uri,
            "the server announces "
                + announced.getAsLong()
                + " bytes for "
                + uri
                + "; expected "
                + expectedBytes);
      }
      long total = expectedBytes >= 0 ? expectedBytes : announced.orElse(-1);
      MessageDigest md5 = md5();
      byte[] buffer = new byte[BUFFER_BYTES];
      long count = 0;
      progress.start(taskName(uri), total);
      try (OutputStream out = Files.newOutputStream(target)) {
        while (true) {
          int r;
          try {
            r = body.read(buffer);
          } catch (IOException e) {
            if (watchdog.fired()) {
              throw new DownloadException(uri, cutOff(uri, count, total) + ": no data for "
                  + seconds(readTimeout) + " (read timeout)", e);
            }
            throw new DownloadException(uri, cutOff(uri, count, total) + ": " + describe(e), e);
          }
          watchdog.alive();
          if (r < 0) {
            break;
          }
          if (expectedBytes >= 0 && count + r > expectedBytes) {
            throw new DownloadException(
                uri, uri + " sent more than the expected " + expectedBytes + " bytes");
          }
          out.write(buffer, 0, r);
          md5.update(buffer, 0, r);
          count += r;
          progress.advance(r);
        }
      } finally {
        progress.finish();
      }
      if (total >= 0 && count < total) {
        throw new DownloadException(uri, cutOff(uri, count, total));
      }
      if (expectedMd5 != null) {
        String actual = HexFormat.of().formatHex(md5.digest());
        if (!actual.equals(expectedMd5.toLowerCase(Locale.ROOT))) {
          throw new DownloadException(
              uri,
              "MD5 checksum of the download from "
                  + uri
                  + " is "
                  + actual
                  + ", expected "
                  + expectedMd5.toLowerCase(Locale.ROOT)
                  + "; the file is corrupt or not the expected one");
        }
      }
      return count;
    }
  }

  /**
   * Closes a response body that has delivered nothing for the read timeout, which makes the
   * blocked read fail (the JDK's response stream gives up a read when closed from another thread).
   */
  private static final class Watchdog implements AutoCloseable {
    private final InputStream body;
    private final long timeoutNanos;
    private final ScheduledFuture<?> check;
    private volatile long lastNanos = System.nanoTime();
    private volatile boolean fired;

    Watchdog(InputStream body, Duration timeout) {
      this.body = body;
      this.timeoutNanos = timeout.toNanos();
      long period = Math.max(10, timeout.toMillis() / 4);
      this.check = WATCHDOG.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    void alive() {
      lastNanos = System.nanoTime();
    }

    boolean fired() {
      return fired;
    }

    private void check() {
      if (!fired && System.nanoTime() - lastNanos > timeoutNanos) {
        fired = true;
        try {
          body.close();
        } catch (IOException e) {
          // the reader sees the closed stream either way
        }
      }
    }

    @Override
    public void close() {
      check.cancel(false);
    }
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.3f s", ms / 1000.0);
  }

  /** The last segment of the URI's path (the file name), or the whole URI if there is none. */
  private static String taskName(URI uri) {
    String path = uri.getPath();
    if (path != null) {
      String name = path.substring(path.lastIndexOf('/') + 1);
      if (!name.isEmpty()) {
        return name;
      }
    }
    return uri.toString();
  }

  private static String cutOff(URI uri, long count, long total) {
    String of = total >= 0 ? " of " + total : "";
    return "the download of " + uri + " was cut off after " + count + of + " bytes";
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return m == null || m.isEmpty() ? e.getClass().getSimpleName() : m;
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide MD5 (MessageDigest javadoc), so this cannot happen.
      throw new IllegalStateException("MD5 is not available", e);
    }
  }
}
