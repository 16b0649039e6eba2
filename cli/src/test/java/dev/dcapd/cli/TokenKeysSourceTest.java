package dev.dcapd.cli;

import static dev.dcapd.cli.TokenFixtures.dcap;
import static dev.dcapd.daemon.testing.LiveDaemon.TDX_AT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.dcapd.cli.TokenFixtures.Result;
import dev.dcapd.daemon.Listeners;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.daemon.testing.TestCertificates;
import dev.dcapd.token.EarIssuer;
import dev.dcapd.token.KeyRing;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code dcap token verify --jwks URL} takes the daemon's keys from: https (a daemon run with
 * {@code --http-tls-cert}/{@code --http-tls-key}, trusted through {@code --jwks-ca}), or plain http
 * on this machine; plain http from elsewhere is refused before any connection unless
 * {@code --insecure-http-jwks}.
 *
 * <p>No traffic leaves the machine: a default {@link ProxySelector} (which the JDK's HttpClient asks
 * before connecting anywhere) records every URI it is asked about and sends non-loopback requests
 * to a fake "proxy" on 127.0.0.1 that answers an attacker's JWKS, as anyone on the path could.
 */
class TokenKeysSourceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AT = Long.toString(TDX_AT.getEpochSecond());
  private static final String ELSEWHERE = "http://192.0.2.1/.well-known/jwks.json";
  @TempDir Path dir;

  private final EarIssuer attacker = new EarIssuer(KeyRing.generate(TDX_AT), Duration.ofMinutes(5), "https://dcapd.dev", "forged");
  private final List<URI> asked = new CopyOnWriteArrayList<>();
  private final List<URI> proxied = new CopyOnWriteArrayList<>();
  private ProxySelector saved;
  private HttpServer proxy;

  @BeforeEach
  void routeEverythingElsewhereThroughLoopback() throws IOException {
    byte[] jwks = attacker.jwks(TDX_AT).getBytes(StandardCharsets.UTF_8);
    proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    proxy.createContext("/", exchange -> {
      proxied.add(exchange.getRequestURI());
      exchange.sendResponseHeaders(200, jwks.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(jwks);
      }
    });
    proxy.start();
    InetSocketAddress proxyAt = proxy.getAddress();
    saved = ProxySelector.getDefault();
    ProxySelector.setDefault(new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        asked.add(uri);
        boolean local = uri.getHost().equals("127.0.0.1") || uri.getHost().equals("localhost");
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
  }

  /** A token the attacker signed: affirming, Intel's root, as the daemon's would say. */
  private String forgedToken() {
    return attacker.issue(new EarIssuer.Appraisal(Map.of("hardware", 2, "instance-identity", 2), "policy:default#ab",
        Map.of("checksum", LiveDaemon.TDX_CHECKSUM, "insecure_root", false), Optional.empty()), TDX_AT);
  }

  @Test
  void aPlainHttpJwksFromAnotherHostIsRefusedBeforeAnyConnection() {
    Result r = dcap("token", "verify", forgedToken(), "--jwks", ELSEWHERE, "--at", AT);
    assertEquals(2, r.exit(), "fetched " + proxied + "; " + r.out() + r.err());
    assertTrue(r.err().startsWith("dcap: INSECURE_JWKS_URL: "), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertEquals("", r.out());
    assertEquals(List.of(), asked, "no connection is even planned");
    assertEquals(List.of(), proxied);
  }

  @Test
  void aServerOnAnotherHostWithoutTlsIsNotAskedForItsKeys() {
    for (String server : List.of("192.0.2.1:50051", "[2001:db8::1]:50051", "dcapd.example.invalid:50051")) {
      Result r = dcap("--server", server, "--timeout", "2s", "token", "verify", forgedToken(), "--at", AT);
      assertEquals(2, r.exit(), server + ": " + r.err());
      assertTrue(r.err().startsWith("dcap: INSECURE_JWKS_URL: "), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    assertEquals(List.of(), asked, "no connection is even planned");
    assertEquals(List.of(), proxied);
  }

  @Test
  void theInsecureOptionFetchesPlainHttpFromElsewhereAndSoTrustsWhoeverAnswers() {
    Result r = dcap("token", "verify", forgedToken(), "--jwks", ELSEWHERE, "--insecure-http-jwks", "--at", AT);
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of(URI.create(ELSEWHERE)), proxied);
  }

  @Test
  void aDaemonServingHttpsGivesItsKeysToAClientTrustingItsCa() throws Exception {
    TestCertificates.Chain certs = TestCertificates.caAndServer(dir.resolve("pki"), TestCertificates.KeyFormat.EC_SEC1);
    try (LiveDaemon daemon = LiveDaemon.startWithHttps(dir.resolve("d"), new Listeners.Tls(certs.chain(), certs.privateKey()))) {
      Path tdx = Files.write(dir.resolve("tdx.bin"), LiveDaemon.TDX);
      Result verify = dcap("--server", daemon.target(), "verify", tdx.toString(), "--token");
      assertEquals(0, verify.exit(), verify.err());
      String token = verify.out().strip();
      String url = daemon.httpUrl() + "/.well-known/jwks.json";
      assertTrue(url.startsWith("https://127.0.0.1:"), url);

      Result r = dcap("token", "verify", token, "--jwks", url, "--jwks-ca", certs.caCertificate().toString(), "--at", AT);
      assertEquals(0, r.exit(), r.err());
      assertEquals(LiveDaemon.TDX_CHECKSUM, JSON.readTree(r.out()).at("/submods/quote/dcapd/checksum").textValue());

      // Without --jwks-ca the JVM's CAs decide, and they do not know this one.
      Result untrusted = dcap("token", "verify", token, "--jwks", url, "--at", AT);
      assertEquals(2, untrusted.exit(), untrusted.err());
      assertEquals(1, untrusted.err().lines().count(), untrusted.err());
      assertEquals("", untrusted.out());
      // Another CA's certificate does not vouch for this daemon.
      TestCertificates.Chain other = TestCertificates.caAndServer(dir.resolve("other"), TestCertificates.KeyFormat.EC_PKCS8);
      Result wrongCa = dcap("token", "verify", token, "--jwks", url, "--jwks-ca", other.caCertificate().toString(), "--at", AT);
      assertEquals(2, wrongCa.exit(), wrongCa.err());
      assertEquals(1, wrongCa.err().lines().count(), wrongCa.err());

      Path jwksFile = Files.writeString(dir.resolve("jwks.json"), dcap("--server", daemon.target(), "keys").out());
      for (String[] args : new String[][] {
          {"--jwks", jwksFile.toString(), "--jwks-ca", certs.caCertificate().toString()},  // --jwks-ca is for https URLs
          {"--jwks", url, "--jwks-ca", certs.privateKey().toString()},                       // not a certificate
          {"--jwks", url, "--jwks-ca", dir.resolve("missing.pem").toString()}}) {
        List<String> cmd = new java.util.ArrayList<>(List.of("token", "verify", token, "--at", AT));
        cmd.addAll(List.of(args));
        Result bad = dcap(cmd.toArray(String[]::new));
        assertEquals(2, bad.exit(), String.join(" ", args) + ": " + bad.err());
        assertEquals(1, bad.err().lines().count(), bad.err());
      }
    }
    assertEquals(List.of(), proxied);
  }
}
