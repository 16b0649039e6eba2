package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.daemon.testing.LiveDaemon;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP listener as a whole: its OpenAPI document matches what it serves, and its rate limit. */
class HttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void everyPathAndMethodInTheOpenApiDocumentIsServedAsDocumented(@TempDir Path dir) throws Exception {
    JsonNode doc;
    try (InputStream in = HttpApi.class.getResourceAsStream("openapi.json")) {
      doc = JSON.readTree(in);
    }
    try (LiveDaemon daemon = LiveDaemon.startWithHttp(dir)) {
      // Something stored, so that paths naming a checksum have one to answer for.
      HttpResponse<String> upload = send(daemon, "POST", "/api/v1/attestations/verify", LiveDaemon.TDX);
      assertEquals(200, upload.statusCode(), upload.body());

      HttpResponse<String> served = send(daemon, "GET", HttpApi.OPENAPI_PATH, null);
      assertEquals(200, served.statusCode());
      assertEquals(doc, JSON.readTree(served.body()), "the document served is the one in the jar");

      List<String> checked = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
        Map.Entry<String, JsonNode> path = paths.next();
        String concrete = path.getKey().replace("{checksum}", LiveDaemon.TDX_CHECKSUM);
        for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
          String method = methods.next().toUpperCase(Locale.ROOT);
          HttpResponse<String> r = send(daemon, method, concrete, method.equals("POST") ? LiveDaemon.TDX : null);
          JsonNode documented = path.getValue().get(method.toLowerCase(Locale.ROOT)).get("responses");
          assertTrue(documented.has(Integer.toString(r.statusCode())),
              method + " " + path.getKey() + " answered " + r.statusCode() + ", documented " + new TreeSet<>(names(documented)));
          assertTrue(r.statusCode() < 300, method + " " + concrete + ": " + r.statusCode() + " " + r.body());
          checked.add(method + " " + path.getKey());
        }
      }
      // The API's routes, each documented (a new route without a document fails here).
      for (String route : List.of("POST /api/v1/attestations/verify", "GET /api/v1/attestations/view/{checksum}",
          "GET /api/v1/attestations/collateral/{checksum}", "GET /api/v1/attestations/raw/{checksum}",
          "HEAD /api/v1/attestations/raw/{checksum}", "GET /api/v1/attestations/recent", "GET /api/v1/openapi.json",
          "GET /healthz", "GET /metrics", "GET /.well-known/jwks.json", "POST /api/v1/challenge", "GET /",
          "GET /reports/{checksum}")) {
        assertTrue(checked.contains(route), route + " is not in the OpenAPI document");
      }
    }
  }

  @Test
  void aClientOverItsRateIsAnswered429AsJson(@TempDir Path dir) throws Exception {
    try (LiveDaemon daemon = LiveDaemon.startWithHttp(dir, 5)) {
      int limited = 0;
      int ok = 0;
      // Requests as fast as one client can send them, until one is refused (at most 300: even at
      // 30 ms a request, far more than 5 a second).
      for (int i = 0; i < 300 && limited == 0; i++) {
        HttpResponse<String> r = send(daemon, "GET", "/healthz", null);
        if (r.statusCode() == 429) {
          limited++;
          assertEquals("RESOURCE_EXHAUSTED", JSON.readTree(r.body()).get("code").textValue());
          assertTrue(r.headers().firstValue("X-Request-Id").isPresent());
        } else {
          assertEquals(200, r.statusCode());
          ok++;
        }
      }
      assertTrue(ok >= 1, "the first requests are served");
      assertTrue(limited >= 1, "some requests over the rate are refused");
    }
  }

  private HttpResponse<String> send(LiveDaemon daemon, String method, String path, byte[] body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(daemon.httpUrl() + path)).timeout(Duration.ofSeconds(30));
    if (body != null) {
      b.header("Content-Type", "application/octet-stream").method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> names(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void noErrorBodyCarriesAStackTrace(@TempDir Path dir) throws Exception {
    try (LiveDaemon daemon = LiveDaemon.startWithHttp(dir)) {
      for (String[] call : new String[][] {{"GET", "/api/v1/attestations/view/zz"}, {"DELETE", "/api/v1/attestations/recent"},
          {"GET", "/api/v1/attestations/nothing"}, {"POST", "/metrics"}, {"GET", "/api/v1/attestations/view/%25%25"}}) {
        HttpResponse<String> r = send(daemon, call[0], call[1], null);
        assertTrue(r.statusCode() >= 400, call[1]);
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), r.body());
      }
    }
  }
}
