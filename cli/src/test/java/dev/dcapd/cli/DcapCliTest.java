package dev.dcapd.cli;

import static dev.dcapd.daemon.testing.LiveDaemon.TDX;
import static dev.dcapd.daemon.testing.LiveDaemon.TDX_CHECKSUM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.dcapd.client.DcapClient;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.proto.v1.GetCollateralResponse;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.StatRawResponse;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.QuoteLayout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dcap CLI's remote commands end to end against a live daemon: output for people, JSON, exit codes. */
class DcapCliTest {
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
    daemon = LiveDaemon.start(dir);
    try (DcapClient client = DcapClient.builder(daemon.target()).build()) {
      assertTrue(client.verify(TDX).success());
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

  @SuppressWarnings("unchecked")
  private static <T extends Message> T json(String text, T.Builder builder) throws Exception {
    JsonFormat.parser().merge(text, builder);
    return (T) builder.build();
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
    assertEquals(0, json.exit());
    assertTrue(json.out().contains("\"can_download\": true"), json.out());
    GetResponse g = json(json.out(), GetResponse.newBuilder());
    assertEquals(TDX_CHECKSUM, g.getChecksum());
    assertEquals("UpToDate", g.getVerdict().getTcbStatus());

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
    StatRawResponse s = json(dcap("--server", daemon.target(), "raw", "--head", "--json", TDX_CHECKSUM).out(),
        StatRawResponse.newBuilder());
    assertEquals(5006, s.getSize());

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

    RecentResponse page = json(dcap("--server", daemon.target(), "recent", "--json", "--skip", "0", "--limit", "1").out(),
        RecentResponse.newBuilder());
    assertEquals(1, page.getItemsCount());
    if (!page.getNextPageToken().isEmpty()) {
      Result next = dcap("--server", daemon.target(), "recent", "--page-token", page.getNextPageToken());
      assertEquals(0, next.exit(), next.err());
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

    args.output = null;
    args.json = true;
    Result json = with((out, err) -> CollateralRemoteCommand.run(remote(), args, out, err));
    GetCollateralResponse c = json(json.out(), GetCollateralResponse.newBuilder());
    assertEquals(expected.tcbInfo(), c.getQuoteCollateral().getTcbInfo());

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
    VerifyResponse v = json(oneJson.out(), VerifyResponse.newBuilder());
    assertEquals(TDX_CHECKSUM, v.getChecksum());
    assertTrue(v.getAlreadyStored());

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
    VerifyResponse answer = json(json.out(), VerifyResponse.newBuilder());
    assertEquals(TDX_CHECKSUM, answer.getChecksum());
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
