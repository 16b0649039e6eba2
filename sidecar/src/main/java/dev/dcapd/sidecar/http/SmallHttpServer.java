package dev.dcapd.sidecar.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A deliberately small HTTP/1.1 server on a Unix socket or a TCP address, for the sidecar's local
 * API and the simulated guest agent: one request per connection ({@code Connection: close}),
 * bodies by {@code Content-Length} only, bounded head and body sizes, a bounded thread pool.
 * The JDK's own HTTP server cannot listen on a Unix socket, and both ends of the guest-agent
 * protocol speak exactly this subset.
 */
public final class SmallHttpServer implements Closeable {
  /** Largest request head (request line and headers). */
  public static final int MAX_HEAD_BYTES = 16 * 1024;
  /** How long a client may take to send its whole request. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "http-request-timeout");
    t.setDaemon(true);
    return t;
  });
  private static final System.Logger LOG = System.getLogger(SmallHttpServer.class.getName());

  private final ServerSocketChannel channel;
  private final Path socketFile;
  private final int maxBodyBytes;
  private final Function<HttpRequest, HttpResponse> handler;
  private final ExecutorService workers;
  private final Thread acceptor;
  private volatile boolean closed;

  private SmallHttpServer(ServerSocketChannel channel, Path socketFile, int maxBodyBytes, int threads,
      Function<HttpRequest, HttpResponse> handler, String name) {
    this.channel = channel;
    this.socketFile = socketFile;
    this.maxBodyBytes = maxBodyBytes;
    this.handler = handler;
    this.workers = new ThreadPoolExecutor(1, threads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, name + "-worker");
      t.setDaemon(true);
      return t;
    });
    this.acceptor = new Thread(this::acceptLoop, name + "-accept");
    this.acceptor.setDaemon(true);
    this.acceptor.start();
  }

  /**
   * Listens on a Unix socket at {@code path}; a stale socket file left by a previous run is
   * replaced. The socket file is readable and writable by its owner and group only (rw-rw----):
   * the local API signs with the attested key, so other users of the machine must not reach it
   * whatever the umask. The socket file is removed on {@link #close()}.
   */
  private static final Set<PosixFilePermission> SOCKET_PERMISSIONS = PosixFilePermissions.fromString("rw-rw----");

  public static SmallHttpServer unix(Path path, int maxBodyBytes, int threads, Function<HttpRequest, HttpResponse> handler)
      throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.bind(UnixDomainSocketAddress.of(path));
      Files.setPosixFilePermissions(path, SOCKET_PERMISSIONS);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return new SmallHttpServer(ch, path, maxBodyBytes, threads, handler, "http-" + path.getFileName());
  }

  /** Listens on a TCP address (port 0 picks a free port; see {@link #address()}). */
  public static SmallHttpServer tcp(InetSocketAddress address, int maxBodyBytes, int threads,
      Function<HttpRequest, HttpResponse> handler) throws IOException {
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
    try {
      ch.bind(address);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return new SmallHttpServer(ch, null, maxBodyBytes, threads, handler, "http-tcp");
  }

  /** The bound address: a {@link UnixDomainSocketAddress} or an {@link InetSocketAddress}. */
  public SocketAddress address() throws IOException {
    return channel.getLocalAddress();
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel client;
      try {
        client = channel.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          LOG.log(System.Logger.Level.WARNING, "accept failed: {0}", e.getMessage());
        }
        continue;
      }
      try {
        workers.execute(() -> serve(client));
      } catch (RejectedExecutionException e) {
        // Every worker is busy: answer 503 on this thread rather than queue without bound.
        try (client) {
          write(Channels.newOutputStream(client), HttpResponse.json(503, "{\"error\":\"busy\"}"));
        } catch (IOException ignored) {
          // the client went away
        }
      }
    }
  }

  private void serve(SocketChannel client) {
    try (client) {
      // A client that stalls mid-request is cut off rather than allowed to hold a worker.
      ScheduledFuture<?> cutOff = TIMER.schedule(() -> closeQuietly(client), REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      InputStream in = new BufferedInputStream(Channels.newInputStream(client));
      OutputStream out = Channels.newOutputStream(client);
      HttpResponse response;
      try {
        HttpRequest request = read(in);
        cutOff.cancel(false);
        response = handler.apply(request);
      } catch (BadRequest e) {
        response = HttpResponse.json(e.status, "{\"error\":" + jsonString(e.getMessage()) + "}");
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "handler failed", e);
        response = HttpResponse.json(500, "{\"error\":\"internal error\"}");
      }
      cutOff.cancel(false);
      write(out, response);
    } catch (IOException e) {
      // the client went away mid-request: nothing to answer
    }
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  private HttpRequest read(InputStream in) throws IOException, BadRequest {
    String head = readHead(in);
    String[] lines = head.split("\r\n");
    String[] requestLine = lines[0].split(" ");
    if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
      throw new BadRequest(400, "not an HTTP/1.x request line");
    }
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        throw new BadRequest(400, "malformed header line");
      }
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    if (headers.containsKey("transfer-encoding")) {
      throw new BadRequest(411, "send the body with Content-Length");
    }
    int length = 0;
    if (headers.containsKey("content-length")) {
      try {
        length = Integer.parseInt(headers.get("content-length"));
      } catch (NumberFormatException e) {
        throw new BadRequest(400, "bad Content-Length");
      }
      if (length < 0) {
        throw new BadRequest(400, "bad Content-Length");
      }
      if (length > maxBodyBytes) {
        throw new BadRequest(413, "the body is larger than " + maxBodyBytes + " bytes");
      }
    }
    byte[] body = in.readNBytes(length);
    if (body.length != length) {
      throw new BadRequest(400, "the body ended early");
    }
    String target = requestLine[1];
    int q = target.indexOf('?');
    return new HttpRequest(requestLine[0], q < 0 ? target : target.substring(0, q), q < 0 ? "" : target.substring(q + 1),
        headers, body);
  }

  private static String readHead(InputStream in) throws IOException, BadRequest {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new BadRequest(400, "the request ended before its headers did");
      }
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        byte[] h = head.toByteArray();
        return new String(h, 0, h.length - 4, StandardCharsets.ISO_8859_1);
      }
      if (head.size() > MAX_HEAD_BYTES) {
        throw new BadRequest(431, "the request head is larger than " + MAX_HEAD_BYTES + " bytes");
      }
    }
  }

  private static void write(OutputStream out, HttpResponse r) throws IOException {
    byte[] body = r.body();
    String head = "HTTP/1.1 " + r.status() + " " + reason(r.status()) + "\r\n"
        + "Content-Type: " + r.contentType() + "\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + "Connection: close\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 411 -> "Length Required";
      case 413 -> "Content Too Large";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Status";
    };
  }

  /** A JSON string literal of {@code s}. */
  public static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    channel.close();
    workers.shutdownNow();
    if (socketFile != null) {
      Files.deleteIfExists(socketFile);
    }
  }

  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }
}
