package io.alrc.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.util.Locale;
import java.util.Optional;

/**
 * A {@link PrintWriter} that remembers why writing failed. A plain {@code PrintWriter} (and {@code
 * System.out}) swallows write errors and only answers {@link #checkError()}; this one also keeps
 * the first {@link IOException}, so a command can tell a full disk ({@code No space left on
 * device}: exit 1 with that message) from a reader that has gone ({@code alrc replay | head}: a
 * broken pipe, which ends the output quietly).
 *
 * <p>{@link #stdout()} writes to file descriptor 1 directly, not through {@code System.out}, so the
 * operating system's error reaches it.
 */
final class CheckedOutput extends PrintWriter {
  private final Recorder recorder;

  private CheckedOutput(Recorder recorder) {
    super(recorder, true);
    this.recorder = recorder;
  }

  /** Wraps {@code out}; {@link #checkError()} flushes it and reports its first failure. */
  static CheckedOutput of(Writer out) {
    return new CheckedOutput(new Recorder(out));
  }

  /** The process's standard output in the platform's encoding (as {@code System.out}). */
  static CheckedOutput stdout() {
    String name = System.getProperty("sun.stdout.encoding");
    Charset charset = name != null && Charset.isSupported(name) ? Charset.forName(name) : Charset.defaultCharset();
    return of(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), charset));
  }

  /** The first write error, if writing has failed. */
  Optional<IOException> error() {
    return Optional.ofNullable(recorder.error);
  }

  /**
   * The first write error of {@code out} if it is a {@code CheckedOutput}; for another writer that
   * reports an error, an {@code IOException} saying the cause is unknown.
   */
  static Optional<IOException> errorOf(PrintWriter out) {
    if (!out.checkError()) {
      return Optional.empty();
    }
    if (out instanceof CheckedOutput c && c.error().isPresent()) {
      return c.error();
    }
    return Optional.of(new IOException("write error (cause unknown)"));
  }

  /**
   * Whether {@code e} says that the reader of a pipe has gone (EPIPE, {@code Broken pipe}), as
   * when {@code alrc replay} is piped into {@code head}: not a failure of the command.
   */
  static boolean isBrokenPipe(IOException e) {
    String m = e.getMessage();
    return m != null && m.toLowerCase(Locale.ROOT).contains("broken pipe");
  }

  /** Passes everything through and keeps the first exception. */
  private static final class Recorder extends FilterWriter {
    private volatile IOException error;

    Recorder(Writer out) {
      super(out);
    }

    private IOException keep(IOException e) {
      if (error == null) {
        error = e;
      }
      return e;
    }

    @Override
    public void write(int c) throws IOException {
      try {
        out.write(c);
      } catch (IOException e) {
        throw keep(e);
      }
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
      try {
        out.write(cbuf, off, len);
      } catch (IOException e) {
        throw keep(e);
      }
    }

    @Override
    public void write(String str, int off, int len) throws IOException {
      try {
        out.write(str, off, len);
      } catch (IOException e) {
        throw keep(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw keep(e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        out.close();
      } catch (IOException e) {
        throw keep(e);
      }
    }
  }
}
