package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.daemon.Daemon;
import dev.dcapd.daemon.DaemonConfig;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import dev.dcapd.verifier.binding.ReportDataBinding;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.TeeType;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report pages against a real daemon's HTTP listener, as a browser without JavaScript uses
 * them: status codes, headers, what each page says, the upload form's redirect, and escaping of
 * what a quote's author controls. Each test uploads what it reads, so they run in any order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportPagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern ADVISORY_LINK =
      Pattern.compile("<a href=\"https://www\\.intel\\.com/content/www/us/en/security-center/advisory/(intel-sa-\\d+)\\.html\"[^>]*>(INTEL-SA-\\d+)</a>");

  @TempDir
  static Path dir;
  private LiveDaemon daemon;
  private HttpClient http;
  private String base;

  @BeforeAll
  void start() throws Exception {
    daemon = LiveDaemon.startWithHttp(dir);
    base = daemon.httpUrl();
    http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(TIMEOUT).build();
  }

  @AfterAll
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  void aQuoteThatVerifiesShowsItsStatusPlatformMeasurementsAndLinks() throws Exception {
    String checksum = uploadFile(LiveDaemon.TDX);
    assertEquals(LiveDaemon.TDX_CHECKSUM, checksum);
    HttpResponse<String> page = get("/reports/" + checksum);
    assertHtml(page, 200);
    String html = page.body();
    JsonNode view = JSON.readTree(get(PhalaApi.PREFIX + "view/" + checksum).body());

    assertTrue(html.contains("<p class=\"outcome\" id=\"outcome\">Verified</p>"), html);
    // UpToDate with no advisory under Intel's root: the plain green banner, no warnings.
    assertTrue(html.contains("<section class=\"verdict ok\" id=\"verdict\">"), html);
    assertFalse(html.contains("id=\"warnings\""), html);
    assertFalse(html.contains("id=\"insecure-root\""), html);
    assertTrue(html.contains("<strong id=\"tcb-status\">UpToDate</strong>"), html);
    assertFalse(html.contains("id=\"failure-code\""));
    assertEquals(view.at("/body/mrtd").textValue(), "0x" + text(html, "code", "m-mrtd"));
    for (int i = 0; i < 4; i++) {
      assertEquals(view.at("/body/rtmr" + i).textValue(), "0x" + text(html, "code", "m-rtmr" + i));
    }
    String fmspc = text(html, "code", "fmspc");
    assertTrue(fmspc.matches("[0-9a-f]{12}"), fmspc);
    assertEquals(view.at("/verdict/fmspc").textValue(), "0x" + fmspc);
    assertEquals("TDX", text(html, "dd", "tee"));
    // Its report_data is a hash: shown as hex, not as text.
    assertEquals(view.at("/body/reportdata").textValue(), "0x" + text(html, "code", "report-data-hex"));
    assertFalse(html.contains("id=\"report-data-text\""));
    assertTrue(html.contains("href=\"/api/v1/attestations/raw/" + checksum + "\""));
    assertTrue(html.contains("href=\"/api/v1/attestations/collateral/" + checksum + "\""));
    assertTrue(html.contains("href=\"/api/v1/attestations/view/" + checksum + "\""));
    // The collateral's validity: both windows cover now, and now is marked on the drawing.
    assertTrue(html.contains("<svg class=\"timeline\""));
    assertTrue(html.contains("class=\"tl-mark tl-now\""), html);
    assertEquals(2, count(html, "<span class=\"badge ok\">valid now</span>"), html);
    // The first verdict, in the history.
    assertTrue(html.matches("(?s).*<td>—</td><td>UpToDate</td><td>uploaded</td>.*"), html);
    for (String link : List.of("/api/v1/attestations/raw/", "/api/v1/attestations/collateral/", "/api/v1/attestations/view/")) {
      assertEquals(200, get(link + checksum).statusCode(), link);
    }
  }

  @Test
  void advisoriesLinkToIntelsPages() throws Exception {
    String checksum = uploadHexForm(HexFormat.of().formatHex(LiveDaemon.SGX));
    String html = get("/reports/" + checksum).body();
    JsonNode view = JSON.readTree(get(PhalaApi.PREFIX + "view/" + checksum).body());
    assertEquals(view.at("/verdict/tcb_status").textValue(), text(html, "strong", "tcb-status"));
    assertTrue(view.at("/verdict/advisory_ids").size() > 0, "dcap-qvl's SGX quote has advisories");
    // Accepted, ConfigurationAndSWHardeningNeeded with advisories: verified with warnings, amber, naming them.
    assertTrue(view.at("/verdict/success").booleanValue());
    assertTrue(html.contains("<section class=\"verdict warn\" id=\"verdict\">"), html);
    assertTrue(html.contains("<p class=\"outcome\" id=\"outcome\">Verified with warnings</p>"), html);
    assertTrue(html.contains("<title>Verified with warnings · "), html);
    String warnings = text(html, "p", "warnings");
    assertTrue(warnings.contains("<code>" + view.at("/verdict/tcb_status").textValue() + "</code>"), warnings);
    for (JsonNode id : view.at("/verdict/advisory_ids")) {
      assertTrue(warnings.contains("<code>" + id.textValue() + "</code>"), warnings);
    }
    for (JsonNode id : view.at("/verdict/advisory_ids")) {
      Matcher m = ADVISORY_LINK.matcher(html);
      boolean found = false;
      while (m.find()) {
        found |= m.group(2).equals(id.textValue()) && m.group(1).equals(id.textValue().toLowerCase());
      }
      assertTrue(found, "a link to " + id.textValue() + " in " + html);
    }
    assertEquals(view.at("/body/mrenclave").textValue(), "0x" + text(html, "code", "m-mrenclave"));
    assertEquals(view.at("/body/mrsigner").textValue(), "0x" + text(html, "code", "m-mrsigner"));
    assertEquals("SGX", text(html, "dd", "tee"));
  }

  @Test
  void aForgedQuoteShowsItIsNotVerifiedAndWhy() throws Exception {
    byte[] forged = PageQuotes.forgedTdx();
    String checksum = uploadFile(forged);
    assertEquals(PageQuotes.checksum(forged), checksum);
    HttpResponse<String> page = get("/reports/" + checksum);
    assertHtml(page, 200);
    String html = page.body();
    assertTrue(html.contains("<p class=\"outcome\" id=\"outcome\">Not verified</p>"), html);
    assertEquals("INVALID_QUOTE_SIGNATURE", text(html, "code", "failure-code"));
    assertTrue(html.contains(PlainWords.failure("INVALID_QUOTE_SIGNATURE").replace("'", "&#39;")), html);
    assertTrue(html.contains("id=\"failure-message\""));
    assertTrue(html.contains("<section class=\"verdict bad\""));
    assertFalse(html.contains("id=\"warnings\""), "a quote that did not verify has no warnings, it has a failure");
    assertTrue(html.contains("href=\"/api/v1/attestations/raw/" + checksum + "\""));
    assertTrue(html.contains("href=\"/api/v1/attestations/view/" + checksum + "\""));
  }

  @Test
  void whatAQuotesAuthorWroteIsEscaped() throws Exception {
    String script = "<script>alert('dcapd')</script>&";
    String checksum = uploadFile(PageQuotes.tdxWithReportData(script.getBytes(StandardCharsets.US_ASCII)));
    String html = get("/reports/" + checksum).body();
    assertEquals("&lt;script&gt;alert(&#39;dcapd&#39;)&lt;/script&gt;&amp;", text(html, "code", "report-data-text"));
    assertFalse(html.contains("<script>alert"), html);
    // The page's own script is the upload page's, from this server: the report has none.
    assertFalse(html.contains("<script"), html);
  }

  @Test
  void aKeyBindingInReportDataIsDecoded() throws Exception {
    Bytes key = Bytes.of(HexFormat.of().parseHex("11".repeat(32) + "22".repeat(32)));
    Bytes reportData = ReportDataBinding.encode(KeyType.P256, key, Optional.of(Bytes.of("nonce".getBytes(StandardCharsets.US_ASCII))));
    String checksum = uploadFile(PageQuotes.tdxWithReportData(reportData.toByteArray()));
    String html = get("/reports/" + checksum).body();
    assertTrue(html.contains("<code>dcapdbv1</code>"), html);
    assertEquals(ReportDataBinding.keyId(KeyType.P256, key).hex(), text(html, "code", "binding-key-id"));
    assertTrue(html.contains(ReportDataBinding.nonceHash(Bytes.of("nonce".getBytes(StandardCharsets.US_ASCII))).hex()));
    assertEquals(reportData.hex(), text(html, "code", "report-data-hex"));
  }

  @Test
  void unknownAndMalformedChecksumsAreHtmlErrorPages() throws Exception {
    HttpResponse<String> unknown = get("/reports/" + "ab".repeat(32));
    assertHtml(unknown, 404);
    assertTrue(unknown.body().contains("no quote with checksum " + "ab".repeat(32)), unknown.body());
    assertNoStackTrace(unknown.body());
    HttpResponse<String> malformed = get("/reports/not-a-checksum");
    assertHtml(malformed, 422);
    assertNoStackTrace(malformed.body());
    assertHtml(get("/reports/" + LiveDaemon.TDX_CHECKSUM + "/more"), 404);
    assertHtml(get("/reports/"), 404);
  }

  @Test
  void theUploadPageTakesAFileOrHexAndListsRecentQuotes() throws Exception {
    String tdx = uploadFile(LiveDaemon.TDX);
    String forged = uploadFile(PageQuotes.forgedTdx());
    String sgx = uploadFile(LiveDaemon.SGX);
    HttpResponse<String> home = get("/");
    assertHtml(home, 200);
    String html = home.body();
    assertTrue(html.contains("<form class=\"upload\" id=\"upload\" method=\"post\" action=\"/reports\" enctype=\"multipart/form-data\">"));
    assertTrue(html.contains("<input type=\"file\" id=\"file\" name=\"file\">"));
    assertTrue(html.contains("<textarea id=\"hex\" name=\"hex\""));
    assertTrue(html.contains("<script src=\"/static/upload.js\" defer></script>"));
    String tdxRow = row(html, tdx);
    assertTrue(tdxRow.contains("<span class=\"badge ok\">verified</span> UpToDate"), tdxRow);
    String forgedRow = row(html, forged);
    assertTrue(forgedRow.contains("<span class=\"badge bad\">not verified</span> INVALID_QUOTE_SIGNATURE"), forgedRow);
    String sgxRow = row(html, sgx);
    assertTrue(sgxRow.contains("<span class=\"badge warn\">verified with warnings</span> ConfigurationAndSWHardeningNeeded"),
        sgxRow);
  }

  @Test
  void olderQuotesAreAPageAway() throws Exception {
    for (int i = 0; i < 25; i++) {
      uploadFile(PageQuotes.tdxWithReportData(("older quote " + i).getBytes(StandardCharsets.US_ASCII)));
    }
    String first = get("/").body();
    Matcher older = Pattern.compile("<a href=\"(/\\?after=[^\"]+)\">Older quotes</a>").matcher(first);
    assertTrue(older.find(), first);
    List<String> firstPage = checksums(first);
    assertEquals(20, firstPage.size());
    HttpResponse<String> next = get(older.group(1).replace("&amp;", "&"));
    assertHtml(next, 200);
    List<String> nextPage = checksums(next.body());
    assertFalse(nextPage.isEmpty(), next.body());
    for (String c : nextPage) {
      assertFalse(firstPage.contains(c), c + " is on both pages");
    }
  }

  @Test
  void badUploadsShowTheFormAgainWithWhy() throws Exception {
    HttpResponse<String> notHex = post("/reports", "application/x-www-form-urlencoded",
        ("hex=" + URLEncoder.encode("zz<b>", StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII));
    assertHtml(notHex, 400);
    assertEquals("the quote is not valid hex", text(notHex.body(), "p", "upload-error"));
    assertTrue(notHex.body().contains("id=\"upload\""));

    HttpResponse<String> nothing = postMultipart(new byte[0], "");
    assertHtml(nothing, 400);
    assertTrue(text(nothing.body(), "p", "upload-error").startsWith("no quote"), nothing.body());

    HttpResponse<String> both = postMultipart(LiveDaemon.TDX, HexFormat.of().formatHex(LiveDaemon.TDX));
    assertHtml(both, 400);

    HttpResponse<String> junk = postMultipart("not a quote at all".repeat(20).getBytes(StandardCharsets.US_ASCII), "");
    assertHtml(junk, 422);
    assertTrue(text(junk.body(), "p", "upload-error").startsWith("Invalid quote: malformed quote structure"), junk.body());
    assertNoStackTrace(junk.body());

    HttpResponse<String> tooLarge = postMultipart(new byte[200_000], "");
    assertHtml(tooLarge, 413);
  }

  @Test
  void headersKeepThePagesToThisServer() throws Exception {
    HttpResponse<String> home = get("/");
    String csp = home.headers().firstValue("content-security-policy").orElseThrow();
    assertTrue(csp.startsWith("default-src 'self';"), csp);
    assertTrue(csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("nosniff", home.headers().firstValue("x-content-type-options").orElseThrow());
    assertFalse(home.body().matches("(?s).*(src|href)=\"(https?:)?//.*"), "nothing is loaded from another host");

    HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(base + "/")).timeout(TIMEOUT)
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, head.statusCode());
    assertEquals("text/html; charset=utf-8", head.headers().firstValue("content-type").orElseThrow());
    assertEquals("", head.body());

    HttpResponse<String> css = get(ReportPages.STYLESHEET);
    assertEquals(200, css.statusCode());
    assertEquals("text/css; charset=utf-8", css.headers().firstValue("content-type").orElseThrow());
    assertTrue(css.body().contains(".verdict"));
    HttpResponse<String> js = get(ReportPages.SCRIPT);
    assertEquals(200, js.statusCode());
    assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("content-type").orElseThrow());
  }

  @Test
  void otherPathsAndMethodsAreNotThePages() throws Exception {
    HttpResponse<String> none = get("/no/such/page");
    assertEquals(404, none.statusCode());
    assertEquals("application/json", none.headers().firstValue("content-type").orElseThrow());
    assertEquals("NOT_FOUND", JSON.readTree(none.body()).get("code").textValue());

    HttpResponse<String> postHome = post("/", "text/plain", new byte[] {1});
    assertHtml(postHome, 405);
    assertEquals("GET, HEAD", postHome.headers().firstValue("allow").orElseThrow());
    HttpResponse<String> getUpload = get("/reports");
    assertHtml(getUpload, 405);
    assertEquals("POST", getUpload.headers().firstValue("allow").orElseThrow());
    assertHtml(get("/?after=" + URLEncoder.encode("not a token", StandardCharsets.UTF_8)), 422);
    // The JSON API is still the API's.
    assertEquals("application/json", get("/healthz").headers().firstValue("content-type").orElseThrow());
  }

  /**
   * Issue 28: under --insecure-trust-root a verified quote's page was green and said "Verified".
   * Whatever the verdict, a page under a non-Intel root says "Insecure test root" in its own colour.
   */
  @Test
  void underAnInsecureRootThePageSaysSoInItsOwnColour(@TempDir Path other) throws Exception {
    // One platform, one PKI: an OutOfDate TD the policy accepts, and a debug one it refuses.
    ForgedCase outOfDate = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).tcbStatus(TcbStatus.OUT_OF_DATE).build());
    ForgedCase debug = Forge.forge(outOfDate.spec().toBuilder().debug(true).build());
    assertEquals(outOfDate.collateral().toJson(), debug.collateral().toJson());
    try (Daemon insecure = forgedDaemon(other, outOfDate,
        "{\"name\": \"lenient\", \"tcb_status\": [\"UpToDate\", \"OutOfDate\"]}")) {
      String root = "http://127.0.0.1:" + insecure.httpAddress().orElseThrow().getPort();
      for (ForgedCase c : List.of(outOfDate, debug)) {
        HttpResponse<String> verify = http.send(HttpRequest.newBuilder(URI.create(root + PhalaApi.PREFIX + "verify"))
            .timeout(TIMEOUT).header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(c.quoteBytes())).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode v = JSON.readTree(verify.body());
        assertTrue(v.at("/verdict/insecure_root").booleanValue(), verify.body());
        boolean verified = c != debug;
        assertEquals(verified, v.at("/verdict/success").booleanValue(), verify.body());
        assertEquals(verified ? 200 : 400, verify.statusCode());
        assertEquals("lenient+insecure-trust-root", v.at("/verdict/policy/name").textValue());

        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(root + "/reports/"
            + v.get("checksum").textValue())).timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertHtml(page, 200);
        String html = page.body();
        assertTrue(html.contains("<section class=\"verdict insecure\" id=\"verdict\">"), html);
        assertTrue(html.contains("<p class=\"outcome\" id=\"outcome\">Insecure test root</p>"), html);
        assertTrue(html.contains("<title>Insecure test root · "), html);
        assertFalse(html.contains("class=\"verdict ok\""), html);
        assertFalse(html.contains(">Verified</p>"), html);
        assertTrue(text(html, "p", "insecure-root").endsWith("<strong>" + (verified ? "verified" : "did not verify")
            + "</strong>."), html);
        assertTrue(html.contains("lenient+insecure-trust-root"), "the policy's name on the page says which options");
        // An accepted OutOfDate verdict still names its warnings.
        assertEquals(c == outOfDate, html.contains("id=\"warnings\""), html);
        // The upload page's list says the same in small.
        String home = http.send(HttpRequest.newBuilder(URI.create(root + "/")).timeout(TIMEOUT).GET().build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(row(home, v.get("checksum").textValue()).contains("<span class=\"badge insecure\">"
            + (verified ? "verified under an insecure test root" : "not verified, insecure test root") + "</span>"), home);
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /**
   * A daemon with HTTP on 127.0.0.1 trusting a forged PKI's root (--insecure-trust-root), holding
   * the forged platform's collateral, judging by {@code policy}; its clock at the forge's instant.
   */
  static Daemon forgedDaemon(Path dir, ForgedCase c, String policy) throws Exception {
    Path rootPem = Files.writeString(dir.resolve("root.pem"), c.rootPem(), StandardCharsets.US_ASCII);
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(collateral.resolve("platform.json"), c.collateral().toJson(), StandardCharsets.UTF_8);
    Path file = Files.writeString(dir.resolve("policy.json"), policy);
    DaemonConfig config = new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(),
        dir.resolve("data"), List.of(), Optional.of(collateral), Optional.of(rootPem), Optional.empty(), false,
        Optional.empty(), 2, 64, 1 << 17, 16 << 20, Duration.ofSeconds(5), Duration.ofSeconds(1))
        .withPolicy(Optional.of(file), false)
        .withHttp(Optional.of(new HttpSettings(new InetSocketAddress("127.0.0.1", 0), 1000)));
    return Daemon.start(TestStores.on(config), Clock.fixed(c.spec().at(), ZoneOffset.UTC));
  }


  /** Uploads as the form does with a file chosen (and the textarea left empty): 303 to the report. */
  private String uploadFile(byte[] quote) throws Exception {
    return reportOf(postMultipart(quote, ""));
  }

  private String uploadHexForm(String hex) throws Exception {
    return reportOf(post("/reports", "application/x-www-form-urlencoded",
        ("hex=" + URLEncoder.encode(hex, StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII)));
  }

  private static String reportOf(HttpResponse<String> r) {
    assertEquals(303, r.statusCode(), r.body());
    String location = r.headers().firstValue("location").orElseThrow();
    Matcher m = Pattern.compile("(?:https?://[^/]+)?/reports/([0-9a-f]{64})").matcher(location);
    assertTrue(m.matches(), location);
    return m.group(1);
  }

  /** A multipart form as a browser sends it: the file part and the hex part, either maybe empty. */
  private HttpResponse<String> postMultipart(byte[] file, String hex) throws Exception {
    String boundary = "----dcapd" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
        + (file.length == 0 ? "" : "quote.bin") + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    body.writeBytes(file);
    body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"hex\"\r\n\r\n" + hex
        + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    return post("/reports", "multipart/form-data; boundary=" + boundary, body.toByteArray());
  }

  private HttpResponse<String> post(String path, String type, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertHtml(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("text/html; charset=utf-8", r.headers().firstValue("content-type").orElseThrow());
    assertTrue(r.body().startsWith("<!DOCTYPE html>"), r.body());
    assertTrue(r.headers().firstValue("content-security-policy").isPresent());
  }

  private static void assertNoStackTrace(String html) {
    assertFalse(html.contains("Exception"), html);
    assertFalse(html.matches("(?s).*\\bat (dev|org|java)\\..*"), html);
  }

  /** The text of the element {@code <tag ... id="id" ...>}, as it stands in the HTML (escaped). */
  private static String text(String html, String tag, String id) {
    Matcher m = Pattern.compile("<" + tag + "\\b[^>]*\\bid=\"" + Pattern.quote(id) + "\"[^>]*>(.*?)</" + tag + ">",
        Pattern.DOTALL).matcher(html);
    assertTrue(m.find(), "no <" + tag + " id=\"" + id + "\"> in " + html);
    return m.group(1).trim();
  }

  /** The recent list's row for a checksum, tags between cells joined up. */
  private static String row(String html, String checksum) {
    Matcher m = Pattern.compile("<tr>((?:(?!</tr>).)*?/reports/" + checksum + "\".*?)</tr>", Pattern.DOTALL).matcher(html);
    assertTrue(m.find(), "no row for " + checksum + " in " + html);
    return m.group(1).replaceAll("\\s*\n\\s*", "");
  }

  /** The checksums the recent list links to, in its order. */
  private static List<String> checksums(String html) {
    Matcher m = Pattern.compile("<td><a href=\"/reports/([0-9a-f]{64})\">").matcher(html);
    List<String> out = new java.util.ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
