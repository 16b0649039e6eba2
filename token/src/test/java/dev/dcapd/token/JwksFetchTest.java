package dev.dcapd.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where {@link EarVerifier#fetch} takes the keys from: over https, or over plain http from this
 * machine only. A plain-http JWKS from elsewhere is the attacker's to choose (anyone on the path
 * can answer it), so it is refused before any connection is tried.
 *
 * <p>No traffic leaves the machine: every test installs a default {@link ProxySelector} (the JDK's
 * HttpClient asks it before it connects anywhere) that records each URI it is asked about and
 * sends every non-loopback request to a fake "proxy" on 127.0.0.1, which answers an attacker's
 * JWKS. A request the verifier attempts shows up in both; one it refuses in neither.
 */
class JwksFetchTest {
  private static final Instant NOW = Instant.parse("2026-12-05T06:00:00Z");
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final URI ELSEWHERE = URI.create("http://192.0.2.1/.well-known/jwks.json");

  private final KeyRing attacker = KeyRing.generate(NOW);
  private final EarIssuer attackerIssuer = new EarIssuer(attacker, Duration.ofMinutes(5), "https://dcapd.dev", "forged");
  private final List<URI> asked = new CopyOnWriteArrayList<>();
  private final List<URI> proxied = new CopyOnWriteArrayList<>();
  private ProxySelector saved;
  private HttpServer proxy;
  private HttpServer loopback;

  @BeforeEach
  void routeEverythingThroughLoopback() throws IOException {
    String jwks = attackerIssuer.jwks(NOW);
    proxy = serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), jwks, proxied);
    loopback = serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), jwks, new CopyOnWriteArrayList<>());
    InetSocketAddress proxyAt = proxy.getAddress();
    saved = ProxySelector.getDefault();
    ProxySelector.setDefault(new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        asked.add(uri);
        boolean local = uri.getHost().equals("127.0.0.1") || uri.getHost().equals("localhost") || uri.getHost().equals("[::1]");
        return List.of(local ? Proxy.NO_PROXY : new Proxy(Proxy.Type.HTTP, proxyAt));
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    });
  }

  @AfterEach
  void restore() {
    ProxySelector.setDefault(saved);
    proxy.stop(0);
    loopback.stop(0);
  }

  /** Answers {@code jwks} to every request, recording each request's URI. */
  private static HttpServer serve(InetSocketAddress at, String jwks, List<URI> seen) throws IOException {
    HttpServer s = HttpServer.create(at, 0);
    s.createContext("/", exchange -> {
      seen.add(exchange.getRequestURI());
      byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    s.start();
    return s;
  }

  private String forgedToken() {
    return attackerIssuer.issue(new EarIssuer.Appraisal(Map.of("hardware", 2, "instance-identity", 2),
        "policy:default#ab", Map.of("checksum", "c42f", "insecure_root", false), Optional.empty()), NOW);
  }

  @Test
  void aPlainHttpJwksFromAnotherHostIsRefusedBeforeAnyConnection() {
    TokenException e = assertThrows(TokenException.class, () -> {
      EarVerifier keys = EarVerifier.fetch(ELSEWHERE, TIMEOUT);
      // What the hole allowed: the attacker's keys trusted, and a token they signed accepted.
      keys.verify(forgedToken(), Optional.empty(), NOW);
    }, () -> "fetched " + proxied + " (proxy asked about " + asked + ")");
    assertEquals(TokenException.Reason.INSECURE_JWKS_URL, e.reason());
    assertEquals(List.of(), asked, "no connection is even planned");
    assertEquals(List.of(), proxied);
  }

  @Test
  void everyNonLoopbackSpellingOfPlainHttpIsRefused() {
    for (String url : List.of("http://192.0.2.1:8080/jwks.json", "HTTP://192.0.2.1/jwks.json", "http://[2001:db8::1]/jwks.json",
        "http://example.invalid/jwks.json", "http://localhost.example.invalid/jwks.json", "http://127.0.0.1.nip.io/jwks.json",
        "http://127.1/jwks.json", "http://0x7f.0.0.1/jwks.json", "http://2130706433/jwks.json", "http://localhost./jwks.json",
        "http://[::ffff:c000:201]/jwks.json", "http://10.0.0.1/jwks.json")) {
      TokenException e = assertThrows(TokenException.class, () -> EarVerifier.fetch(URI.create(url), TIMEOUT), url);
      assertEquals(TokenException.Reason.INSECURE_JWKS_URL, e.reason(), url);
    }
    assertEquals(List.of(), asked);
    assertEquals(List.of(), proxied);
  }

  @Test
  void otherSchemesAreNotFetched() {
    for (String url : List.of("file:///etc/passwd", "ftp://192.0.2.1/jwks.json", "/jwks.json")) {
      assertThrows(IllegalArgumentException.class, () -> EarVerifier.fetch(URI.create(url), TIMEOUT), url);
    }
    assertEquals(List.of(), asked);
  }

  @Test
  void plainHttpOnLoopbackIsFetched() throws Exception {
    int port = loopback.getAddress().getPort();
    for (String host : List.of("127.0.0.1", "localhost")) {
      EarVerifier keys = EarVerifier.fetch(URI.create("http://" + host + ":" + port + "/.well-known/jwks.json"), TIMEOUT);
      assertEquals(attacker.current().getKeyID(), keys.keys().getKeys().get(0).getKeyID(), host);
    }
    HttpServer v6 = serve(new InetSocketAddress(InetAddress.getByName("::1"), 0), attackerIssuer.jwks(NOW),
        new CopyOnWriteArrayList<>());
    try {
      EarVerifier keys = EarVerifier.fetch(URI.create("http://[::1]:" + v6.getAddress().getPort() + "/jwks.json"), TIMEOUT);
      assertEquals(1, keys.keys().getKeys().size());
    } finally {
      v6.stop(0);
    }
    assertEquals(List.of(), proxied);
  }

  @Test
  void theInsecureOptionAllowsPlainHttpFromElsewhere() throws Exception {
    // Sent to the loopback fake proxy by the selector: the request is made, nothing leaves the machine.
    EarVerifier keys = EarVerifier.fetch(ELSEWHERE, TIMEOUT, Optional.empty(), true);
    assertEquals(attacker.current().getKeyID(), keys.keys().getKeys().get(0).getKeyID());
    assertEquals(List.of(ELSEWHERE), proxied);
  }
}
