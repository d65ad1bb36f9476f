package io.alrc.experiments.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Downloads one URI to a file with {@link HttpClient}, checking the byte count and the MD5
 * checksum.
 *
 * <p>The checks, in order: the response status must be 200; a {@code Content-Length} header, if
 * sent, must equal the expected size; the body must not end before the expected size (a cut-off
 * transfer) nor run past it; the MD5 of the bytes must match. Any failure deletes the target file
 * and throws {@link DownloadException} with a message naming the URI and the problem.
 *
 * <p>There is no overall time limit (a 170 MB download may take long on a slow link); the
 * connection attempt is limited by the client's connect timeout, see {@link #defaultClient()}.
 * Stateless and thread-safe.
 */
public final class HttpDownload {
  private static final int BUFFER_BYTES = 1 << 16;

  private HttpDownload() {}

  /**
   * A client that follows redirects (except HTTPS to HTTP) and gives up connecting after 30 s.
   *
   * @return a new client
   */
  public static HttpClient defaultClient() {
    return HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
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
   * @return the number of bytes written
   * @throws DownloadException on an HTTP error status, a wrong size, a cut-off transfer or a wrong
   *     checksum
   * @throws IOException if the target cannot be written; the download is interrupted ({@link
   *     InterruptedIOException})
   */
  public static long toFile(
      HttpClient client,
      URI uri,
      long expectedBytes,
      String expectedMd5,
      Path target,
      ProgressListener progress)
      throws IOException {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(progress, "progress");
    if (expectedMd5 != null && !expectedMd5.matches("[0-9a-fA-F]{32}")) {
      throw new IllegalArgumentException(
          "expectedMd5 (" + expectedMd5 + ") must be 32 hexadecimal digits");
    }
    boolean done = false;
    try {
      long n = fetch(client, uri, expectedBytes, expectedMd5, target, progress);
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
      ProgressListener progress)
      throws IOException {
    HttpRequest request = HttpRequest.newBuilder(uri).GET().build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("download of " + uri + " was interrupted");
    } catch (IOException e) {
      throw new DownloadException(uri, "could not download " + uri + ": " + describe(e), e);
    }
    try (InputStream body = response.body()) {
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
            throw new DownloadException(uri, cutOff(uri, count, total) + ": " + describe(e), e);
          }
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
