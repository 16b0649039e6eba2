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
import java.util.ArrayList;
import java.util.List;
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
    assertEquals("TEE_TDX", n.get("tee_type").textValue());
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
  void severalQuotesOfOnePlatformAgainstOneCollateralFile() throws Exception {
    Path forged = dir.resolve("forged");
    assertEquals(0, run("forge", "--out", forged.toString(), "--tee", "tdx", "--count", "3").exit());
    String at = new ObjectMapper().readTree(forged.resolve("expected.json").toFile()).get("at").asText();
    String[] common = {"--collateral", forged.resolve("collateral.json").toString(),
        "--insecure-root", forged.resolve("root.pem").toString(), "--at", at};
    Path other = vector("dcap-qvl/tdx_quote");
    Path garbage = Files.write(dir.resolve("garbage.bin"), new byte[] {1, 2, 3});
    Path missing = dir.resolve("missing.bin");

    List<String> args = new ArrayList<>(List.of("verify", forged.resolve("quote-0000.bin").toString(), other.toString(),
        garbage.toString(), missing.toString(), forged.resolve("quote-0002.bin").toString()));
    args.addAll(List.of(common));
    Run table = run(args.toArray(String[]::new));
    assertEquals(2, table.exit(), table.err());
    List<String> rows = table.out().lines().toList();
    assertEquals("FILE", rows.get(0).split("\\s+")[0]);
    assertTrue(rows.get(1).contains("verified UpToDate"), table.out());
    assertTrue(rows.get(2).contains("rejected "), table.out());
    assertTrue(rows.get(3).contains("error: ") && rows.get(3).contains("not a quote"), table.out());
    assertTrue(rows.get(4).contains("error: ") && rows.get(4).contains("no such file"), table.out());
    assertTrue(rows.get(5).contains("verified UpToDate"), table.out());
    assertEquals("5 files: 2 verified, 1 rejected, 2 errors", rows.get(6));
    // Not a terminal: no live line, only the summary.
    assertEquals(1, table.err().lines().count(), table.err());
    assertTrue(table.err().startsWith("verify: 5/5 done in "), table.err());
    assertTrue(table.err().contains(": 2 verified, 3 failed (1 rejected, 2 errors)"), table.err());

    Run json = run("verify", forged.resolve("quote-0000.bin").toString(), forged.resolve("quote-0001.bin").toString(),
        other.toString(), "--json", common[0], common[1], common[2], common[3], common[4], common[5]);
    assertEquals(1, json.exit(), json.err());
    List<JsonNode> verdicts = new ObjectMapper().readerFor(JsonNode.class).<JsonNode>readValues(json.out()).readAll();
    assertEquals(3, verdicts.size(), json.out());
    assertTrue(verdicts.get(0).get("success").booleanValue());
    assertTrue(verdicts.get(1).get("success").booleanValue());
    assertTrue(verdicts.get(2).get("failure").get("code").isTextual());
    assertTrue(json.err().startsWith("verify: 3/3 done"), json.err());
  }

  @Test
  void severalQuotesNeedANamedCollateralSource() throws Exception {
    String quote = vector("dcap-qvl/tdx_quote").toString();
    Run r = run("verify", quote, quote);
    assertEquals(2, r.exit());
    assertEquals("", r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void timeForms() throws Exception {
    assertEquals(java.time.Instant.ofEpochSecond(1752919234L), CliIo.parseTime("1752919234"));
    assertEquals(java.time.Instant.ofEpochSecond(1752919234L), CliIo.parseTime("2025-07-19T10:00:34Z"));
    assertEquals(java.time.Instant.ofEpochSecond(1752919234L), CliIo.parseTime("2025-07-19T12:00:34+02:00"));
  }
}
