package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Vectors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dcap verify}: the verdict JSON and the exit codes 0 (verified), 1 (rejected), 2 (bad input). */
class VerifyCommandTest {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {
    JsonNode json() throws IOException {
      return new ObjectMapper().readTree(out);
    }
  }

  Path vector(String path) throws IOException {
    Path p = dir.resolve(path.replace('/', '_'));
    Files.write(p, Vectors.bytes(path));
    return p;
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Dcap.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void verifiedQuoteExitsZero() throws Exception {
    Run r = run("verify", vector("dcap-qvl/tdx_quote").toString(), "--collateral", vector("dcap-qvl/tdx_quote_collateral.json").toString(),
        "--at", "1752919234");
    assertEquals(0, r.exit(), r.err());
    JsonNode n = r.json();
    assertTrue(n.get("success").booleanValue());
    assertEquals("UpToDate", n.get("tcb_status").textValue());
    assertTrue(n.get("failure").isNull());
    assertEquals("c42f9164325024bca2757bc8819b11879a0a369132ea4e2b7c85df4805ea72db", n.get("checksum").textValue());
    assertEquals("TDX", n.get("tee_type").textValue());
    assertEquals(4, n.get("quote_version").intValue());
  }

  @Test
  void isoInstantAndHexQuote() throws Exception {
    Run r = run("verify", vector("dcap-qvl/tdx-quote.hex").toString(), "--collateral", vector("dcap-qvl/tdx_quote_collateral.json").toString(),
        "--at", "2025-07-19T10:00:34Z");
    assertEquals(1, r.exit());
    assertEquals("TCB_NOT_SUPPORTED", r.json().get("failure").get("code").textValue());
    assertEquals("2025-07-19T10:00:34Z", r.json().get("verified_at").textValue());
  }

  @Test
  void rejectedQuoteExitsOne() throws Exception {
    Run r = run("verify", vector("dcap-qvl/tdx_quote").toString(), "--collateral", vector("dcap-qvl/tdx_quote_collateral.json").toString(),
        "--at", "2030-01-01T00:00:00Z");
    assertEquals(1, r.exit());
    assertEquals("COLLATERAL_EXPIRED", r.json().get("failure").get("code").textValue());
    assertTrue(r.json().get("collateral_expired").booleanValue());
  }

  @Test
  void insecureRootIsReported() throws Exception {
    Run r = run("verify", vector("dcap-qvl/tdx_quote").toString(), "--collateral", vector("dcap-qvl/tdx_quote_collateral.json").toString(),
        "--at", "1752919234", "--insecure-root", vector("intel/qvl-sample-tdx/trustedRootCaCert.pem").toString());
    assertEquals(1, r.exit());
    assertTrue(r.json().get("insecure_root").booleanValue());
    assertEquals("PCK_CHAIN_UNTRUSTED", r.json().get("failure").get("code").textValue());
  }

  @Test
  void badInputExitsTwo() throws Exception {
    String quote = vector("dcap-qvl/tdx_quote").toString();
    String collateral = vector("dcap-qvl/tdx_quote_collateral.json").toString();
    Path notJson = Files.writeString(dir.resolve("bad.json"), "{");
    assertEquals(2, run("verify", quote, "--collateral", dir.resolve("missing.json").toString()).exit());
    assertEquals(2, run("verify", quote, "--collateral", notJson.toString()).exit());
    assertEquals(2, run("verify", quote, "--collateral", collateral, "--at", "yesterday").exit());
    assertEquals(2, run("verify", collateral, "--collateral", collateral).exit());
    assertEquals(2, run("verify", quote, "--collateral", collateral, "--insecure-root", notJson.toString()).exit());
    assertEquals(2, run("verify", quote).exit());
    Run r = run("verify", quote, "--collateral", collateral, "--at", "yesterday");
    assertEquals("", r.out());
    assertEquals(1, r.err().strip().lines().count());
  }

  @Test
  void timeForms() throws Exception {
    assertEquals(java.time.Instant.ofEpochSecond(1752919234L), CliIo.parseTime("1752919234"));
    assertEquals(java.time.Instant.ofEpochSecond(1752919234L), CliIo.parseTime("2025-07-19T10:00:34Z"));
    assertEquals(java.time.Instant.ofEpochSecond(1752919234L), CliIo.parseTime("2025-07-19T12:00:34+02:00"));
  }
}
