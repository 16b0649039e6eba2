package dev.dcapd.daemon.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.daemon.api.AnswerMessages;
import dev.dcapd.daemon.api.ApiErrors;
import dev.dcapd.daemon.api.Attestations;
import dev.dcapd.daemon.api.Peers;
import dev.dcapd.daemon.token.ResultTokens;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.CrossOriginHandler;
import org.eclipse.jetty.server.handler.DoSHandler;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The daemon's HTTP listener ({@code --http HOST:PORT}, https with {@code --http-tls-cert} and
 * {@code --http-tls-key}), Jetty 12: Phala's attestation API under
 * {@code /api/v1/attestations/} ({@link PhalaApi}), its OpenAPI document at
 * {@code /api/v1/openapi.json}, the result tokens' keys at {@code /.well-known/jwks.json} and
 * nonces at {@code POST /api/v1/challenge}, report pages, {@code /metrics} and {@code /healthz}.
 *
 * <p>Every answer carries {@code X-Request-Id} (the caller's, when it sent a short plain one); GET
 * answers allow any origin (CORS), so a page elsewhere can embed results; answers are gzipped when
 * asked (raw quotes excepted, which keep their {@code Content-Length}); uploads are bounded (413,
 * {@link QuoteUpload}) and each client address is limited to a rate (429). Every failure, Jetty's own included,
 * is JSON {@code {"detail": …}} without a stack trace.
 */
public final class HttpApi implements AutoCloseable {
  static final String REQUEST_ID = "X-Request-Id";
  static final String OPENAPI_PATH = "/api/v1/openapi.json";
  static final String JWKS_PATH = "/.well-known/jwks.json";
  static final String CHALLENGE_PATH = "/api/v1/challenge";
  private static final Pattern CALLER_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final int MAX_HEAD_BYTES = 16 * 1024;
  private static final int THREADS = 32;
  /** Jetty's own threads: the acceptor, the selector and the reads and writes they hand on. */
  private static final int IO_THREADS = 16;
  /** Threads that run uploads once their bodies are in: well below {@link #THREADS}, so reads and health always have some. */
  private static final int UPLOAD_WORKERS = 8;
  // Jetty's INFO lines (version banner, "Started ...") would drown the daemon's one start-up line;
  // its warnings still show. Kept in a field: java.util.logging holds its loggers weakly.
  private static final java.util.logging.Logger JETTY_LOG = java.util.logging.Logger.getLogger("org.eclipse.jetty");

  static {
    if (JETTY_LOG.getLevel() == null) {
      JETTY_LOG.setLevel(Level.WARNING);
    }
  }

  private final Server server;
  private final ServerConnector connector;

  private HttpApi(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * Starts listening.
   *
   * @param pages the report pages and upload page, or {@code null} to serve the API alone
   * @param maxInFlight uploads (bodies in) that may wait for an upload worker before 503 ({@code --max-in-flight})
   */
  public static HttpApi start(HttpSettings settings, Attestations attestations, AnswerMessages messages,
      ResultTokens tokens, PrometheusRegistry registry, int maxBodyBytes, Handler pages, int maxInFlight)
      throws IOException {
    // Jetty's own threads accept, read and write; the API's requests run on a pool of their own.
    QueuedThreadPool io = new QueuedThreadPool(IO_THREADS, 2);
    io.setName("dcapd-http-io");
    io.setDaemon(true);
    QueuedThreadPool pool = new QueuedThreadPool(THREADS, 2);
    pool.setName("dcapd-http");
    pool.setDaemon(true);
    Server server = new Server(io);
    server.addBean(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEAD_BYTES);
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ServerConnector connector;
    if (settings.tls().isPresent()) {
      // Marks requests https; no SNI host check: clients reach the daemon by IP address as often as by name.
      http.addCustomizer(new SecureRequestCustomizer(false));
      connector = new ServerConnector(server, 1, 1,
          new SslConnectionFactory(HttpTls.server(settings.tls().get()), HttpVersion.HTTP_1_1.asString()),
          new HttpConnectionFactory(http));
    } else {
      connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    }
    connector.setHost(settings.address().getAddress().getHostAddress());
    connector.setPort(settings.address().getPort());
    connector.setIdleTimeout(settings.idleTimeout().toMillis());
    server.addConnector(connector);

    Handler.Sequence routes = new Handler.Sequence();
    routes.addHandler(new PhalaApi(attestations, messages, tokens, maxBodyBytes));
    routes.addHandler(new Fixed(registry, tokens, attestations));
    if (pages != null) {
      routes.addHandler(pages);
    }
    UploadGate uploads = new UploadGate(routes, maxBodyBytes, settings.minDataRate(), UPLOAD_WORKERS, maxInFlight);
    DoSHandler rate = new DoSHandler(uploads, DoSHandler.ID_FROM_REMOTE_ADDRESS,
        new DoSHandler.LeakingBucketTrackerFactory(settings.requestsPerSecond()), HttpApi::tooManyRequests, 10_000);
    GzipHandler gzip = new GzipHandler(rate);
    gzip.addExcludedMimeTypes("application/octet-stream");
    CrossOriginHandler cors = new CrossOriginHandler();
    cors.setAllowedOriginPatterns(Set.of("*"));
    cors.setAllowedMethods(Set.of("GET", "HEAD"));
    cors.setAllowedHeaders(Set.of("If-None-Match", REQUEST_ID));
    cors.setExposedHeaders(Set.of("ETag", "Content-Disposition", "Content-Length", REQUEST_ID, "X-Next-Page-Token", "Link"));
    cors.setHandler(gzip);
    // Probes and scrapes on a pool of their own, ahead of everything else. A server whose handlers
    // are fixed takes the lane's word that it never blocks, and calls it on the parsing thread.
    server.setDynamic(false);
    server.setHandler(new HealthLane(new RequestIds(cors), pool));
    server.setErrorHandler(new JsonErrors());
    HttpApi api = new HttpApi(server, connector);
    try {
      server.start();
    } catch (Exception e) {
      api.close();
      throw new IOException("cannot serve HTTP on " + settings.address().getHostString() + ":" + settings.address().getPort()
          + ": " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
    }
    return api;
  }

  /** The bound address (port 0 resolves here). */
  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the HTTP listener did not stop: " + e.getMessage(), e);
    }
  }

  /** 429 as JSON, for a client over its rate. */
  private static boolean tooManyRequests(Request request, Response response, Callback callback) {
    Answers.failure(response, callback, new HttpFailure(HttpStatus.TOO_MANY_REQUESTS_429, "RESOURCE_EXHAUSTED",
        "Too many requests: slow down"));
    return true;
  }

  /** Sets {@code X-Request-Id} on every answer: the caller's when it is short and plain, else a new one. */
  private static final class RequestIds extends Handler.Wrapper {
    RequestIds(Handler next) {
      super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String given = request.getHeaders().get(REQUEST_ID);
      String id = given != null && CALLER_REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
      response.getHeaders().put(REQUEST_ID, id);
      return super.handle(request, response, callback);
    }
  }

  /** The fixed paths: the OpenAPI document, the token keys and challenges, metrics and health. */
  private static final class Fixed extends Handler.Abstract {
    private final PrometheusRegistry registry;
    private final ResultTokens tokens;
    private final Attestations attestations;
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final byte[] openApi;

    Fixed(PrometheusRegistry registry, ResultTokens tokens, Attestations attestations) {
      this.registry = registry;
      this.tokens = tokens;
      this.attestations = attestations;
      try (InputStream in = HttpApi.class.getResourceAsStream("openapi.json")) {
        if (in == null) {
          throw new IllegalStateException("openapi.json is missing from the daemon's jar");
        }
        openApi = in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
      String path = Request.getPathInContext(request);
      boolean read = HttpMethod.GET.is(request.getMethod()) || HttpMethod.HEAD.is(request.getMethod());
      switch (path) {
        case OPENAPI_PATH -> {
          if (read) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, Answers.JSON_TYPE);
            response.write(true, ByteBuffer.wrap(openApi), callback);
            return true;
          }
        }
        case "/metrics" -> {
          if (read) {
            ExpositionFormatWriter writer = formats.findWriter(request.getHeaders().get(HttpHeader.ACCEPT));
            ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
            writer.write(out, registry.scrape());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, writer.getContentType());
            response.write(true, ByteBuffer.wrap(out.toByteArray()), callback);
            return true;
          }
        }
        case JWKS_PATH -> {
          if (read) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/jwk-set+json");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "public, max-age=300");
            response.write(true, ByteBuffer.wrap(tokens.jwks().getBytes(StandardCharsets.UTF_8)), callback);
            return true;
          }
        }
        case CHALLENGE_PATH -> {
          if (HttpMethod.POST.is(request.getMethod())) {
            ResultTokens.Challenge c;
            try {
              // The client's address, as the rate limit sees it: behind a proxy, the proxy's.
              c = tokens.challenge(Peers.of(request.getConnectionMetaData().getRemoteSocketAddress()));
            } catch (ResultTokens.TooManyChallenges e) {
              response.getHeaders().put(HttpHeader.RETRY_AFTER, Math.max(1, e.retryAfter().toSeconds() + 1));
              Answers.failure(response, callback, new HttpFailure(HttpStatus.TOO_MANY_REQUESTS_429,
                  ApiErrors.CHALLENGES_PER_PEER, e.getMessage()));
              return true;
            }
            ObjectNode n = Answers.JSON.createObjectNode();
            n.put("nonce", HexFormat.of().formatHex(c.nonce()));
            n.put("expires_at", c.expiresAt().toString());
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            Answers.json(response, callback, HttpStatus.OK_200, n);
            return true;
          }
          response.getHeaders().put(HttpHeader.ALLOW, "POST");
          Answers.failure(response, callback, new HttpFailure(HttpStatus.METHOD_NOT_ALLOWED_405, "METHOD_NOT_ALLOWED",
              "Method Not Allowed"));
          return true;
        }
        case "/healthz" -> {
          if (read) {
            // 503 while the store refuses writes (its disk is full), so a load balancer sends
            // uploads to another replica; 200 again once it takes writes.
            if (!attestations.storeWritable()) {
              response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
              Answers.failure(response, callback, new HttpFailure(HttpStatus.SERVICE_UNAVAILABLE_503,
                  ApiErrors.STORE_FULL, "the store's disk is full: writes are refused until space is freed"));
              return true;
            }
            ObjectNode ok = Answers.JSON.createObjectNode();
            ok.put("status", "ok");
            Answers.json(response, callback, HttpStatus.OK_200, ok);
            return true;
          }
        }
        default -> {
          return false;
        }
      }
      response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
      Answers.failure(response, callback, new HttpFailure(HttpStatus.METHOD_NOT_ALLOWED_405, "METHOD_NOT_ALLOWED",
          "Method Not Allowed"));
      return true;
    }
  }

  /**
   * Jetty's own failures (no such path, a bad request line, a body over the limit) as
   * {@code {"detail": …}}, never an HTML page or a stack trace.
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
      String code = switch (status) {
        case HttpStatus.NOT_FOUND_404 -> "NOT_FOUND";
        case HttpStatus.PAYLOAD_TOO_LARGE_413 -> "RESOURCE_EXHAUSTED";
        case HttpStatus.METHOD_NOT_ALLOWED_405 -> "METHOD_NOT_ALLOWED";
        default -> status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
      };
      Answers.failure(response, callback, new HttpFailure(status, code, reason));
      return true;
    }
  }
}
