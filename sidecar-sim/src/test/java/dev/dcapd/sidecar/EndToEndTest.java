package dev.dcapd.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.daemon.Daemon;
import dev.dcapd.daemon.DaemonConfig;
import dev.dcapd.sidecar.agent.AgentEndpoint;
import dev.dcapd.sidecar.http.HttpResponse;
import dev.dcapd.sidecar.http.LocalHttpServer;
import dev.dcapd.sidecar.key.AppKey;
import dev.dcapd.sidecar.sim.Simulator;
import dev.dcapd.verifier.Backoff;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import dev.dcapd.verifier.binding.ReportDataBinding;
import dev.dcapd.verifier.eventlog.EventLog;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TdReport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path on one machine: the simulated guest agent, the sidecar, and a real dcapd daemon
 * started in process with the simulator's root and collateral.
 */
class EndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  @TempDir static Path dir;
  static Simulator sim;
  static Daemon daemon;
  static String daemonTarget;
  static org.eclipse.jetty.client.HttpClient unixClient;
  static int sockets;

  @BeforeAll
  static void start() throws Exception {
    sim = Simulator.start(dir.resolve("sim"), 3);
    daemon = startDaemon(new InetSocketAddress("127.0.0.1", 0), dir.resolve("data"));
    daemonTarget = "127.0.0.1:" + daemon.grpcAddress().orElseThrow().getPort();
    unixClient = new org.eclipse.jetty.client.HttpClient();
    unixClient.start();
  }

  @AfterAll
  static void stop() throws Exception {
    unixClient.stop();
    daemon.close();
    sim.close();
  }

  static Daemon startDaemon(InetSocketAddress address, Path data) throws IOException {
    return Daemon.start(new DaemonConfig(Optional.of(address), Optional.empty(), data, List.of(),
        Optional.of(sim.collateralDir()), Optional.of(sim.rootPem()), Optional.empty(), false, Optional.empty(), 2, 64,
        4 * 1024 * 1024, 16 << 20, Duration.ofSeconds(5), Duration.ofSeconds(1)), Clock.systemUTC());
  }

  static synchronized Path socket(String name) {
    return dir.resolve(name + "-" + (sockets++) + ".sock");
  }

  static SidecarConfig config(AgentEndpoint agent, String kind, Optional<String> daemonAt, KeyType type,
      Optional<String> derive, int burst, Path api) {
    return new SidecarConfig(agent, kind, Duration.ofSeconds(10), daemonAt, Duration.ofSeconds(10),
        List.of(Listen.unix(api), Listen.parse("127.0.0.1:0")), type, derive, Duration.ofHours(1),
        new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)), burst, Duration.ofHours(1), Optional.of(dir.resolve("state")));
  }

  record Answer(int status, JsonNode body) {}

  static Answer call(Path api, String method, String path, String body) throws Exception {
    var req = unixClient.newRequest("http://localhost" + path).method(HttpMethod.fromString(method))
        .transport(new Transport.TCPUnix(api)).timeout(30, TimeUnit.SECONDS);
    if (body != null) {
      req.body(new StringRequestContent("application/json", body, StandardCharsets.UTF_8));
    }
    ContentResponse r = req.send();
    return new Answer(r.getStatus(), JSON.readTree(r.getContentAsString()));
  }

  static Answer await(Path api, String path, Predicate<Answer> until) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    Answer last = null;
    while (System.nanoTime() < deadline) {
      last = call(api, "GET", path, null);
      if (until.test(last)) {
        return last;
      }
      Thread.sleep(50);
    }
    fail("never reached the expected state; last answer " + (last == null ? null : last.body()));
    return last;
  }

  static boolean verified(Answer a) {
    return a.status() == 200 && a.body().path("verdict").isObject();
  }

  static TdReport td(JsonNode attestation) throws Exception {
    return (TdReport) QuoteParser.parse(Bytes.fromHex(attestation.get("quote").textValue()).toByteArray()).body();
  }

  static KeyType type(JsonNode a) {
    return a.at("/public_key/type").textValue().equals("p256") ? KeyType.P256 : KeyType.SECP256K1;
  }

  static Bytes xy(JsonNode a) {
    return Bytes.fromHex(a.at("/public_key/xy").textValue());
  }

  @Test
  void theAttestationIsVerifiedAndBindsTheKey() throws Exception {
    Path api = socket("api");
    try (Sidecar s = Sidecar.start(config(AgentEndpoint.unix(sim.dstackSocket()), "dstack", Optional.of(daemonTarget),
        KeyType.P256, Optional.empty(), 5, api), Clock.systemUTC())) {
      JsonNode a = await(api, "/attestation", EndToEndTest::verified).body();
      assertTrue(a.at("/verdict/success").booleanValue(), a.get("verdict").toString());
      assertTrue(a.at("/verdict/insecure_root").booleanValue());
      assertEquals(a.get("checksum").textValue(), a.at("/verdict/checksum").textValue());
      assertEquals("ok", a.at("/daemon/state").textValue());
      TdReport td = td(a);
      assertEquals(a.get("report_data").textValue(), td.reportData().hex());
      assertTrue(ReportDataBinding.matches(td.reportData(), type(a), xy(a), Optional.empty()));
      assertEquals(s.keeper().minter().key().publicKeyXY(), xy(a));
      EventLog.parse(a.get("event_log").textValue()).replay().check(td);
      assertEquals(sim.agent().boot().composeHash().hex(), a.at("/app/compose_hash").textValue());
      assertEquals(200, call(api, "GET", "/healthz", null).status());

      // The TCP listener serves the same API, to callers with the token.
      InetSocketAddress tcp = (InetSocketAddress) s.addresses().get(1);
      String token = java.nio.file.Files.readString(s.tokenFile().orElseThrow()).strip();
      var jdk = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + tcp.getPort() + "/attestation")).header("Authorization", "Bearer " + token).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, jdk.statusCode());
      assertEquals(a.get("checksum").textValue(), JSON.readTree(jdk.body()).get("checksum").textValue());

      // On demand: a newly minted quote (the simulator signs deterministically, so its bytes may repeat).
      Answer refreshed = call(api, "POST", "/attestation", "");
      assertEquals(200, refreshed.status());
      assertNotEquals(a.get("minted_at").textValue(), refreshed.body().get("minted_at").textValue());
      assertTrue(verified(await(api, "/attestation", EndToEndTest::verified)));
    }
  }

  @Test
  void aNonceQuoteBindsTheNonceAndSignaturesVerifyWithTheAttestedKey() throws Exception {
    Path api = socket("api");
    try (Sidecar s = Sidecar.start(config(AgentEndpoint.unix(sim.dstackSocket()), "dstack", Optional.of(daemonTarget),
        KeyType.P256, Optional.empty(), 5, api), Clock.systemUTC())) {
      JsonNode a = await(api, "/attestation", EndToEndTest::verified).body();
      Bytes nonce = Bytes.fromHex("c0ffee0123456789");
      Answer q = call(api, "POST", "/quote", "{\"nonce\":\"" + nonce.hex() + "\"}");
      assertEquals(200, q.status(), q.body().toString());
      TdReport td = td(q.body());
      assertTrue(ReportDataBinding.matches(td.reportData(), type(a), xy(a), Optional.of(nonce)));
      assertFalse(ReportDataBinding.matches(td.reportData(), type(a), xy(a), Optional.empty()));
      assertTrue(q.body().at("/verdict/success").booleanValue(), q.body().toString());

      Bytes message = Bytes.of("pay 10 to bob".getBytes(StandardCharsets.UTF_8));
      Answer sig = call(api, "POST", "/sign", "{\"message\":\"" + message.hex() + "\"}");
      assertEquals(200, sig.status());
      Bytes rs = Bytes.fromHex(sig.body().get("signature").textValue());
      assertTrue(AppKey.verify(type(a), xy(a), message, rs));
      assertFalse(AppKey.verify(type(a), xy(a), Bytes.of("pay 99 to bob".getBytes(StandardCharsets.UTF_8)), rs));
      // And with the JDK alone, from the attestation's SPKI and the DER signature.
      Signature jca = Signature.getInstance("SHA256withECDSA");
      jca.initVerify(KeyFactory.getInstance("EC").generatePublic(
          new X509EncodedKeySpec(Bytes.fromHex(a.at("/public_key/spki_der").textValue()).toByteArray())));
      jca.update(message.toByteArray());
      assertTrue(jca.verify(Bytes.fromHex(sig.body().get("signature_der").textValue()).toByteArray()));
    }
  }

  @Test
  void theLegacyTappdSocketWithADerivedSecp256k1Key() throws Exception {
    Path api = socket("api");
    String keyId;
    try (Sidecar s = Sidecar.start(config(AgentEndpoint.unix(sim.tappdSocket()), "tappd", Optional.of(daemonTarget),
        KeyType.SECP256K1, Optional.of("dcapd/app"), 5, api), Clock.systemUTC())) {
      JsonNode a = await(api, "/attestation", EndToEndTest::verified).body();
      assertTrue(a.at("/verdict/success").booleanValue());
      assertEquals("tappd", a.get("agent_kind").textValue());
      assertTrue(ReportDataBinding.matches(td(a).reportData(), KeyType.SECP256K1, xy(a), Optional.empty()));
      assertEquals(a.at("/public_key/eth_address").textValue(), "0x" + a.at("/public_key/key_id").textValue());
      keyId = a.at("/public_key/key_id").textValue();
    }
    // Derived keys survive a restart.
    try (Sidecar s = Sidecar.start(config(AgentEndpoint.unix(sim.dstackSocket()), "dstack", Optional.empty(),
        KeyType.SECP256K1, Optional.of("dcapd/app"), 5, socket("api")), Clock.systemUTC())) {
      assertEquals(keyId, s.keeper().minter().key().keyId().hex());
    }
  }

  @Test
  void aDaemonOutageIsRetriedAndReported() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Path api = socket("api");
    try (Sidecar s = Sidecar.start(config(AgentEndpoint.unix(sim.dstackSocket()), "dstack", Optional.of("127.0.0.1:" + port),
        KeyType.P256, Optional.empty(), 5, api), Clock.systemUTC())) {
      Answer retrying = await(api, "/attestation", x -> x.status() == 200
          && x.body().at("/daemon/state").textValue().equals("retrying") && x.body().at("/daemon/failed_attempts").intValue() >= 2);
      assertTrue(retrying.body().get("verdict").isNull());
      assertFalse(retrying.body().at("/daemon/last_error").textValue().isEmpty());
      try (Daemon late = startDaemon(new InetSocketAddress("127.0.0.1", port), dir.resolve("data-late"))) {
        JsonNode a = await(api, "/attestation", EndToEndTest::verified).body();
        assertTrue(a.at("/verdict/success").booleanValue());
        assertEquals("ok", a.at("/daemon/state").textValue());
      }
    }
  }

  @Test
  void freshQuotesAreRateLimited() throws Exception {
    Path api = socket("api");
    try (Sidecar s = Sidecar.start(config(AgentEndpoint.unix(sim.dstackSocket()), "dstack", Optional.empty(),
        KeyType.P256, Optional.empty(), 1, api), Clock.systemUTC())) {
      assertEquals(200, call(api, "POST", "/quote", "{\"nonce\":\"01\"}").status());
      Answer second = call(api, "POST", "/quote", "{\"nonce\":\"02\"}");
      assertEquals(429, second.status());
      assertTrue(second.body().get("error").isTextual());
      assertEquals(429, call(api, "POST", "/attestation", "").status());
    }
  }

  @Test
  void badRequestsAreClearErrors() throws Exception {
    Path api = socket("api");
    try (Sidecar s = Sidecar.start(config(AgentEndpoint.unix(sim.dstackSocket()), "dstack", Optional.empty(),
        KeyType.P256, Optional.empty(), 5, api), Clock.systemUTC())) {
      for (String[] c : new String[][] {
          {"POST", "/quote", "{\"nonce\":\"zz\"}", "400"},
          {"POST", "/quote", "{}", "400"},
          {"POST", "/quote", "[1]", "400"},
          {"POST", "/quote", "not json", "400"},
          {"POST", "/sign", "{\"message\":\"abc\"}", "400"},
          {"GET", "/quote", null, "405"},
          {"GET", "/nothing", null, "404"},
      }) {
        Answer a = call(api, c[0], c[1], c[2]);
        assertEquals(Integer.parseInt(c[3]), a.status(), String.join(" ", c[0], c[1], String.valueOf(c[2])));
        assertTrue(a.body().get("error").isTextual());
      }
    }
  }

  @Test
  void badAgentAnswersAreClearErrorsAndTheSidecarStaysUp() throws Exception {
    TdReport template = (TdReport) sim.agent().quote(Bytes.zeros(64)).body();
    String otherBootLog = new dev.dcapd.sidecar.sim.SimulatedBoot(99).eventLogJson(true);
    String zeroQuoteAnswer = "{\"quote\":\"" + sim.agent().quote(Bytes.zeros(64)).raw().hex() + "\",\"event_log\":"
        + JSON.writeValueAsString(sim.agent().boot().eventLogJson(true)) + "}";
    List<Object[]> cases = List.of(
        new Object[] {(Function<dev.dcapd.sidecar.http.HttpRequest, HttpResponse>) r ->
            HttpResponse.json(400, "{\"error\":\"quote generation failed\"}"), 502},
        new Object[] {(Function<dev.dcapd.sidecar.http.HttpRequest, HttpResponse>) r ->
            HttpResponse.json(200, "{\"quote\":\"not hex\",\"event_log\":\"[]\"}"), 502},
        // A valid quote, but not for the report data asked for.
        new Object[] {(Function<dev.dcapd.sidecar.http.HttpRequest, HttpResponse>) r ->
            HttpResponse.json(200, zeroQuoteAnswer), 502},
        // The right report data, but an event log from another boot.
        new Object[] {(Function<dev.dcapd.sidecar.http.HttpRequest, HttpResponse>) r -> {
          try {
            String data = JSON.readTree(r.body()).get("report_data").textValue();
            return HttpResponse.json(200, "{\"quote\":\"" + sim.agent().quote(Bytes.fromHex(data)).raw().hex()
                + "\",\"event_log\":" + JSON.writeValueAsString(otherBootLog) + "}");
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }, 502});
    assertTrue(template.reportData().isAllZero());
    for (Object[] c : cases) {
      @SuppressWarnings("unchecked")
      Function<dev.dcapd.sidecar.http.HttpRequest, HttpResponse> handler = (Function<dev.dcapd.sidecar.http.HttpRequest, HttpResponse>) c[0];
      Path agentSocket = socket("bad-agent");
      Path api = socket("api");
      try (LocalHttpServer fake = LocalHttpServer.unix(agentSocket, 1 << 20, 4, handler);
          Sidecar s = Sidecar.start(config(AgentEndpoint.unix(agentSocket), "dstack", Optional.empty(), KeyType.P256,
              Optional.empty(), 5, api), Clock.systemUTC())) {
        Answer none = await(api, "/attestation", x -> x.status() == 503 && x.body().get("error").textValue().contains(":"));
        assertTrue(none.body().get("error").isTextual());
        Answer q = call(api, "POST", "/quote", "{\"nonce\":\"01\"}");
        assertEquals(c[1], q.status(), q.body().toString());
        assertTrue(q.body().get("error").isTextual());
        assertEquals(503, call(api, "GET", "/healthz", null).status());
      }
    }
    // No agent at all: the sidecar runs, says why, and answers 503.
    Path api = socket("api");
    try (Sidecar s = Sidecar.start(config(AgentEndpoint.unix(dir.resolve("no-agent.sock")), "dstack", Optional.empty(),
        KeyType.P256, Optional.empty(), 5, api), Clock.systemUTC())) {
      Answer q = call(api, "POST", "/quote", "{\"nonce\":\"01\"}");
      assertEquals(503, q.status());
      assertTrue(q.body().get("error").textValue().contains("not reachable"), q.body().toString());
      Answer a = await(api, "/attestation", x -> x.status() == 503 && x.body().get("error").textValue().contains("not reachable"));
      assertTrue(a.body().get("error").isTextual());
    }
  }
}
