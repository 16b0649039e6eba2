package dev.dcapd.sidecar.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.logging.Level;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The HTTP/1.1 server behind the sidecar's local API and the simulated guest agent: Jetty on Unix
 * sockets and TCP addresses, answering every request with one function of {@link HttpRequest}.
 *
 * <p>Requests are bounded: the head (request line and headers) to {@link #MAX_HEAD_BYTES} (431
 * beyond), the body to the limit given at start (413 beyond); a body must come with
 * {@code Content-Length} (411 for {@code Transfer-Encoding}). At most {@code threads} requests are
 * handled at once, and one more is answered 503 at once rather than queued. Every refusal, Jetty's
 * own included, is a JSON {@code {"error": ...}} answer.
 *
 * <p>The answer must reach the client before the connection closes: a socket closed with request
 * bytes still unread is reported to the client as a reset, which can cost it the answer. So after
 * answering, the rest of a refused body is read and dropped (up to {@link #MAX_DISCARDED_BYTES}).
 * Jetty's own refusals of a bad head are written and the connection half-closed before it closes;
 * Jetty reads no further, so only a client that keeps sending far past the 16 KiB head limit can
 * still see a reset after the 431. A client that ends its side in the middle of its head gets an
 * orderly end of stream, mostly without the 400 Jetty means to send (Jetty 12.1.14 shuts the
 * output in the same pass that reads the end of stream).
 *
 * <p>Who may call is checked before anything else, by {@link Guard}: every listener refuses a
 * request for another host (421), so a web page whose name was rebound to a loopback address cannot
 * use a browser to reach the API; and a TCP listener, which any local user and any container
 * sharing the network namespace can connect to, answers only callers that send the
 * {@link Access#token() API token} (401 without it). A Unix socket's file mode keeps other users
 * out, so it needs no token, but a token sent there must be the right one.
 */
public final class LocalHttpServer implements Closeable {
  /** Largest request head (request line and headers). */
  public static final int MAX_HEAD_BYTES = 16 * 1024;
  /** How long a connection may stay silent, mid-request or between requests, before it is closed. */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Unix sockets are readable and writable by their owner and group only, whatever the umask: the
   * local API signs with the attested key, so other users of the machine must not reach it.
   */
  public static final Set<PosixFilePermission> SOCKET_PERMISSIONS = PosixFilePermissions.fromString("rw-rw----");
  /** How much of a refused body is read and dropped before the connection is simply closed. */
  static final long MAX_DISCARDED_BYTES = 64L << 20;

  private static final System.Logger LOG = System.getLogger(LocalHttpServer.class.getName());
  // Jetty's INFO lines (version banner, "Started ...") would drown the sidecar's one start line;
  // its warnings still show. Kept in a field: java.util.logging holds its loggers weakly.
  private static final java.util.logging.Logger JETTY_LOG = java.util.logging.Logger.getLogger("org.eclipse.jetty");

  static {
    if (JETTY_LOG.getLevel() == null) {
      JETTY_LOG.setLevel(Level.WARNING);
    }
  }

  private final Server server;
  private final List<Path> socketFiles;

  private LocalHttpServer(Server server, List<Path> socketFiles) {
    this.server = server;
    this.socketFiles = socketFiles;
  }

  /**
   * Who may call: the token every TCP request must carry (a Unix socket accepts it too), and the
   * paths a {@code GET} may ask for without it. Without a token, a server has no TCP listener.
   */
  public record Access(Optional<ApiToken> token, Set<String> openPaths) {
    /** Unix sockets only, guarded by their file mode alone. */
    public static final Access SOCKET_MODE_ONLY = new Access(Optional.empty(), Set.of());

    public Access {
      Objects.requireNonNull(token, "token");
      openPaths = Set.copyOf(openPaths);
    }
  }

  /** Serves {@code handler} on one Unix socket; a stale socket file at {@code path} is replaced. */
  public static LocalHttpServer unix(Path path, int maxBodyBytes, int threads, Function<HttpRequest, HttpResponse> handler)
      throws IOException {
    return start(List.of(UnixDomainSocketAddress.of(path)), maxBodyBytes, threads, handler, "http-" + path.getFileName(),
        Access.SOCKET_MODE_ONLY);
  }

  /**
   * Serves {@code handler} on every address: a {@link UnixDomainSocketAddress} (a stale socket file
   * there is replaced, the new one is made {@link #SOCKET_PERMISSIONS} and removed on
   * {@link #close()}) or an {@link InetSocketAddress} (port 0 picks a free port; see
   * {@link #addresses()}), which needs {@code access} to hold a token.
   */
  public static LocalHttpServer start(List<? extends SocketAddress> addresses, int maxBodyBytes, int threads,
      Function<HttpRequest, HttpResponse> handler, String name, Access access) throws IOException {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("nowhere to listen");
    }
    if (access.token().isEmpty() && addresses.stream().anyMatch(a -> !(a instanceof UnixDomainSocketAddress))) {
      throw new IllegalArgumentException("a TCP listener needs an API token: its callers cannot be told apart otherwise");
    }
    // Each connector needs an acceptor and a selector thread besides the request threads; the
    // spare two answer "busy" when every request thread is taken.
    QueuedThreadPool pool = new QueuedThreadPool(threads + 2 * addresses.size() + 2, Math.min(4, threads));
    pool.setName(name);
    pool.setDaemon(true);
    pool.setReservedThreads(0);
    Server server = new Server(pool, new ScheduledExecutorScheduler(name + "-scheduler", true), null);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEAD_BYTES);
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    List<Path> socketFiles = new ArrayList<>();
    for (SocketAddress address : addresses) {
      AbstractConnector connector;
      if (address instanceof UnixDomainSocketAddress unix) {
        Path path = unix.getPath();
        Files.deleteIfExists(path);
        UnixDomainServerConnector c = new UnixDomainServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        c.setUnixDomainPath(path);
        connector = c;
        socketFiles.add(path);
      } else if (address instanceof InetSocketAddress tcp) {
        ServerConnector c = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        c.setHost(tcp.getAddress().getHostAddress());
        c.setPort(tcp.getPort());
        connector = c;
      } else {
        throw new IllegalArgumentException("not a Unix socket or TCP address: " + address);
      }
      connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
      server.addConnector(connector);
    }
    server.setHandler(new Guard(access, new Dispatch(handler, maxBodyBytes, threads)));
    server.setErrorHandler(new JsonErrors());
    LocalHttpServer s = new LocalHttpServer(server, List.copyOf(socketFiles));
    try {
      server.start();
      for (Path p : socketFiles) {
        Files.setPosixFilePermissions(p, SOCKET_PERMISSIONS);
      }
    } catch (Exception e) {
      s.close();
      throw new IOException("cannot listen on " + describe(addresses) + ": " + message(e), e);
    }
    return s;
  }

  /** The bound addresses, in the order given: {@link UnixDomainSocketAddress} or {@link InetSocketAddress}. */
  public List<SocketAddress> addresses() {
    List<SocketAddress> out = new ArrayList<>();
    for (Connector c : server.getConnectors()) {
      if (c instanceof UnixDomainServerConnector u) {
        out.add(UnixDomainSocketAddress.of(u.getUnixDomainPath()));
      } else if (c instanceof ServerConnector t) {
        out.add(new InetSocketAddress(t.getHost(), t.getLocalPort()));
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IOException("the HTTP server did not stop: " + message(e), e);
    } finally {
      for (Path p : socketFiles) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static String describe(List<? extends SocketAddress> addresses) {
    List<String> out = new ArrayList<>();
    for (SocketAddress a : addresses) {
      out.add(a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() + ":" + i.getPort() : "unix:" + a);
    }
    return String.join(", ", out);
  }

  private static String message(Throwable e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** Reads the request the way the handler expects it, calls the handler, writes its answer. */
  private static final class Dispatch extends Handler.Abstract {
    private final Function<HttpRequest, HttpResponse> handler;
    private final int maxBodyBytes;
    private final Semaphore permits;

    Dispatch(Function<HttpRequest, HttpResponse> handler, int maxBodyBytes, int threads) {
      this.handler = handler;
      this.maxBodyBytes = maxBodyBytes;
      this.permits = new Semaphore(threads);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      HttpResponse answer;
      if (!permits.tryAcquire()) {
        answer = HttpResponse.error(503, "busy");
      } else {
        try {
          answer = answer(request);
        } finally {
          permits.release();
        }
      }
      reply(request, response, answer, callback);
      return true;
    }

    private HttpResponse answer(Request request) {
      if (request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
        return HttpResponse.error(411, "send the body with Content-Length");
      }
      long length = request.getLength();
      if (length > maxBodyBytes) {
        return HttpResponse.error(413, "the body is larger than " + maxBodyBytes + " bytes");
      }
      byte[] body;
      try {
        // Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body.
        InputStream in = Content.Source.asInputStream(request);
        body = length > 0 ? in.readNBytes((int) length) : new byte[0];
      } catch (IOException | RuntimeException e) {
        return HttpResponse.error(400, "the body ended early");
      }
      if (body.length != Math.max(length, 0)) {
        return HttpResponse.error(400, "the body ended early");
      }
      String path = request.getHttpURI().getPath();
      String query = request.getHttpURI().getQuery();
      Map<String, String> headers = new HashMap<>();
      for (HttpField f : request.getHeaders()) {
        // The token stops at the guard: no handler needs it, and none can leak it.
        if (f.getHeader() != HttpHeader.AUTHORIZATION) {
          headers.put(f.getName().toLowerCase(Locale.ROOT), f.getValue());
        }
      }
      HttpRequest r = new HttpRequest(request.getMethod(), path == null ? "/" : path, query == null ? "" : query, headers, body);
      try {
        return handler.apply(r);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "{0} {1} failed: {2}", r.method(), r.path(), e.toString());
        LOG.log(System.Logger.Level.DEBUG, "the failure", e);
        return HttpResponse.error(500, "internal error");
      }
    }
  }

  /**
   * Sends {@code answer}, then reads and drops whatever the client still sends of a body that was
   * not read (a refused one): closing with unread bytes would make the kernel report a reset to
   * the client, possibly before it has read the answer. A client that awaits 100-continue was not
   * told to go on, so it sends nothing more.
   */
  private static void reply(Request request, Response response, HttpResponse answer, Callback callback) {
    boolean awaitsContinue = request.getHeaders().contains(HttpHeader.EXPECT);
    respond(response, answer, Callback.from(
        () -> {
          if (awaitsContinue) {
            callback.succeeded();
          } else {
            discard(request, MAX_DISCARDED_BYTES, callback);
          }
        },
        callback::failed));
  }

  /** Reads and drops the rest of the request body, up to {@code budget} bytes, then completes. */
  private static void discard(Request request, long budget, Callback callback) {
    long left = budget;
    while (true) {
      Content.Chunk chunk = request.read();
      if (chunk == null) {
        long l = left;
        request.demand(() -> discard(request, l, callback));
        return;
      }
      left -= chunk.remaining();
      boolean done = chunk.isLast() || Content.Chunk.isFailure(chunk) || left < 0;
      chunk.release();
      if (done) {
        // The answer is out: an early end, a failure or a body beyond the budget (after
        // which Jetty closes the connection) changes nothing for it.
        callback.succeeded();
        return;
      }
    }
  }

  /**
   * Refuses, before the handler sees the request (so before any key is used or quote asked for),
   * a request for another host and a caller without the API token where one is needed.
   *
   * <p>The Host rule: a TCP listener answers only for its own address ({@code 127.0.0.1},
   * {@code [::1]}, ...) or {@code localhost}, each with or without its port; a Unix socket only for
   * {@code localhost} (any port). A request without a Host (HTTP/1.0) is refused over TCP; on a
   * socket this guard would let it by (no browser reaches a Unix socket), but Jetty, finding no
   * authority for it, answers 400 first. What is checked is the
   * request's authority as Jetty parsed it: the Host header, or an absolute request target (Jetty
   * refuses the two disagreeing, and two Host headers, by itself).
   *
   * <p>The token rule: on TCP every request but a {@code GET} of an open path carries
   * {@code Authorization: Bearer <token>}; on a Unix socket it may. A wrong token is refused on
   * every listener.
   */
  private static final class Guard extends Handler.Wrapper {
    private final Access access;

    Guard(Access access, Handler next) {
      super(next);
      this.access = access;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      boolean unix = request.getConnectionMetaData().getConnector() instanceof UnixDomainServerConnector;
      if (!hostAllowed(request, unix)) {
        reply(request, response, HttpResponse.error(HttpStatus.MISDIRECTED_REQUEST_421,
            "this server answers for its own address or localhost only"), callback);
        return true;
      }
      Optional<String> authorization = Optional.ofNullable(request.getHeaders().get(HttpHeader.AUTHORIZATION));
      boolean open = HttpMethod.GET.is(request.getMethod()) && access.openPaths().contains(request.getHttpURI().getPath());
      boolean allowed = authorization.isPresent()
          ? access.token().map(t -> t.matches(authorization)).orElse(false)
          : unix || open;
      if (!allowed) {
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE,
            authorization.isPresent() ? "Bearer error=\"invalid_token\"" : "Bearer");
        reply(request, response, HttpResponse.error(HttpStatus.UNAUTHORIZED_401, authorization.isPresent()
            ? "the API token is not valid" : "send the API token as Authorization: Bearer <token>"), callback);
        return true;
      }
      return super.handle(request, response, callback);
    }

    static boolean hostAllowed(Request request, boolean unix) {
      // Jetty fills in an authority where the request named none (from the connection's own
      // address), so whether one was named is told by the Host header.
      boolean named = request.getHeaders().contains(HttpHeader.HOST);
      HttpURI uri = request.getHttpURI();
      String host = uri.hasAuthority() ? uri.getHost() : null;
      if (unix) {
        return !named || (host != null && host.equalsIgnoreCase("localhost"));
      }
      if (!named || host == null || !(request.getConnectionMetaData().getLocalSocketAddress() instanceof InetSocketAddress own)) {
        return false;
      }
      if (uri.getPort() >= 0 && uri.getPort() != own.getPort()) {
        return false;
      }
      return host.equalsIgnoreCase("localhost") || sameAddress(host, own.getAddress());
    }

    /** Whether {@code host} is the literal of {@code address}; never looks a name up. */
    private static boolean sameAddress(String host, InetAddress address) {
      if (address instanceof Inet4Address) {
        return host.equals(address.getHostAddress());
      }
      String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
      // Only hex digits and colons: InetAddress reads that as an IPv6 literal, without DNS.
      if (literal.isEmpty() || !literal.contains(":") || !literal.chars().allMatch(c -> c == ':' || Character.digit(c, 16) >= 0)) {
        return false;
      }
      try {
        return InetAddress.getByName(literal).equals(address);
      } catch (UnknownHostException e) {
        return false;
      }
    }
  }

  private static void respond(Response response, HttpResponse answer, Callback callback) {
    byte[] body = answer.body();
    response.setStatus(answer.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /**
   * Jetty's own refusals (a malformed request line or header, a head over {@link #MAX_HEAD_BYTES},
   * a request without Host) as {@code {"error": ...}}, like every other answer: the reason only,
   * never an exception's text or a stack.
   */
  private static final class JsonErrors extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      int status = response.getStatus();
      String reason = null;
      if (request.getAttribute(ERROR_EXCEPTION) instanceof HttpException h) {
        status = h.getCode();
        reason = h.getReason();
      }
      if (reason == null || reason.isBlank()) {
        reason = HttpStatus.getMessage(status);
      }
      if (HttpStatus.hasNoBody(status)) {
        response.setStatus(status);
        callback.succeeded();
        return true;
      }
      respond(response, HttpResponse.error(status, reason), callback);
      return true;
    }
  }
}
