package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.daemon.Listeners;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.daemon.testing.TestCertificates;
import dev.dcapd.daemon.testing.TestCertificates.KeyFormat;
import dev.dcapd.token.Ear;
import dev.dcapd.token.EarVerifier;
import dev.dcapd.token.VerifiedEar;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --http-tls-cert} / {@code --http-tls-key}: a real daemon serves its HTTP API, and with it
 * the token keys, over TLS on 127.0.0.1 with a certificate a throwaway CA issued; a relying party
 * that trusts that CA fetches the JWKS over https and verifies the daemon's token with it.
 */
class HttpTlsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  @TempDir Path dir;

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(caPem))) {
      int n = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca" + n++, c);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls;
  }

  private static Listeners.Tls tls(TestCertificates.Chain c) {
    return new Listeners.Tls(c.chain(), c.privateKey());
  }

  @Test
  void theKeysComeOverHttpsAndVerifyTheDaemonsToken() throws Exception {
    TestCertificates.Chain certs = TestCertificates.caAndServer(dir.resolve("pki"), KeyFormat.EC_PKCS8);
    SSLContext trust = trusting(certs.caCertificate());
    try (LiveDaemon daemon = LiveDaemon.startWithHttps(dir.resolve("d"), tls(certs))) {
      assertTrue(daemon.httpUrl().startsWith("https://127.0.0.1:"), daemon.httpUrl());
      assertTrue(daemon.daemon().describe().contains(" https://127.0.0.1:"), daemon.daemon().describe());
      HttpClient http = HttpClient.newBuilder().sslContext(trust).connectTimeout(TIMEOUT).build();
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(daemon.httpUrl()
              + "/api/v1/attestations/verify?token=ear")).timeout(TIMEOUT)
          .header("Content-Type", "application/octet-stream")
          .POST(HttpRequest.BodyPublishers.ofByteArray(LiveDaemon.TDX)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, answer.statusCode(), answer.body());
      String token = JSON.readTree(answer.body()).get("token").textValue();

      URI jwks = URI.create(daemon.httpUrl() + HttpApi.JWKS_PATH);
      VerifiedEar ear = EarVerifier.fetch(jwks, TIMEOUT, Optional.of(trust), false)
          .verify(token, Optional.empty(), LiveDaemon.TDX_AT);
      assertEquals(LiveDaemon.TDX_CHECKSUM, ear.checksum());
      assertEquals(Ear.AFFIRMING, ear.status());
      // By name too: the certificate names localhost.
      URI byName = URI.create(jwks.toString().replace("127.0.0.1", "localhost"));
      assertEquals(1, EarVerifier.fetch(byName, TIMEOUT, Optional.of(trust), false).keys().getKeys().size());

      // The JVM's own CAs do not know the throwaway CA: the handshake fails, no keys.
      assertThrows(SSLHandshakeException.class, () -> EarVerifier.fetch(jwks, TIMEOUT));
      // The listener speaks TLS only: a plain-http request gets no JWKS.
      assertFalse(plainHttpGet(jwks.getPort(), HttpApi.JWKS_PATH).contains("\"keys\""));
      // TLS 1.2 is enough, and is negotiated when the client offers nothing newer.
      SSLParameters tls12 = new SSLParameters();
      tls12.setProtocols(new String[] {"TLSv1.2"});
      HttpResponse<String> old = HttpClient.newBuilder().sslContext(trust).sslParameters(tls12).connectTimeout(TIMEOUT).build()
          .send(HttpRequest.newBuilder(jwks).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, old.statusCode());
      assertEquals("TLSv1.2", old.sslSession().orElseThrow().getProtocol());
    }
  }

  /** What a plain-http GET to {@code port} reads back before the server closes or 5 s pass. */
  private static String plainHttpGet(int port, String path) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      try {
        return new String(s.getInputStream().readNBytes(64 * 1024), StandardCharsets.ISO_8859_1);
      } catch (IOException e) {
        return "";
      }
    }
  }

  @Test
  void ecAndRsaKeysInPkcs8Sec1AndPkcs1Serve() throws Exception {
    for (KeyFormat format : KeyFormat.values()) {
      TestCertificates.Chain certs = TestCertificates.caAndServer(dir.resolve("pki-" + format), format);
      try (LiveDaemon daemon = LiveDaemon.startWithHttps(dir.resolve("d-" + format), tls(certs))) {
        EarVerifier keys = EarVerifier.fetch(URI.create(daemon.httpUrl() + HttpApi.JWKS_PATH), TIMEOUT,
            Optional.of(trusting(certs.caCertificate())), false);
        assertEquals(1, keys.keys().getKeys().size(), format.toString());
      }
    }
  }

  @Test
  void filesThatDoNotMakeAServerCertificateAndKeyAreRefused() throws Exception {
    TestCertificates.Chain one = TestCertificates.caAndServer(dir.resolve("one"), KeyFormat.EC_PKCS8);
    TestCertificates.Chain other = TestCertificates.caAndServer(dir.resolve("other"), KeyFormat.EC_SEC1);
    KeyStore store = HttpTls.keyStore(one.chain(), one.privateKey());
    assertEquals(2, store.getCertificateChain(store.aliases().nextElement()).length);

    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    Path encrypted = Files.writeString(dir.resolve("encrypted.pem"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n");
    for (Path[] files : new Path[][] {
        {one.chain(), other.privateKey()},          // another certificate's key
        {one.caCertificate(), one.privateKey()},    // the CA first: not the key's certificate
        {one.privateKey(), one.privateKey()},       // no certificate
        {one.chain(), one.chain()},                 // no key
        {one.chain(), empty},
        {one.chain(), encrypted},
        {dir.resolve("missing.pem"), one.privateKey()},
        {one.chain(), dir.resolve("missing.pem")}}) {
      IOException e = assertThrows(IOException.class, () -> HttpTls.keyStore(files[0], files[1]), files[0] + " " + files[1]);
      assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
  }
}
