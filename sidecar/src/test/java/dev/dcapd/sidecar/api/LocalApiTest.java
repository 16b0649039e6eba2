package dev.dcapd.sidecar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.sidecar.Listen;
import dev.dcapd.sidecar.Sidecar;
import dev.dcapd.sidecar.SidecarConfig;
import dev.dcapd.sidecar.agent.AgentEndpoint;
import dev.dcapd.sidecar.key.AppKey;
import dev.dcapd.verifier.Backoff;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local API's routes and refusals through a running sidecar's Unix socket, with no guest agent
 * behind it: what does not need a quote is answered all the same (the whole path with a simulated
 * agent and a daemon is sidecar-sim's EndToEndTest).
 */
class LocalApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path api;
  static Sidecar sidecar;
  static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    api = dir.resolve("api.sock");
    sidecar = Sidecar.start(new SidecarConfig(AgentEndpoint.unix(dir.resolve("no-agent.sock")), "dstack",
        Duration.ofSeconds(5), Optional.empty(), Duration.ofSeconds(5), List.of(Listen.unix(api)), KeyType.P256,
        Optional.empty(), Duration.ofHours(1), new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)), 5,
        Duration.ofHours(1), Optional.empty()), Clock.systemUTC());
    client = new HttpClient();
    client.start();
  }

  @AfterAll
  static void stop() throws Exception {
    client.stop();
    sidecar.close();
  }

  record Answer(int status, JsonNode body) {}

  static Answer call(String method, String path, String body) throws Exception {
    var req = client.newRequest("http://localhost" + path).method(HttpMethod.fromString(method))
        .transport(new Transport.TCPUnix(api)).timeout(30, TimeUnit.SECONDS);
    if (body != null) {
      req.body(new StringRequestContent("application/json", body, StandardCharsets.UTF_8));
    }
    ContentResponse r = req.send();
    assertEquals("application/json", r.getMediaType(), r.getContentAsString());
    return new Answer(r.getStatus(), JSON.readTree(r.getContentAsString()));
  }

  static void assertRefused(int status, String method, String path, String body) throws Exception {
    Answer a = call(method, path, body);
    String what = method + " " + path + " " + (body == null ? "" : body.substring(0, Math.min(body.length(), 40)));
    assertEquals(status, a.status(), what + " -> " + a.body());
    assertTrue(a.body().path("error").isTextual(), what + " -> " + a.body());
  }

  @Test
  void theApiSocketIsForItsOwnerAndGroupOnly() throws Exception {
    assertEquals(PosixFilePermissions.fromString("rw-rw----"), Files.getPosixFilePermissions(api));
  }

  @Test
  void signaturesNeedNoAgentAndVerifyWithTheKeyTheyName() throws Exception {
    Bytes message = Bytes.of("hello".getBytes(StandardCharsets.UTF_8));
    Answer sig = call("POST", "/sign", "{\"message\":\"" + message.hex() + "\"}");
    assertEquals(200, sig.status(), sig.body().toString());
    assertEquals("ECDSA-SHA256", sig.body().get("algorithm").textValue());
    Bytes xy = Bytes.fromHex(sig.body().at("/public_key/xy").textValue());
    assertEquals(sidecar.keeper().minter().key().publicKeyXY(), xy);
    assertTrue(AppKey.verify(KeyType.P256, xy, message, Bytes.fromHex(sig.body().get("signature").textValue())));
  }

  @Test
  void withoutAnAgentThereIsNoAttestationYet() throws Exception {
    Answer health = call("GET", "/healthz", null);
    assertEquals(503, health.status());
    assertEquals("unavailable", health.body().get("status").textValue());
    assertRefused(503, "GET", "/attestation", null);
    Answer q = call("POST", "/quote", "{\"nonce\":\"01\"}");
    assertEquals(503, q.status(), q.body().toString());
    assertTrue(q.body().get("error").textValue().contains("not reachable"), q.body().toString());
  }

  @Test
  void wrongRoutesMethodsAndBodiesAreRefused() throws Exception {
    assertRefused(404, "GET", "/nothing", null);
    assertRefused(405, "GET", "/quote", null);
    assertRefused(405, "GET", "/sign", null);
    assertRefused(405, "DELETE", "/attestation", null);
    assertRefused(405, "POST", "/healthz", "{}");
    assertRefused(400, "POST", "/quote", "not json");
    assertRefused(400, "POST", "/quote", "[1]");
    assertRefused(400, "POST", "/quote", "{}");
    assertRefused(400, "POST", "/quote", "{\"nonce\":\"\"}");
    assertRefused(400, "POST", "/quote", "{\"nonce\":\"zz\"}");
    assertRefused(400, "POST", "/sign", "{\"message\":\"abc\"}");
    assertRefused(400, "POST", "/sign", "");
    // A nonce or a message over its own limit, in a body the server accepts ...
    assertRefused(413, "POST", "/quote", "{\"nonce\":\"" + "00".repeat(LocalApi.MAX_NONCE_BYTES + 1) + "\"}");
    assertRefused(413, "POST", "/sign", "{\"message\":\"" + "00".repeat(LocalApi.MAX_MESSAGE_BYTES + 1) + "\"}");
    // ... and a body over the server's limit.
    assertRefused(413, "POST", "/sign", "{\"message\":\"" + "0".repeat(LocalApi.MAX_BODY_BYTES) + "\"}");
    // Still serving.
    assertEquals(200, call("POST", "/sign", "{\"message\":\"00\"}").status());
  }
}
