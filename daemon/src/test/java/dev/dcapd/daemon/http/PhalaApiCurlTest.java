package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.daemon.testing.LiveDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's curl commands against a real daemon's HTTP listener: Phala's paths, status codes,
 * headers, field names and value spellings, with dcapd's verdict. Runs Debian's curl.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PhalaApiCurlTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PHALA_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{6})?\\+00:00");
  /** A TD quote's REPORTDATA starts at header (48) + 520: changing it breaks the quote's signature. */
  private static final int TD_REPORTDATA = 48 + 520;

  @TempDir
  static Path dir;
  private LiveDaemon daemon;
  private Curl curl;
  private String api;
  private Path tdx;
  private Path forged;
  private String forgedChecksum;

  @BeforeAll
  void start() throws Exception {
    daemon = LiveDaemon.startWithHttp(dir);
    curl = new Curl(Files.createDirectories(dir.resolve("curl")));
    api = daemon.httpUrl() + "/api/v1/attestations/";
    tdx = Files.write(dir.resolve("quote.bin"), LiveDaemon.TDX);
    byte[] bad = LiveDaemon.TDX.clone();
    bad[TD_REPORTDATA] ^= 0x01;
    forged = Files.write(dir.resolve("forged.bin"), bad);
    forgedChecksum = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bad));
  }

  @AfterAll
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  @Order(1)
  void verifyAMultipartUpload() throws Exception {
    Curl.Result r = curl.run("-F", "file=@" + tdx, api + "verify");
    assertEquals(200, r.status(), r.text());
    assertEquals("application/json", r.header("content-type"));
    assertNotNull(r.header("x-request-id"));
    JsonNode j = JSON.readTree(r.body());
    assertTrue(j.get("success").booleanValue());
    assertEquals(LiveDaemon.TDX_CHECKSUM, j.get("checksum").textValue());
    assertTrue(j.get("can_download").booleanValue());
    assertTrue(PHALA_TIME.matcher(j.get("uploaded_at").textValue()).matches(), j.get("uploaded_at").textValue());
    assertTrue(PHALA_TIME.matcher(j.get("verified_at").textValue()).matches());
    JsonNode header = j.at("/quote/header");
    assertEquals(4, header.get("version").intValue());
    assertEquals("ECDSA_P256", header.get("ak_type").textValue());
    assertEquals("TEE_TDX", header.get("tee_type").textValue());
    assertEquals("0x939a7233f79c4ca9940a0db3957f0607", header.get("qe_vendor").textValue());
    assertTrue(header.get("user_data").textValue().matches("0x[0-9a-f]{40}"));
    JsonNode body = j.at("/quote/body");
    assertEquals("06010300000000000000000000000000", body.get("tee_tcb_svn").textValue());
    for (String f : new String[] {"mrseam", "mrsignerseam", "seamattributes", "tdattributes", "xfam", "mrtd", "mrconfig",
        "mrowner", "mrownerconfig", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "reportdata"}) {
      assertTrue(body.get(f).textValue().matches("0x[0-9a-f]+"), f);
    }
    assertTrue(j.at("/quote/cert_data").textValue().startsWith("-----BEGIN CERTIFICATE-----"));
    assertTrue(j.at("/quote/verified").booleanValue());
    JsonNode collateral = j.get("quote_collateral");
    for (String f : new String[] {"pck_crl_issuer_chain", "root_ca_crl", "pck_crl", "tcb_info_issuer_chain", "tcb_info",
        "tcb_info_signature", "qe_identity_issuer_chain", "qe_identity", "qe_identity_signature"}) {
      assertTrue(collateral.get(f).isTextual(), f);
    }
    assertEquals("UpToDate", j.at("/verdict/tcb_status").textValue());
    assertTrue(j.at("/verdict/failure").isNull());
    assertEquals("TEE_TDX", j.at("/verdict/tee_type").textValue());
    assertFalse(j.get("already_stored").booleanValue());
  }

  @Test
  @Order(2)
  void verifyHexAsJsonAndAsAFormFieldAnswersFromTheRecord() throws Exception {
    String hex = HexFormat.of().formatHex(LiveDaemon.TDX);
    Curl.Result json = curl.run("-H", "Content-Type: application/json", "--data-binary", "{\"hex\": \"0x" + hex + "\"}",
        api + "verify");
    assertEquals(200, json.status(), json.text());
    assertTrue(JSON.readTree(json.body()).get("already_stored").booleanValue());
    Curl.Result form = curl.run("--data-urlencode", "hex=" + hex, api + "verify");
    assertEquals(200, form.status(), form.text());
    assertEquals(LiveDaemon.TDX_CHECKSUM, JSON.readTree(form.body()).get("checksum").textValue());
  }

  @Test
  @Order(3)
  void aQuoteThatFailsIs400AndStillStored() throws Exception {
    Curl.Result r = curl.run("-F", "file=@" + forged, api + "verify");
    assertEquals(400, r.status(), r.text());
    JsonNode j = JSON.readTree(r.body());
    assertEquals("Quote verification failed", j.get("detail").textValue());
    assertEquals("INVALID_QUOTE_SIGNATURE", j.get("code").textValue());
    assertFalse(j.get("success").booleanValue());
    assertEquals(forgedChecksum, j.get("checksum").textValue());
    assertEquals("INVALID_QUOTE_SIGNATURE", j.at("/verdict/failure/code").textValue());

    Curl.Result view = curl.run(api + "view/" + forgedChecksum);
    assertEquals(200, view.status());
    assertFalse(JSON.readTree(view.body()).get("verified").booleanValue());
  }

  @Test
  @Order(4)
  void badUploadsAreRefusedWithTheirStatus() throws Exception {
    Path junk = Files.write(dir.resolve("junk.bin"), "not a quote at all".repeat(20).getBytes());
    Curl.Result unparsable = curl.run("-F", "file=@" + junk, api + "verify");
    assertEquals(422, unparsable.status(), unparsable.text());
    assertTrue(JSON.readTree(unparsable.body()).get("detail").textValue().startsWith("Invalid quote: malformed quote structure"));
    assertNoStackTrace(unparsable);

    Curl.Result badHex = curl.run("-H", "Content-Type: application/json", "--data-binary", "{\"hex\": \"0xzz\"}", api + "verify");
    assertEquals(400, badHex.status());
    assertEquals("INVALID_ARGUMENT", JSON.readTree(badHex.body()).get("code").textValue());

    Curl.Result both = curl.run("-F", "file=@" + tdx, "-F", "hex=00", api + "verify");
    assertEquals(400, both.status());

    Curl.Result nothing = curl.run("-X", "POST", api + "verify");
    assertEquals(400, nothing.status());

    Path huge = Files.write(dir.resolve("huge.bin"), new byte[200_000]);
    Curl.Result tooLarge = curl.run("--data-binary", "@" + huge, "-H", "Content-Type: application/octet-stream", api + "verify");
    assertEquals(413, tooLarge.status());
    assertEquals("RESOURCE_EXHAUSTED", JSON.readTree(tooLarge.body()).get("code").textValue());

    Curl.Result wrongMethod = curl.run(api + "verify");
    assertEquals(405, wrongMethod.status());
    assertEquals("POST", wrongMethod.header("allow"));
  }

  @Test
  @Order(5)
  void viewAStoredQuote() throws Exception {
    Curl.Result r = curl.run(api + "view/" + LiveDaemon.TDX_CHECKSUM);
    assertEquals(200, r.status(), r.text());
    JsonNode j = JSON.readTree(r.body());
    assertEquals("TEE_TDX", j.at("/header/tee_type").textValue());
    assertTrue(j.at("/body/mrtd").textValue().startsWith("0x91eb2b44"));
    assertTrue(j.get("cert_data").textValue().startsWith("-----BEGIN CERTIFICATE-----"));
    assertTrue(j.get("verified").booleanValue());
    assertEquals(LiveDaemon.TDX_CHECKSUM, j.get("checksum").textValue());
    assertTrue(j.get("can_download").booleanValue());
    assertTrue(PHALA_TIME.matcher(j.get("uploaded_at").textValue()).matches());
    assertEquals("UpToDate", j.at("/verdict/tcb_status").textValue());

    assertEquals(404, curl.run(api + "view/" + "0".repeat(64)).status());
    Curl.Result malformed = curl.run(api + "view/not-a-checksum");
    assertEquals(422, malformed.status());
    assertNoStackTrace(malformed);
  }

  @Test
  @Order(6)
  void collateralWithRevalidatingCacheHeadersAndConditionalGet() throws Exception {
    Curl.Result head = curl.run("-I", api + "collateral/" + LiveDaemon.TDX_CHECKSUM);
    assertEquals(200, head.status());
    // Not Phala's day of caching: which collateral a quote rests on changes with a re-appraisal,
    // so a cache must ask again, and the ETag names the collateral served (its content id).
    assertEquals("no-cache", head.header("cache-control"));
    assertEquals("no-cache", head.header("cdn-cache-control"));
    // Varies by encoding and, like every answer that may reflect a caller's Origin, by Origin.
    assertEquals(java.util.Set.of("origin", "accept-encoding"),
        java.util.Arrays.stream(head.header("vary").split(",")).map(v -> v.strip().toLowerCase(java.util.Locale.ROOT))
            .collect(java.util.stream.Collectors.toSet()), head.header("vary"));
    String etag = head.header("etag");
    assertTrue(etag.matches("\"[0-9a-f]{64}\"") && !etag.equals("\"" + LiveDaemon.TDX_CHECKSUM + "\""), etag);

    Curl.Result get = curl.run(api + "collateral/" + LiveDaemon.TDX_CHECKSUM);
    assertEquals(200, get.status());
    JsonNode c = JSON.readTree(get.body());
    assertTrue(c.get("tcb_info").textValue().startsWith("{"));
    assertTrue(c.get("pck_crl").textValue().matches("[0-9a-f]+"));

    Curl.Result again = curl.run("-H", "If-None-Match: " + etag, api + "collateral/" + LiveDaemon.TDX_CHECKSUM);
    assertEquals(304, again.status());
    assertEquals(0, again.body().length);
    assertEquals(404, curl.run(api + "collateral/" + "0".repeat(64)).status());
  }

  @Test
  @Order(7)
  void rawDownloadAndHead() throws Exception {
    Path out = dir.resolve("downloaded.bin");
    Curl.Result get = curl.run("-o", out.toString(), api + "raw/" + LiveDaemon.TDX_CHECKSUM);
    assertEquals(200, get.status());
    assertArrayEquals(LiveDaemon.TDX, Files.readAllBytes(out));
    assertEquals("application/octet-stream", get.header("content-type"));
    assertEquals("attachment; filename=" + LiveDaemon.TDX_CHECKSUM + ".bin", get.header("content-disposition"));
    assertEquals(Integer.toString(LiveDaemon.TDX.length), get.header("content-length"));

    Curl.Result head = curl.run("-I", api + "raw/" + LiveDaemon.TDX_CHECKSUM);
    assertEquals(200, head.status());
    assertEquals("application/octet-stream", head.header("content-type"));
    assertEquals(Integer.toString(LiveDaemon.TDX.length), head.header("content-length"));
    assertEquals(404, curl.run("-I", api + "raw/" + "0".repeat(64)).status());
  }

  @Test
  @Order(8)
  void recentNewestFirst() throws Exception {
    Curl.Result r = curl.run(api + "recent?skip=0&limit=20");
    assertEquals(200, r.status(), r.text());
    JsonNode list = JSON.readTree(r.body());
    assertEquals(2, list.size());
    assertEquals(forgedChecksum, list.get(0).get("checksum").textValue());
    assertEquals(0, list.get(0).get("verified").intValue());
    assertEquals(LiveDaemon.TDX_CHECKSUM, list.get(1).get("checksum").textValue());
    assertEquals(1, list.get(1).get("verified").intValue());
    assertTrue(list.get(1).get("created_at").textValue().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00"));

    Curl.Result first = curl.run(api + "recent?limit=1");
    assertEquals(1, JSON.readTree(first.body()).size());
    String token = first.header("x-next-page-token");
    assertNotNull(token);
    assertTrue(first.header("link").contains("rel=\"next\""));
    Curl.Result next = curl.run("-G", "--data-urlencode", "page_token=" + token, api + "recent");
    assertEquals(LiveDaemon.TDX_CHECKSUM, JSON.readTree(next.body()).get(0).get("checksum").textValue());

    assertEquals(422, curl.run(api + "recent?limit=abc").status());
    assertEquals(422, curl.run(api + "recent?skip=-1").status());
  }

  @Test
  @Order(9)
  void gzipCorsAndRequestIds() throws Exception {
    Curl.Result gz = curl.run("--compressed", api + "view/" + LiveDaemon.TDX_CHECKSUM);
    assertEquals("gzip", gz.header("content-encoding"));
    assertTrue(JSON.readTree(gz.body()).get("verified").booleanValue());

    Curl.Result cors = curl.run("-H", "Origin: https://explorer.example", api + "recent");
    assertEquals("https://explorer.example", cors.header("access-control-allow-origin"));

    Curl.Result id = curl.run("-H", "X-Request-Id: trace-42", api + "recent");
    assertEquals("trace-42", id.header("x-request-id"));
    Curl.Result missing = curl.run(daemon.httpUrl() + "/no/such/page");
    assertEquals(404, missing.status());
    assertNotNull(missing.header("x-request-id"));
    assertEquals("NOT_FOUND", JSON.readTree(missing.body()).get("code").textValue());
  }

  @Test
  @Order(10)
  void healthAndMetricsOnTheSamePort() throws Exception {
    Curl.Result health = curl.run(daemon.httpUrl() + "/healthz");
    assertEquals(200, health.status());
    Curl.Result metrics = curl.run(daemon.httpUrl() + "/metrics");
    assertEquals(200, metrics.status());
    assertTrue(metrics.text().contains("dcapd_verifications_total"), metrics.text());
  }

  private static void assertNoStackTrace(Curl.Result r) {
    assertFalse(r.text().contains("Exception") || r.text().contains("\tat ") || r.text().contains("at dev."), r.text());
  }
}
