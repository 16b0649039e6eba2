package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.testkit.Corruption;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.policy.PolicyCheck;
import dev.dcapd.verifier.quote.BodyType;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TeeType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class ForgeCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dcap.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void writesAValidTdxCase(@TempDir Path dir) throws Exception {
    Run r = run("forge", "--out", dir.toString(), "--tee", "tdx", "--quote-version", "5", "--seed", "9",
        "--tcb-status", "OutOfDate");
    assertEquals(0, r.code(), r.err());
    Quote q = QuoteParser.parse(Files.readAllBytes(dir.resolve("quote.bin")));
    assertEquals(TeeType.TDX, q.teeType());
    assertEquals(5, q.version());
    assertEquals(BodyType.TD_REPORT_15, q.body().bodyType());
    QuoteCollateral.fromJson(Files.readString(dir.resolve("collateral.json")));
    assertTrue(Files.readString(dir.resolve("root.pem")).startsWith("-----BEGIN CERTIFICATE-----"));
    assertTrue(Files.size(dir.resolve("root.der")) > 0);
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
    assertTrue(expected.get("success").asBoolean());
    assertEquals("OutOfDate", expected.get("tcb_status").asText());
    assertEquals(2, expected.get("advisory_ids").size());
    assertTrue(expected.get("failure").isNull());
    assertTrue(expected.get("at").canConvertToLong());
  }

  @Test
  void convergesWithAnOutOfDateQe(@TempDir Path dir) throws Exception {
    Run r = run("forge", "--out", dir.toString(), "--tcb-status", "ConfigurationNeeded", "--qe-tcb-status", "OutOfDate");
    assertEquals(0, r.code(), r.err());
    assertEquals("OutOfDateConfigurationNeeded",
        JSON.readTree(dir.resolve("expected.json").toFile()).get("tcb_status").asText());
  }

  @Test
  void sameSeedSameFiles(@TempDir Path dir) throws Exception {
    assertEquals(0, run("forge", "--out", dir.resolve("a").toString(), "--seed", "5").code());
    assertEquals(0, run("forge", "--out", dir.resolve("b").toString(), "--seed", "5").code());
    for (String f : new String[] {"quote.bin", "collateral.json", "root.der", "expected.json"}) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
    }
  }

  @Test
  void writesACorruptedCaseWithItsFailureCode(@TempDir Path dir) throws Exception {
    Run r = run("forge", "--out", dir.toString(), "--tee", "tdx", "--corrupt", "tdx-module-mrsigner");
    assertEquals(0, r.code(), r.err());
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
    assertFalse(expected.get("success").asBoolean());
    assertEquals("TDX_MODULE_MISMATCH", expected.get("failure").get("code").asText());
  }

  @Test
  void writesManyDistinctQuotes(@TempDir Path dir) throws Exception {
    assertEquals(0, run("forge", "--out", dir.toString(), "--tee", "sgx", "--count", "3").code());
    byte[] a = Files.readAllBytes(dir.resolve("quote-0000.bin"));
    byte[] c = Files.readAllBytes(dir.resolve("quote-0002.bin"));
    QuoteParser.parse(a);
    assertFalse(java.util.Arrays.equals(a, c));
    assertFalse(Files.exists(dir.resolve("quote.bin")));
    assertTrue(Files.exists(dir.resolve("collateral.json")));
  }

  @Test
  void listsCorruptions() {
    Run r = run("forge", "--list-corruptions");
    assertEquals(0, r.code());
    for (Corruption c : Corruption.values()) {
      assertTrue(r.out().contains(c.cliName() + "\t" + c.expectedFailure() + "\n")
          || r.out().contains(c.cliName() + "\t" + c.expectedFailure() + System.lineSeparator()), c.cliName());
    }
  }

  @Test
  void badArgumentsAreOneLineAndExitTwo(@TempDir Path dir) {
    String[][] bad = {
        {"forge", "--out", dir.toString(), "--tee", "sev"},
        {"forge", "--out", dir.toString(), "--corrupt", "no-such-thing"},
        {"forge", "--out", dir.toString(), "--tcb-status", "Fine"},
        {"forge", "--out", dir.toString(), "--tee", "tdx", "--quote-version", "3"},
        {"forge", "--out", dir.toString(), "--quote-version", "7"},
        {"forge", "--out", dir.toString(), "--corrupt", "unknown-tdx-module-version"},
        {"forge", "--out", dir.toString(), "--count", "0"},
        {"forge", "--out", dir.toString(), "--seed", "x"},
        {"forge", "--out", dir.toString(), "--qe-tcb-status", "Revoked"},
        {"forge", "--out", dir.toString(), "--tee", "tdx", "--td-report", "2.0"},
        {"forge"},
    };
    for (String[] args : bad) {
      Run r = run(args);
      assertEquals(Dcap.EXIT_BAD_INPUT, r.code(), String.join(" ", args));
      assertEquals(1, r.err().strip().lines().count(), r.err());
    }
  }

  /**
   * Issue 14, hole 4, from the command line: a debug TD and a debug enclave, correctly signed,
   * verify UpToDate; dcap verify's default policy refuses them with DEBUG_NOT_ALLOWED, and only
   * --insecure-allow-debug accepts them.
   */
  @ParameterizedTest
  @ValueSource(strings = {"tdx", "sgx"})
  void aForgedDebugQuoteVerifiesButTheDefaultPolicyRefusesIt(String tee, @TempDir Path dir) throws Exception {
    Run forged = run("forge", "--out", dir.toString(), "--tee", tee, "--debug");
    assertEquals(0, forged.code(), forged.err());
    Quote q = QuoteParser.parse(Files.readAllBytes(dir.resolve("quote.bin")));
    assertTrue(PolicyCheck.isDebug(q), "the DEBUG attribute is set");
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
    assertTrue(expected.get("success").asBoolean(), "Intel's checks pass: the debug bit is signed like any other");
    String[] verify = {"verify", dir.resolve("quote.bin").toString(), "--collateral", dir.resolve("collateral.json").toString(),
        "--insecure-root", dir.resolve("root.pem").toString(), "--at", expected.get("at").asText()};

    Run refused = run(verify);
    assertEquals(1, refused.code(), refused.err());
    JsonNode verdict = JSON.readTree(refused.out());
    assertFalse(verdict.get("success").asBoolean());
    assertEquals("UpToDate", verdict.get("tcb_status").asText());
    assertEquals("DEBUG_NOT_ALLOWED", verdict.get("failure").get("code").asText());
    assertEquals("DEBUG_NOT_ALLOWED", verdict.get("violations").get(0).get("code").asText());
    // --insecure-root is recorded in the policy's name.
    assertEquals("default+insecure-trust-root", verdict.get("policy").get("name").asText());

    String[] allowed = java.util.Arrays.copyOf(verify, verify.length + 1);
    allowed[verify.length] = "--insecure-allow-debug";
    Run accepted = run(allowed);
    assertEquals(0, accepted.code(), accepted.err());
    JsonNode acceptedVerdict = JSON.readTree(accepted.out());
    assertTrue(acceptedVerdict.get("success").asBoolean());
    assertEquals("default+insecure-allow-debug+insecure-trust-root", acceptedVerdict.get("policy").get("name").asText());
  }

  /** The same quote without --debug is not a debug one, and the default policy accepts it. */
  @Test
  void withoutDebugTheDefaultPolicyAccepts(@TempDir Path dir) throws Exception {
    assertEquals(0, run("forge", "--out", dir.toString(), "--tee", "sgx").code());
    assertFalse(PolicyCheck.isDebug(QuoteParser.parse(Files.readAllBytes(dir.resolve("quote.bin")))));
    String at = JSON.readTree(dir.resolve("expected.json").toFile()).get("at").asText();
    Run r = run("verify", dir.resolve("quote.bin").toString(), "--collateral", dir.resolve("collateral.json").toString(),
        "--insecure-root", dir.resolve("root.pem").toString(), "--at", at);
    assertEquals(0, r.code(), r.err());
  }

  /** A policy file judges the verdict; a broken rule is exit 1 with its code, a bad file exit 2. */
  @Test
  void aPolicyFileJudgesTheVerdict(@TempDir Path dir) throws Exception {
    assertEquals(0, run("forge", "--out", dir.toString(), "--tee", "tdx").code());
    String at = JSON.readTree(dir.resolve("expected.json").toFile()).get("at").asText();
    Path policy = Files.writeString(dir.resolve("policy.json"),
        "{\"name\": \"prod\", \"tdx\": {\"mrtd\": [\"0x" + "00".repeat(48) + "\"]}}");
    Run r = run("verify", dir.resolve("quote.bin").toString(), "--collateral", dir.resolve("collateral.json").toString(),
        "--insecure-root", dir.resolve("root.pem").toString(), "--at", at, "--policy", policy.toString());
    assertEquals(1, r.code(), r.err());
    JsonNode verdict = JSON.readTree(r.out());
    assertEquals("POLICY_VIOLATION", verdict.get("failure").get("code").asText());
    assertEquals("MRTD", verdict.get("violations").get(0).get("code").asText());
    assertEquals("prod+insecure-trust-root", verdict.get("policy").get("name").asText());
    assertEquals(64, verdict.get("policy").get("sha256").asText().length());

    Files.writeString(policy, "{\"name\": \"prod\", \"tdx\": {\"mrtd_typo\": []}}");
    Run bad = run("verify", dir.resolve("quote.bin").toString(), "--collateral", dir.resolve("collateral.json").toString(),
        "--insecure-root", dir.resolve("root.pem").toString(), "--at", at, "--policy", policy.toString());
    assertEquals(2, bad.code());
    assertEquals(1, bad.err().lines().count(), bad.err());
  }
}
