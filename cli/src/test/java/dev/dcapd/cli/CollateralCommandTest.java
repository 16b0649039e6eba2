package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.collateral.FakePcs;
import dev.dcapd.collateral.TestVectors;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.TeeType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dcap collateral fetch} end to end against the fake PCS/PCCS on 127.0.0.1. */
class CollateralCommandTest {
  private static final String TDX_AT = Long.toString(TestVectors.TDX_AT.getEpochSecond());
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final FakePcs server = new FakePcs().serve(TeeType.TDX, TestVectors.tdxCollateral());
  private Path quote;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void writeQuote() throws Exception {
    quote = dir.resolve("tdx_quote");
    Files.write(quote, Vectors.bytes("dcap-qvl/tdx_quote"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private int run(String... args) {
    return Dcap.run(args, new PrintWriter(out), new PrintWriter(err));
  }

  /** The vector's JSON plus the quote's PCK chain: what the command must print. */
  private JsonNode expected() throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    n.put("pck_certificate_chain", TestVectors.tdxQuote().certificationData().pckCertChain().pem());
    return n;
  }

  @Test
  void printsTheQuotesCollateral() throws Exception {
    int code = run("collateral", "fetch", quote.toString(), "--pccs", server.baseUrl(), "--at", TDX_AT);
    assertEquals(0, code, err.toString());
    assertEquals(expected(), JSON.readTree(out.toString()));
    assertEquals("", err.toString());
  }

  @Test
  void writesTheFileAndPassesTheUpdateStream() throws Exception {
    Path file = dir.resolve("collateral.json");
    int code = run("collateral", "fetch", quote.toString(), "--pccs", server.baseUrl() + "/tdx/certification/v4",
        "--out", file.toString(), "--update", "early", "--at", "2025-07-19T10:00:34Z");
    assertEquals(0, code, err.toString());
    assertEquals(expected(), JSON.readTree(Files.readString(file)));
    assertEquals("", out.toString());
    assertEquals(List.of("fmspc=B0C06F000000&update=early"), server.queries(FakePcs.TCB));
  }

  @Test
  void everyFailingSourceGetsOneLineAndTheExitCodeIs2() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    String closed = "http://127.0.0.1:" + closedPort;
    try (FakePcs empty = new FakePcs()) {
      int code = run("collateral", "fetch", quote.toString(), "--pccs", empty.baseUrl(), "--pccs", closed,
          "--pccs", server.baseUrl(), "--at", "2030-01-01T00:00:00Z", "--retries", "0", "--timeout", "5");
      assertEquals(2, code);
      List<String> lines = err.toString().lines().toList();
      assertEquals(4, lines.size(), err.toString());
      assertTrue(lines.get(0).startsWith("dcap: " + empty.baseUrl() + ": COLLATERAL_NOT_FOUND: "), lines.get(0));
      assertTrue(lines.get(0).contains("HTTP 404"), lines.get(0));
      assertTrue(lines.get(1).startsWith("dcap: " + closed + ": COLLATERAL_UNAVAILABLE: "), lines.get(1));
      assertTrue(lines.get(2).startsWith("dcap: " + server.baseUrl() + ": COLLATERAL_EXPIRED: "), lines.get(2));
      assertTrue(lines.get(3).startsWith("dcap: no collateral source"), lines.get(3));
      assertEquals("", out.toString());
    }
  }

  @Test
  void aCollateralFolderIsAskedFirst() throws Exception {
    Path folder = Files.createDirectory(dir.resolve("collateral"));
    Files.writeString(folder.resolve("tdx.json"), Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    int code = run("collateral", "fetch", quote.toString(), "--collateral-dir", folder.toString(),
        "--pccs", server.baseUrl(), "--at", TDX_AT);
    assertEquals(0, code, err.toString());
    assertEquals(expected(), JSON.readTree(out.toString()));
    assertEquals(0, server.totalRequests());
  }

  @Test
  void verifyFetchesThenVerifies() throws Exception {
    int code = run("verify", quote.toString(), "--pccs", server.baseUrl(), "--at", TDX_AT);
    assertEquals(0, code, err.toString());
    JsonNode verdict = JSON.readTree(out.toString());
    assertTrue(verdict.get("success").asBoolean());
    assertEquals("UpToDate", verdict.get("tcb_status").asText());

    out.getBuffer().setLength(0);
    assertEquals(2, run("verify", quote.toString(), "--pccs", server.baseUrl(), "--collateral", quote.toString()));
    assertEquals(2, run("verify", quote.toString(), "--pccs", "http://127.0.0.1:1", "--retries", "0", "--at", TDX_AT));
  }

  @Test
  void severalQuotesOfOnePlatformFetchOnce() throws Exception {
    Path copy = Files.copy(quote, dir.resolve("tdx_quote_copy"));
    int code = run("verify", quote.toString(), copy.toString(), quote.toString(), "--pccs", server.baseUrl(), "--at", TDX_AT);
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().contains("3 files: 3 verified, 0 rejected, 0 errors"), out.toString());
    int batch = server.totalRequests();

    assertEquals(0, run("verify", quote.toString(), "--pccs", server.baseUrl(), "--at", TDX_AT), err.toString());
    assertEquals(server.totalRequests() - batch, batch, "three quotes of one platform cost one quote's fetch");
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertEquals(2, run("collateral", "fetch", quote.toString(), "--update", "late", "--pccs", server.baseUrl()));
    assertEquals(2, run("collateral", "fetch", quote.toString(), "--pccs", "ftp://x"));
    assertEquals(2, run("collateral", "fetch", quote.toString(), "--pccs", server.baseUrl(), "--at", "yesterday"));
    assertEquals(2, run("collateral", "fetch", dir.resolve("absent").toString(), "--pccs", server.baseUrl()));
    assertEquals(2, run("collateral"));
    assertEquals(0, server.totalRequests());
  }
}
