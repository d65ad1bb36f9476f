package io.alrc.experiments.data;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A one-path HTTP server on 127.0.0.1 (ephemeral port) for download tests. It serves {@code body}
 * with one of several behaviours: complete, cut off after {@code sendBytes} (with or without a
 * Content-Length for the full body), or an error status.
 */
public final class LoopbackServer implements AutoCloseable {
  /** How the server answers. */
  public enum Mode {
    /** Status 200, Content-Length, the whole body. */
    FULL,
    /** Status 200, Content-Length of the whole body, then only {@code sendBytes} and close. */
    CUT_WITH_LENGTH,
    /** Status 200, chunked (no Content-Length), {@code sendBytes} bytes, then a clean end. */
    SHORT_CHUNKED,
    /** Status 404 with a short text body. */
    NOT_FOUND,
    /** Status 200, Content-Length of the whole body, {@code sendBytes} bytes, then silence. */
    STALL_IN_BODY,
    /** Silence before any answer. */
    STALL_BEFORE_ANSWER
  }

  /** Released on close: stalled handlers wait for it. */
  private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private volatile byte[] body;
  private volatile Mode mode = Mode.FULL;
  private volatile int sendBytes;

  /**
   * Starts serving {@code body} at {@code /cifar-10-binary.tar.gz}.
   *
   * @param body the bytes to serve
   * @throws IOException if the server cannot start
   */
  public LoopbackServer(byte[] body) throws IOException {
    this.body = body;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "loopback-server");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  /** Sets the behaviour and, for the cut-off modes, how many bytes are sent. */
  public LoopbackServer mode(Mode mode, int sendBytes) {
    this.mode = mode;
    this.sendBytes = sendBytes;
    return this;
  }

  /** Replaces the served body. */
  public LoopbackServer body(byte[] body) {
    this.body = body;
    return this;
  }

  /** The URI of the served file. */
  public URI uri() {
    return URI.create(
        "http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz");
  }

  /** Requests answered so far. */
  public int requests() {
    return requests.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    byte[] b = body;
    try (ex) {
      switch (mode) {
        case FULL -> {
          ex.sendResponseHeaders(200, b.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
          }
        }
        case CUT_WITH_LENGTH -> {
          ex.sendResponseHeaders(200, b.length);
          OutputStream out = ex.getResponseBody();
          out.write(b, 0, sendBytes);
          out.flush();
          // Closing the exchange before the announced length drops the connection.
        }
        case SHORT_CHUNKED -> {
          ex.sendResponseHeaders(200, 0);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(b, 0, sendBytes);
          }
        }
        case STALL_IN_BODY -> {
          ex.sendResponseHeaders(200, b.length);
          OutputStream out = ex.getResponseBody();
          out.write(b, 0, sendBytes);
          out.flush();
          awaitClose();
        }
        case STALL_BEFORE_ANSWER -> awaitClose();
        case NOT_FOUND -> {
          byte[] msg = "no such file".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
          ex.sendResponseHeaders(404, msg.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(msg);
          }
        }
      }
    } catch (IOException e) {
      // The cut-off mode ends with "insufficient bytes written"; the client sees the broken body.
    }
  }

  private void awaitClose() {
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
  }
}
