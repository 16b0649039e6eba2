package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.daemon.Daemon;
import dev.dcapd.daemon.DaemonConfig;
import dev.dcapd.daemon.testing.TestStores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 28 from the command line: a forged OutOfDate TD ({@code dcap forge --tcb-status OutOfDate})
 * is refused by the default policy with {@code TCB_STATUS}, offline and through a real daemon, exit 1;
 * a policy that lists OutOfDate accepts it, and the summary says "verified with warnings" and which.
 */
class OutdatedPlatformCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LENIENT = "{\"name\": \"lenient\", \"tcb_status\": [\"UpToDate\", \"OutOfDate\"]}";

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  private static Run dcap(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dcap.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  /** The forged case's files in {@code dir}: quote.bin, collateral.json, root.pem, expected.json. */
  private Instant forge() throws Exception {
    Run forged = dcap("forge", "--out", dir.toString(), "--tee", "tdx", "--tcb-status", "OutOfDate");
    assertEquals(0, forged.code(), forged.err());
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
    assertTrue(expected.get("success").asBoolean(), "Intel's rules: OutOfDate is a status, not a failure");
    assertEquals("OutOfDate", expected.get("tcb_status").asText());
    return Instant.ofEpochSecond(expected.get("at").asLong());
  }

  /** A daemon on 127.0.0.1 trusting the forged root, holding the forged collateral, judging at {@code at}. */
  private Daemon daemon(Instant at, Optional<Path> policy, String name) throws Exception {
    Path collateral = Files.createDirectories(dir.resolve(name + "-collateral"));
    Files.copy(dir.resolve("collateral.json"), collateral.resolve("platform.json"));
    DaemonConfig config = new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(),
        dir.resolve(name + "-data"), List.of(), Optional.of(collateral), Optional.of(dir.resolve("root.pem")),
        Optional.empty(), false, Optional.empty(), 2, 64, 1 << 17, 16 << 20, Duration.ofSeconds(5),
        Duration.ofSeconds(1))
        .withPolicy(policy, false);
    return Daemon.start(TestStores.on(config), Clock.fixed(at, ZoneOffset.UTC));
  }

  private static String target(Daemon d) {
    return "127.0.0.1:" + d.grpcAddress().orElseThrow().getPort();
  }

  @Test
  void offlineTheDefaultPolicyRefusesItAndAPolicyThatListsItAccepts() throws Exception {
    Instant at = forge();
    String[] verify = {"verify", dir.resolve("quote.bin").toString(), "--collateral", dir.resolve("collateral.json").toString(),
        "--insecure-root", dir.resolve("root.pem").toString(), "--at", at.toString()};
    Run refused = dcap(verify);
    assertEquals(Dcap.EXIT_REJECTED, refused.code(), refused.err());
    JsonNode v = JSON.readTree(refused.out());
    assertFalse(v.get("success").asBoolean());
    assertEquals("POLICY_VIOLATION", v.at("/failure/code").asText());
    assertEquals("TCB_STATUS", v.at("/violations/0/code").asText());
    assertEquals(1, v.get("violations").size());
    assertEquals("OutOfDate", v.get("tcb_status").asText(), "Intel's status stays in the verdict");
    assertEquals(List.of("INTEL-SA-00828", "INTEL-SA-00837"),
        JSON.convertValue(v.get("advisory_ids"), List.class));

    Path policy = Files.writeString(dir.resolve("lenient.json"), LENIENT);
    String[] lenient = java.util.Arrays.copyOf(verify, verify.length + 2);
    lenient[verify.length] = "--policy";
    lenient[verify.length + 1] = policy.toString();
    Run accepted = dcap(lenient);
    assertEquals(0, accepted.code(), accepted.err());
    JsonNode ok = JSON.readTree(accepted.out());
    assertTrue(ok.get("success").asBoolean());
    assertEquals("lenient+insecure-trust-root", ok.at("/policy/name").asText());
  }

  @Test
  void throughADaemonTheDefaultPolicyRefusesItAndTheSummarySaysWhy() throws Exception {
    Instant at = forge();
    String quote = dir.resolve("quote.bin").toString();
    try (Daemon d = daemon(at, Optional.empty(), "default")) {
      Run r = dcap("--server", target(d), "verify", quote);
      assertEquals(Dcap.EXIT_REJECTED, r.code(), r.err());
      assertTrue(r.out().contains("verified     no: POLICY_VIOLATION: "), r.out());
      assertTrue(r.out().contains("tcb status   OutOfDate\n"), r.out());
      assertTrue(r.out().contains("advisories   INTEL-SA-00828, INTEL-SA-00837\n"), r.out());

      Run json = dcap("--server", target(d), "verify", "--json", quote);
      assertEquals(Dcap.EXIT_REJECTED, json.code(), json.err());
      JsonNode answer = JSON.readTree(json.out());
      assertFalse(answer.get("success").asBoolean());
      assertEquals("TCB_STATUS", answer.at("/verdict/violations/0/code").asText());
      assertEquals("default+insecure-trust-root", answer.at("/verdict/policy/name").asText());

      Run get = dcap("--server", target(d), "get", answer.get("checksum").asText());
      assertEquals(Dcap.EXIT_REJECTED, get.code(), get.err());
      assertTrue(get.out().contains("verified     no: POLICY_VIOLATION: "), get.out());
    }
  }

  @Test
  void throughADaemonWhosePolicyListsItItIsVerifiedWithWarnings() throws Exception {
    Instant at = forge();
    Path policy = Files.writeString(dir.resolve("lenient.json"), LENIENT);
    try (Daemon d = daemon(at, Optional.of(policy), "lenient")) {
      Run r = dcap("--server", target(d), "verify", dir.resolve("quote.bin").toString());
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("verified     with warnings: OutOfDate INTEL-SA-00828 INTEL-SA-00837\n"), r.out());
      assertTrue(r.out().contains("WARNING      anchored in a non-Intel root"), r.out());

      Path second = Files.copy(dir.resolve("quote.bin"), dir.resolve("again.bin"));
      Run table = dcap("--server", target(d), "verify", dir.resolve("quote.bin").toString(), second.toString());
      assertEquals(0, table.code(), table.err());
      assertTrue(table.out().contains("verified with warnings: OutOfDate INTEL-SA-00828 INTEL-SA-00837"), table.out());
    }
  }
}
