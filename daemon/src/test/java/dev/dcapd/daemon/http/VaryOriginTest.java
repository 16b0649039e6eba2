package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.daemon.testing.LiveDaemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every answer that reflects the caller's {@code Origin} (CORS) says it varies by Origin, so no
 * shared cache hands one origin's copy to another: collateral (which also varies by encoding, and
 * once replaced the CORS handler's {@code Vary: Origin} with its own), view, recent and a report
 * page, and collateral's 304.
 */
class VaryOriginTest {
  private static final String ORIGIN = "https://a.example";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void everyAnswerThatReflectsTheOriginVariesByOrigin(@TempDir Path dir) throws Exception {
    try (LiveDaemon daemon = LiveDaemon.startWithHttp(dir)) {
      String base = daemon.httpUrl();
      HttpResponse<String> upload = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/attestations/verify"))
          .POST(HttpRequest.BodyPublishers.ofByteArray(LiveDaemon.TDX)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, upload.statusCode(), upload.body());
      String api = base + "/api/v1/attestations/";
      for (String url : List.of(api + "collateral/" + LiveDaemon.TDX_CHECKSUM, api + "view/" + LiveDaemon.TDX_CHECKSUM,
          api + "recent", base + "/reports/" + LiveDaemon.TDX_CHECKSUM)) {
        HttpResponse<String> r = get(url, null);
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        assertVariesByOrigin(url, r);
      }
      String collateral = api + "collateral/" + LiveDaemon.TDX_CHECKSUM;
      HttpResponse<String> c = get(collateral, null);
      assertTrue(vary(c).contains("accept-encoding"), "collateral still varies by encoding: " + vary(c));
      HttpResponse<String> notModified = get(collateral, c.headers().firstValue("etag").orElseThrow());
      assertEquals(304, notModified.statusCode());
      assertVariesByOrigin(collateral + " (304)", notModified);
    }
  }

  private static void assertVariesByOrigin(String url, HttpResponse<String> r) {
    assertEquals(ORIGIN, r.headers().firstValue("access-control-allow-origin").orElse(null), url + " reflects the origin");
    assertTrue(vary(r).contains("origin"), url + " reflects the Origin but says Vary " + vary(r));
  }

  /** Every Vary token, lower-case, over all Vary fields. */
  private static Set<String> vary(HttpResponse<String> r) {
    Set<String> out = new TreeSet<>();
    for (String v : r.headers().allValues("vary")) {
      for (String t : v.split(",")) {
        out.add(t.trim().toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  private HttpResponse<String> get(String url, String ifNoneMatch) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Origin", ORIGIN).header("Accept-Encoding", "gzip");
    if (ifNoneMatch != null) {
      b.header("If-None-Match", ifNoneMatch);
    }
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
