package io.alrc.experiments.data;

import java.io.IOException;
import java.net.URI;

/**
 * A download failed: an HTTP error status, a cut-off transfer, a wrong size or checksum, or an
 * archive without the expected content. The message names the source and what was wrong; the
 * partial download has been deleted by the time this is thrown.
 */
public class DownloadException extends IOException {
  private static final long serialVersionUID = 1L;

  private final URI source;

  /**
   * Creates the exception.
   *
   * @param source the URI being downloaded
   * @param message what went wrong, naming the source
   */
  public DownloadException(URI source, String message) {
    super(message);
    this.source = source;
  }

  /**
   * Creates the exception with a cause.
   *
   * @param source the URI being downloaded
   * @param message what went wrong, naming the source
   * @param cause the underlying error
   */
  public DownloadException(URI source, String message, Throwable cause) {
    super(message, cause);
    this.source = source;
  }

  /**
   * The URI being downloaded.
   *
   * @return the source
   */
  public URI source() {
    return source;
  }
}
