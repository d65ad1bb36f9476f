package io.alrc.experiments.stem;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not a micrograph this package can read: not an image, the wrong kind of image
 * (colour, wrong bit depth, compressed TIFF...), or truncated. The message always starts with the
 * file and then says what is wrong, e.g. {@code data/a.tif: BitsPerSample is 16, expected 32
 * (float32 TIFFs only)}.
 */
public class StemImageException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  /**
   * Creates the exception.
   *
   * @param file the file that could not be read
   * @param problem what is wrong with it, without the file name
   */
  public StemImageException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  /**
   * Creates the exception with a cause (e.g. the decoder's own error).
   *
   * @param file the file that could not be read
   * @param problem what is wrong with it, without the file name
   * @param cause the underlying error
   */
  public StemImageException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  /** The file that could not be read. */
  public Path file() {
    return file;
  }
}
