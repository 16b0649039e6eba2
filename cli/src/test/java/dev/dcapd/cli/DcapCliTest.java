package dev.dcapd.cli;

import static dev.dcapd.daemon.testing.LiveDaemon.TDX;
import static dev.dcapd.daemon.testing.LiveDaemon.TDX_CHECKSUM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.client.DcapClient;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.QuoteLayout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dcap CLI's remote commands end to end against a live daemon: output for people, JSON, exit
 * codes. The JSON is compared with what the same daemon's HTTP API answers, so that one parser
 * reads both.
 */
class DcapCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern PHALA_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{6})?\\+00:00");
  private static final Pattern BARE_HEX = Pattern.compile("[0-9a-f]+");
  private static final Pattern HEX_0X = Pattern.compile("0x[0-9a-f]+");
  @TempDir static Path dir;
  private static LiveDaemon daemon;
  /** dcap-qvl tdx_quote with one byte of its quote signature changed: parses, verifies, is rejected. */
  private static final byte[] BAD_SIGNATURE = badSignature();

  record Result(int exit, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    daemon = LiveDaemon.startWithHttp(dir);
    try (DcapClient client = DcapClient.builder(daemon.target()).build()) {
      assertTrue(client.verify(TDX).success());
      // A second record, so that a page of one has a next page.
      assertTrue(client.verify(LiveDaemon.SGX).success());
    }
  }

  @AfterAll
  static void stop() {
    daemon.close();
  }

  private static byte[] badSignature() {
    byte[] q = TDX.clone();
    // Header, TD report 1.0, then the 4-byte signature data length; the quote signature follows.
    q[QuoteLayout.HEADER_SIZE + QuoteLayout.TD_REPORT_10_SIZE + QuoteLayout.AUTH_DATA_SIZE_FIELD] ^= 1;
    return q;
  }

  private static Result dcap(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Dcap.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(exit, out.toString(), err.toString());
  }

  private static Result with(BiFunction<PrintWriter, PrintWriter, Integer> body) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = body.apply(new PrintWriter(out), new PrintWriter(err));
    return new Result(exit, out.toString(), err.toString());
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  /** The same daemon's HTTP API answer under {@code /api/v1/attestations/}: GET, or POST of a body. */
  private static JsonNode http(String path, byte[] post) throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(daemon.httpUrl() + "/api/v1/attestations/" + path));
    if (post != null) {
      req.header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(post));
    }
    HttpResponse<String> r = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  /** Phala's spellings in a TD quote's {@code header} and {@code body}, as the HTTP API writes them. */
  private static void assertPhalaTdQuote(JsonNode quote) {
    assertEquals(4, quote.at("/header/version").intValue(), quote.toString());
    assertEquals("ECDSA_P256", quote.at("/header/ak_type").textValue());
    assertEquals("TEE_TDX", quote.at("/header/tee_type").textValue());
    assertTrue(HEX_0X.matcher(quote.at("/header/qe_vendor").textValue()).matches(), quote.toString());
    String svn = quote.at("/body/tee_tcb_svn").textValue();
    assertTrue(BARE_HEX.matcher(svn).matches() && svn.length() == 32, svn);
    assertTrue(quote.at("/body/mrtd").textValue().startsWith("0x91eb2b44"), quote.toString());
    assertTrue(HEX_0X.matcher(quote.at("/body/reportdata").textValue()).matches(), quote.toString());
    assertTrue(quote.at("/body/mrTd").isMissingNode() && quote.at("/body/mrenclave").isMissingNode(), quote.toString());
  }

  /** dcapd's verdict of the TDX vector, spelled as the offline verdict and the HTTP API spell it. */
  private static void assertTdxVerdict(JsonNode verdict) {
    assertTrue(verdict.get("success").booleanValue(), verdict.toString());
    assertEquals("UpToDate", verdict.get("tcb_status").textValue());
    assertTrue(verdict.get("failure").isNull());
    assertEquals(TDX_CHECKSUM, verdict.get("checksum").textValue());
    assertEquals("TEE_TDX", verdict.get("tee_type").textValue());
    assertEquals("0xb0c06f000000", verdict.get("fmspc").textValue());
  }

  private static ServerOptions remote() {
    return ServerOptions.of(daemon.target(), null, Duration.ofSeconds(30));
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void assertOneLine(Result r, int exit) {
    assertEquals(exit, r.exit(), r.err());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().startsWith("dcap: "), r.err());
  }

  @Test
  void getForPeopleAndForScripts() throws Exception {
    Result human = dcap("--server", daemon.target(), "get", TDX_CHECKSUM);
    assertEquals(0, human.exit(), human.err());
    assertTrue(human.out().contains("checksum     " + TDX_CHECKSUM), human.out());
    assertTrue(human.out().contains("verified     yes"), human.out());
    assertTrue(human.out().contains("tcb status   UpToDate"), human.out());
    assertTrue(human.out().contains("advisories   none"), human.out());
    assertTrue(human.out().contains("tee          TDX (quote v4)"), human.out());
    assertTrue(human.out().contains("mrtd         91eb2b44"), human.out());
    assertTrue(human.out().contains("rtmr3"), human.out());

    Result json = dcap("--server", daemon.target(), "get", "--json", TDX_CHECKSUM);
    assertEquals(0, json.exit(), json.err());
    JsonNode g = json(json.out());
    assertEquals(TDX_CHECKSUM, g.get("checksum").textValue());
    assertTrue(g.get("can_download").booleanValue());
    assertTrue(g.get("verified").booleanValue());
    assertTrue(PHALA_TIME.matcher(g.get("uploaded_at").textValue()).matches(), g.toString());
    assertPhalaTdQuote(g);
    assertTdxVerdict(g.get("verdict"));
    assertEquals(http("view/" + TDX_CHECKSUM, null), g);

    assertOneLine(dcap("--server", daemon.target(), "get", "ab".repeat(32)), 2);
    assertOneLine(dcap("--server", daemon.target(), "get", "not-a-checksum"), 2);
    assertOneLine(dcap("get", TDX_CHECKSUM), 2);
  }

  @Test
  void rawDownloadsTheExactBytesAndHeadSaysWhetherStored() throws Exception {
    Path file = dir.resolve("raw.bin");
    Result r = dcap("--server", daemon.target(), "raw", TDX_CHECKSUM, "-o", file.toString());
    assertEquals(0, r.exit(), r.err());
    assertArrayEquals(TDX, Files.readAllBytes(file));

    Result head = dcap("--server", daemon.target(), "raw", "--head", TDX_CHECKSUM);
    assertEquals(0, head.exit());
    assertEquals("stored, 5006 bytes", head.out().strip());
    // HTTP HEAD answers with headers only: the JSON says what they say.
    JsonNode stat = new ObjectMapper().readTree(dcap("--server", daemon.target(), "raw", "--head", "--json", TDX_CHECKSUM).out());
    assertTrue(stat.get("exists").booleanValue());
    assertEquals(5006, stat.get("size").intValue());

    Result missing = dcap("--server", daemon.target(), "raw", "--head", "cd".repeat(32));
    assertEquals(2, missing.exit());
    assertEquals("not stored", missing.out().strip());
    assertOneLine(dcap("--server", daemon.target(), "raw", "cd".repeat(32), "-o", dir.resolve("x").toString()), 2);
    assertOneLine(dcap("--server", daemon.target(), "raw", TDX_CHECKSUM), 2);
  }

  @Test
  void recentListsAndPages() throws Exception {
    Result r = dcap("--server", daemon.target(), "recent", "--limit", "10");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.contains(TDX_CHECKSUM) && l.contains("TDX")), r.out());

    Result all = dcap("--server", daemon.target(), "recent", "--json", "--limit", "10");
    assertEquals(0, all.exit(), all.err());
    assertEquals("", all.err());
    JsonNode list = json(all.out());
    assertTrue(list.isArray(), all.out());
    assertEquals(http("recent?limit=10", null), list);
    JsonNode tdx = null;
    for (JsonNode item : list) {
      if (TDX_CHECKSUM.equals(item.get("checksum").textValue())) {
        tdx = item;
      }
    }
    assertTrue(tdx != null, all.out());
    assertEquals(1, tdx.get("verified").intValue());
    assertTrue(tdx.get("verified").isInt());
    assertEquals("TEE_TDX", tdx.get("tee_type").textValue());
    assertEquals("UpToDate", tdx.get("tcb_status").textValue());
    assertTrue(PHALA_TIME.matcher(tdx.get("created_at").textValue()).matches(), tdx.toString());

    Result first = dcap("--server", daemon.target(), "recent", "--json", "--skip", "0", "--limit", "1");
    assertEquals(0, first.exit(), first.err());
    assertEquals(1, json(first.out()).size(), first.out());
    assertEquals(list.get(0), json(first.out()).get(0));
    List<String> more = first.errLines();
    assertEquals(1, more.size(), first.err());
    assertTrue(more.get(0).startsWith(RecentCommand.MORE), first.err());
    String token = more.get(0).substring(RecentCommand.MORE.length());
    Result next = dcap("--server", daemon.target(), "recent", "--json", "--limit", "1", "--page-token", token);
    assertEquals(0, next.exit(), next.err());
    assertEquals(list.get(1), json(next.out()).get(0));
    assertEquals(http("recent?limit=1&page_token=" + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8), null),
        json(next.out()));

    Result withQuotes = dcap("--server", daemon.target(), "recent", "--json", "--quotes", "--limit", "10");
    assertEquals(0, withQuotes.exit(), withQuotes.err());
    for (JsonNode item : json(withQuotes.out())) {
      if (TDX_CHECKSUM.equals(item.get("checksum").textValue())) {
        assertPhalaTdQuote(item);
      }
    }
    assertOneLine(dcap("--server", daemon.target(), "recent", "--skip", "1", "--page-token", "x"), 2);
  }

  @Test
  void collateralOfAStoredQuote() throws Exception {
    CollateralRemoteCommand.Args args = new CollateralRemoteCommand.Args();
    args.checksum = TDX_CHECKSUM;
    args.output = dir.resolve("collateral.json");
    Result human = with((out, err) -> CollateralRemoteCommand.run(remote(), args, out, err));
    assertEquals(0, human.exit(), human.err());
    assertTrue(human.out().contains("tcb info     TDX v3, fmspc B0C06F000000"), human.out());
    QuoteCollateral written = QuoteCollateral.fromJson(Files.readString(args.output));
    QuoteCollateral expected = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    assertEquals(expected.tcbInfo(), written.tcbInfo());

    JsonNode file = JSON.readTree(Files.readString(args.output));
    args.output = null;
    args.json = true;
    Result json = with((out, err) -> CollateralRemoteCommand.run(remote(), args, out, err));
    assertEquals(0, json.exit(), json.err());
    JsonNode c = json(json.out());
    assertEquals(http("collateral/" + TDX_CHECKSUM, null), c);
    assertEquals(file, c);
    assertEquals(expected.tcbInfo(), QuoteCollateral.fromJson(json.out()).tcbInfo());
    assertTrue(BARE_HEX.matcher(c.get("root_ca_crl").textValue()).matches(), json.out());

    args.checksum = "ef".repeat(32);
    assertOneLine(with((out, err) -> CollateralRemoteCommand.run(remote(), args, out, err)), 2);
  }

  @Test
  void verifyOneFileOrManyWithProgressAndATable() throws Exception {
    Path good = Files.write(dir.resolve("good.bin"), TDX);
    Path hex = Files.writeString(dir.resolve("good.hex"), "0x" + java.util.HexFormat.of().formatHex(TDX));
    Path bad = Files.write(dir.resolve("bad-signature.bin"), BAD_SIGNATURE);
    Path garbage = Files.write(dir.resolve("garbage.bin"), new byte[] {1, 2, 3});
    Path missing = dir.resolve("missing.bin");

    Result one = with((out, err) -> RemoteVerify.run(remote(), List.of(good), false, out, err));
    assertEquals(0, one.exit(), one.err());
    assertTrue(one.out().contains("verified     yes"), one.out());
    Result oneJson = with((out, err) -> RemoteVerify.run(remote(), List.of(hex), true, out, err));
    assertEquals(0, oneJson.exit());
    JsonNode v = json(oneJson.out());
    assertEquals(TDX_CHECKSUM, v.get("checksum").textValue());
    assertTrue(v.get("success").booleanValue());
    assertTrue(v.get("already_stored").booleanValue());
    assertTrue(PHALA_TIME.matcher(v.get("verified_at").textValue()).matches(), v.toString());
    assertPhalaTdQuote(v.get("quote"));
    assertTdxVerdict(v.get("verdict"));
    assertEquals(http("verify", TDX), v);

    Result rejected = with((out, err) -> RemoteVerify.run(remote(), List.of(bad), false, out, err));
    assertEquals(1, rejected.exit(), rejected.err());
    assertTrue(rejected.out().contains("verified     no: INVALID_QUOTE_SIGNATURE"), rejected.out());

    Result twoRejected = with((out, err) -> RemoteVerify.run(remote(), List.of(good, bad), false, out, err));
    assertEquals(1, twoRejected.exit());
    assertTrue(twoRejected.err().contains("verify: 2/2 done"), twoRejected.err());
    assertTrue(twoRejected.err().contains("1 failed"), twoRejected.err());
    assertTrue(twoRejected.out().contains("2 files: 1 verified, 1 rejected, 0 errors"), twoRejected.out());

    Result mixed = with((out, err) -> RemoteVerify.run(remote(), List.of(good, bad, garbage, missing, hex), false, out, err));
    assertEquals(2, mixed.exit(), mixed.err());
    List<String> table = mixed.out().lines().toList();
    assertEquals("FILE", table.get(0).split("\\s+")[0]);
    assertTrue(table.get(1).contains("verified UpToDate"), mixed.out());
    assertTrue(table.get(2).contains("rejected INVALID_QUOTE_SIGNATURE"), mixed.out());
    assertTrue(table.get(3).contains("error: QUOTE_TRUNCATED") || table.get(3).contains("error: QUOTE_MALFORMED"), mixed.out());
    assertTrue(table.get(4).contains("error:") && table.get(4).contains("no such file"), mixed.out());
    assertTrue(table.get(5).contains("verified UpToDate"), mixed.out());
    assertEquals("5 files: 2 verified, 1 rejected, 2 errors", table.get(6));

    Result manyJson = with((out, err) -> RemoteVerify.run(remote(), List.of(good, bad), true, out, err));
    assertEquals(1, manyJson.exit(), manyJson.err());
    List<JsonNode> answers = JSON.readerFor(JsonNode.class).<JsonNode>readValues(manyJson.out()).readAll();
    assertEquals(2, answers.size(), manyJson.out());
    assertTdxVerdict(answers.get(0).get("verdict"));
    assertPhalaTdQuote(answers.get(1).get("quote"));
    assertFalse(answers.get(1).get("success").booleanValue());
    assertEquals("INVALID_QUOTE_SIGNATURE", answers.get(1).at("/verdict/failure/code").textValue());
    assertEquals("UNTRUSTED", answers.get(1).at("/verdict/failure/kind").textValue());

    assertOneLine(with((out, err) -> RemoteVerify.run(remote(), List.of(missing), false, out, err)), 2);
  }

  @Test
  void anUnreachableServerIsOneLineAndExit2() throws Exception {
    String closed = "127.0.0.1:" + closedPort();
    Result get = dcap("--server", closed, "--timeout", "2s", "get", TDX_CHECKSUM);
    assertOneLine(get, 2);
    assertTrue(get.err().contains("cannot reach the server at " + closed), get.err());
    assertOneLine(dcap("--server", closed, "--timeout", "2s", "recent"), 2);
    ServerOptions nowhere = ServerOptions.of(closed, null, Duration.ofSeconds(2));
    Path good = Files.write(dir.resolve("good2.bin"), TDX);
    assertOneLine(with((out, err) -> RemoteVerify.run(nowhere, List.of(good, good, good), false, out, err)), 2);
    assertOneLine(dcap("--server", "no-port", "recent"), 2);
    assertOneLine(dcap("--server", daemon.target(), "--timeout", "soon", "recent"), 2);
  }

  @Test
  void anSgxQuoteShowsEnclaveMeasurementsAndAdvisories() throws Exception {
    Path sgx = Files.write(dir.resolve("sgx.bin"), LiveDaemon.SGX);
    Result r = with((out, err) -> RemoteVerify.run(remote(), List.of(sgx), false, out, err));
    assertEquals(0, r.exit(), r.err());
    // Accepted with a status other than UpToDate and advisories: verified with warnings, naming them.
    assertTrue(r.out().contains(
        "verified     with warnings: ConfigurationAndSWHardeningNeeded INTEL-SA-00289 INTEL-SA-00615\n"), r.out());
    assertTrue(r.out().contains("tcb status   ConfigurationAndSWHardeningNeeded"), r.out());
    assertTrue(r.out().contains("advisories   INTEL-SA-00289, INTEL-SA-00615"), r.out());
    assertTrue(r.out().contains("tee          SGX (quote v3)"), r.out());
    assertTrue(r.out().contains("mrenclave    33d8736d"), r.out());
    assertTrue(r.out().contains("mrsigner"), r.out());
    assertFalse(r.out().contains("mrtd"), r.out());
  }

  @Test
  void hookedIntoVerifyAndCollateral() throws Exception {
    Path good = Files.write(dir.resolve("hook-good.bin"), TDX);
    Path bad = Files.write(dir.resolve("hook-bad.bin"), BAD_SIGNATURE);
    Result many = dcap("--server", daemon.target(), "verify", good.toString(), bad.toString());
    assertEquals(1, many.exit(), many.err());
    assertTrue(many.out().contains("2 files: 1 verified, 1 rejected, 0 errors"), many.out());
    Result json = dcap("--server", daemon.target(), "verify", "--json", good.toString());
    assertEquals(0, json.exit(), json.err());
    JsonNode answer = json(json.out());
    assertEquals(TDX_CHECKSUM, answer.get("checksum").textValue());
    assertPhalaTdQuote(answer.get("quote"));
    assertTdxVerdict(answer.get("verdict"));
    Result c = dcap("--server", daemon.target(), "collateral", TDX_CHECKSUM);
    assertEquals(0, c.exit(), c.err());
    assertTrue(c.out().contains("tcb info     TDX v3"), c.out());
    assertOneLine(dcap("--server", daemon.target(), "collateral", "--json", "12".repeat(32)), 2);
    assertOneLine(dcap("verify", good.toString(), bad.toString()), 2);
  }

  @Test
  void aUnixSocketTarget() {
    Result r = dcap("--server", daemon.unixTarget(), "get", TDX_CHECKSUM);
    assertEquals(0, r.exit(), r.err());
    assertFalse(r.out().isEmpty());
    assertEquals("", r.err());
  }
}
