package dev.dcapd.collateral;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.quote.TeeType;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A PCS/PCCS double on 127.0.0.1 for tests: serves the collateral it is given the way Intel PCS
 * and PCCS do (JSON bodies {@code {"tcbInfo":<exact text>,"signature":"hex"}}, DER PCK CRL,
 * hex-text {@code /rootcacrl}, DER root CRL at {@code /IntelSGXRootCA.der}, issuer chains
 * percent-encoded in response headers), counts requests per endpoint and injects faults.
 *
 * <p>The JDK server normalises header names to "Sgx-pck-crl-issuer-chain" style on the wire,
 * so every test against it also checks that clients read header names case-insensitively.
 */
public final class FakePcs implements AutoCloseable {
  /** Endpoint names used for counting and faults. */
  public static final String TCB = "tcb";
  public static final String QE_IDENTITY = "qe/identity";
  public static final String PCK_CRL = "pckcrl";
  public static final String ROOT_CA_CRL = "rootcacrl";
  public static final String ROOT_CRL_DP = "IntelSGXRootCA.der";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-pcs");
    t.setDaemon(true);
    return t;
  });
  private final Map<TeeType, QuoteCollateral> byTee = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final Map<String, List<String>> queries = new ConcurrentHashMap<>();
  private final Map<String, List<Fault>> faults = new ConcurrentHashMap<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile String tcbChainHeader = IssuerChainHeader.TCB_INFO;
  private volatile boolean anyFmspc;

  /** What a fault does to one request; returns false to let the normal answer through. */
  @FunctionalInterface
  public interface Fault {
    boolean apply(HttpExchange exchange, Answer normal) throws IOException;
  }

  /** The answer the server would give. */
  public record Answer(int status, Map<String, String> headers, byte[] body) {}

  public FakePcs() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Serves {@code collateral} as the TCB info, QE identity and CRLs of its TEE type. */
  public FakePcs serve(TeeType tee, QuoteCollateral collateral) {
    byTee.put(tee, collateral);
    return this;
  }

  /** Sends the TCB info chain under this header name (default {@code TCB-Info-Issuer-Chain}). */
  public FakePcs tcbChainHeader(String name) {
    this.tcbChainHeader = name;
    return this;
  }

  /** Answers a TCB info request with the served TCB info whatever FMSPC was asked for. */
  public FakePcs anyFmspc() {
    this.anyFmspc = true;
    return this;
  }

  /** Adds a fault for an endpoint; faults are tried in the order added. */
  public FakePcs fault(String endpoint, Fault fault) {
    faults.computeIfAbsent(endpoint, k -> Collections.synchronizedList(new ArrayList<>())).add(fault);
    return this;
  }

  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public String baseUrl() {
    return baseUri().toString();
  }

  /** The URL of the root CRL distribution point double. */
  public URI rootCrlUri() {
    return URI.create(baseUrl() + "/" + ROOT_CRL_DP);
  }

  /** How many requests reached {@code endpoint}. */
  public int requests(String endpoint) {
    AtomicInteger n = counts.get(endpoint);
    return n == null ? 0 : n.get();
  }

  /** The query strings {@code endpoint} received, in order. */
  public List<String> queries(String endpoint) {
    return List.copyOf(queries.getOrDefault(endpoint, List.of()));
  }

  public int totalRequests() {
    return counts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  // --- faults ------------------------------------------------------------------------------

  /** Answers with {@code status} and an empty body. */
  public static Fault status(int status) {
    return (ex, normal) -> {
      send(ex, new Answer(status, Map.of(), new byte[0]));
      return true;
    };
  }

  /** Answers with {@code status} and a {@code Retry-After} header. */
  public static Fault status(int status, String retryAfter) {
    return (ex, normal) -> {
      send(ex, new Answer(status, Map.of("Retry-After", retryAfter), new byte[0]));
      return true;
    };
  }

  /** Applies {@code fault} to the first {@code n} requests only. */
  public static Fault times(int n, Fault fault) {
    AtomicInteger left = new AtomicInteger(n);
    return (ex, normal) -> left.getAndDecrement() > 0 && fault.apply(ex, normal);
  }

  /** Never answers (until the server closes): the client's time-out must end the request. */
  public Fault hang() {
    return (ex, normal) -> {
      try {
        closing.await(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
      return true;
    };
  }

  /** Holds the answer until {@code gate} opens. */
  public static Fault holdUntil(CountDownLatch gate) {
    return (ex, normal) -> {
      try {
        gate.await(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return false;
    };
  }

  /** A complete HTTP answer whose body is only the first half of the real one. */
  public static Fault truncatedBody() {
    return (ex, normal) -> {
      byte[] half = java.util.Arrays.copyOf(normal.body(), normal.body().length / 2);
      send(ex, new Answer(normal.status(), normal.headers(), half));
      return true;
    };
  }

  /** The normal answer with its body text changed. */
  public static Fault body(UnaryOperator<String> edit) {
    return (ex, normal) -> {
      byte[] b = edit.apply(new String(normal.body(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
      send(ex, new Answer(normal.status(), normal.headers(), b));
      return true;
    };
  }

  /** The normal answer with one header replaced (the value is sent as given). */
  public static Fault header(String name, String rawValue) {
    return (ex, normal) -> {
      Map<String, String> h = new LinkedHashMap<>(normal.headers());
      h.keySet().removeIf(k -> k.equalsIgnoreCase(name));
      h.put(name, rawValue);
      send(ex, new Answer(normal.status(), h, normal.body()));
      return true;
    };
  }

  // --- serving -----------------------------------------------------------------------------

  /** Percent-encodes as Intel PCS does: everything but unreserved characters. */
  public static String percentEncode(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format(Locale.ROOT, "%02X", c));
      }
    }
    return b.toString();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      String endpoint = endpointOf(path);
      counts.computeIfAbsent(endpoint, k -> new AtomicInteger()).incrementAndGet();
      String query = ex.getRequestURI().getRawQuery();
      queries.computeIfAbsent(endpoint, k -> Collections.synchronizedList(new ArrayList<>()))
          .add(query == null ? "" : query);
      Answer normal = answer(path, query);
      for (Fault f : faults.getOrDefault(endpoint, List.of())) {
        if (f.apply(ex, normal)) {
          return;
        }
      }
      send(ex, normal);
    } finally {
      ex.close();
    }
  }

  private static String endpointOf(String path) {
    if (path.endsWith("/tcb")) {
      return TCB;
    }
    if (path.endsWith("/qe/identity")) {
      return QE_IDENTITY;
    }
    if (path.endsWith("/pckcrl")) {
      return PCK_CRL;
    }
    if (path.endsWith("/rootcacrl")) {
      return ROOT_CA_CRL;
    }
    if (path.endsWith("/" + ROOT_CRL_DP)) {
      return ROOT_CRL_DP;
    }
    return path;
  }

  private Answer answer(String path, String query) {
    Map<String, String> params = params(query);
    TeeType tee = path.startsWith("/tdx/") ? TeeType.TDX : path.startsWith("/sgx/") ? TeeType.SGX : null;
    switch (endpointOf(path)) {
      case TCB: {
        QuoteCollateral c = tee == null ? null : byTee.get(tee);
        if (c == null || !(anyFmspc || c.tcbInfo().contains("\"fmspc\":\"" + params.get("fmspc") + "\""))) {
          return notFound();
        }
        return json(c.tcbInfo(), "tcbInfo", c.tcbInfoSignature(), tcbChainHeader, c.tcbInfoIssuerChain());
      }
      case QE_IDENTITY: {
        QuoteCollateral c = tee == null ? null : byTee.get(tee);
        if (c == null) {
          return notFound();
        }
        return json(c.qeIdentity(), "enclaveIdentity", c.qeIdentitySignature(),
            IssuerChainHeader.ENCLAVE_IDENTITY, c.qeIdentityIssuerChain());
      }
      case PCK_CRL: {
        if (tee != TeeType.SGX) {
          return notFound();
        }
        for (QuoteCollateral c : byTee.values()) {
          if (caOf(c).pcsName().equals(params.get("ca"))) {
            return new Answer(200, Map.of(IssuerChainHeader.PCK_CRL, percentEncode(c.pckCrlIssuerChain()),
                "Content-Type", "application/pkix-crl"), c.pckCrl().toByteArray());
          }
        }
        return notFound();
      }
      case ROOT_CA_CRL:
        return byTee.values().stream().findFirst()
            .map(c -> new Answer(200, Map.of("Content-Type", "text/plain"),
                c.rootCaCrl().hex().getBytes(StandardCharsets.US_ASCII)))
            .orElse(notFound());
      case ROOT_CRL_DP:
        return byTee.values().stream().findFirst()
            .map(c -> new Answer(200, Map.of("Content-Type", "application/pkix-crl"), c.rootCaCrl().toByteArray()))
            .orElse(notFound());
      default:
        return notFound();
    }
  }

  private static CaType caOf(QuoteCollateral c) {
    try {
      return CaType.fromCommonName(PckCertChain.commonName(
          PckCertChain.readCertificates(c.pckCrlIssuerChain()).get(0).getSubjectX500Principal()));
    } catch (DcapException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Answer json(String signed, String member, Bytes signature, String header, String chain) {
    String body = "{\"" + member + "\":" + signed + ",\"signature\":\"" + signature.hex() + "\"}";
    return new Answer(200, Map.of(header, percentEncode(chain), "Content-Type", "application/json",
        "Request-ID", "fake"), body.getBytes(StandardCharsets.UTF_8));
  }

  private static Answer notFound() {
    return new Answer(404, Map.of(), new byte[0]);
  }

  private static Map<String, String> params(String query) {
    Map<String, String> out = new LinkedHashMap<>();
    if (query != null) {
      for (String kv : query.split("&")) {
        int eq = kv.indexOf('=');
        if (eq > 0) {
          out.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
      }
    }
    return out;
  }

  private static void headers(HttpExchange ex, Map<String, String> headers) {
    headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
  }

  private static void send(HttpExchange ex, Answer a) throws IOException {
    headers(ex, a.headers());
    ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
    if (a.body().length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(a.body());
      }
    }
  }
}
