package dev.dcapd.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.FailureCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds every catalogued case to Phala's dcap-qvl (pure JS, {@code testkit/oracle}) and checks it
 * agrees with the case's expected outcome: the same status and advisory IDs for valid cases, a
 * rejection for each corruption. Where dcap-qvl 0.3.9 is known to depart from Intel's rules the
 * case is listed in {@link #KNOWN_DIFFERENCES} with the reason, and its dcap-qvl answer is pinned.
 *
 * <p>A rejection is not checked against dcap-qvl's message: {@code ForgeTest} shows each corrupted
 * case differs from a valid one in exactly its piece, and the valid one passes here, so the
 * rejection comes from that piece.
 *
 * <p>Needs {@code node} on the PATH and {@code npm ci --prefix testkit/oracle}; skipped otherwise.
 */
class OracleAgreementTest {
  private static final Path ORACLE = Paths.get("oracle").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What dcap-qvl answers instead of Intel's outcome, and why. */
  private record Difference(boolean dcapQvlAccepts, String dcapQvlStatus, String reason) {}

  private static final Map<String, Difference> KNOWN_DIFFERENCES = new HashMap<>();

  static {
    // dcap-qvl takes SGX quotes of version 3 only ("SGX TEE quote must have version 3"); Intel's
    // QVL accepts SGX v4 (and v5) quotes with type-6 certification data.
    for (CaseCatalog.Entry e : CaseCatalog.all()) {
      if (e.name().startsWith(CaseCatalog.Shape.SGX_V4.label() + "-")) {
        differs(e.name(), false, null, "dcap-qvl rejects SGX quotes other than version 3");
      }
    }
    // dcap-qvl reads the PCK leaf's SGX type and platform instance id but does not compare them
    // with the CA that issued it; Intel's QvE refuses a misfit (PCK_CERT_UNSUPPORTED_FORMAT).
    for (CaseCatalog.Entry e : CaseCatalog.corrupted()) {
      if (e.spec().corruption().orElseThrow().expectedFailure() == FailureCode.PCK_CERT_UNSUPPORTED_FORMAT) {
        differs(e.name(), true, "UpToDate", "dcap-qvl does not check that the PCK leaf fits its CA");
      }
    }
    // dcap-qvl does not compare the PCK's PCE-ID with TCB info's pceId; Intel does (TCB_INFO_MISMATCH).
    String pceId = "dcap-qvl does not compare PCE-IDs";
    differs("sgx-v3-pce-id-mismatch", true, "UpToDate", pceId);
    differs("tdx-v4-pce-id-mismatch", true, "UpToDate", pceId);
    differs("tdx-v5-td15-pce-id-mismatch", true, "UpToDate", pceId);
    // The JS port 0.3.9 reads CRLs only for revoked serials: it checks neither their signature nor
    // their thisUpdate/nextUpdate, so an expired PCK CRL goes unnoticed.
    String crl = "dcap-qvl 0.3.9 (JS) does not check CRL dates";
    differs("sgx-v3-expired-crl", true, "UpToDate", crl);
    differs("tdx-v4-expired-crl", true, "UpToDate", crl);
    differs("tdx-v5-td15-expired-crl", true, "UpToDate", crl);
    // The JS port 0.3.9 has no TDX module identity check (tdxModule / tdxModuleIdentities are not
    // read); Intel checks MRSIGNERSEAM and requires the TDX_%02X identity (TDX_MODULE_MISMATCH).
    String module = "dcap-qvl 0.3.9 (JS) does not check the TDX module identity";
    differs("tdx-v4-unknown-tdx-module-version", true, "UpToDate", module);
    differs("tdx-v4-tdx-module-mrsigner", true, "UpToDate", module);
    differs("tdx-v5-td15-unknown-tdx-module-version", true, "UpToDate", module);
    differs("tdx-v5-td15-tdx-module-mrsigner", true, "UpToDate", module);
    // Intel's TD relaunch rule (TD 1.5: module OutOfDate, tee_tcb_svn2 at the latest level) is not
    // in dcap-qvl, which reports the matched level's status and ignores tee_tcb_svn2.
    String relaunch = "dcap-qvl has no TDRelaunchAdvised";
    differs("tdx-v5-td15-valid-tdrelaunchadvised", true, "OutOfDate", relaunch);
    differs("tdx-v5-td15-valid-tdrelaunchadvisedconfigurationneeded", true, "OutOfDateConfigurationNeeded",
        relaunch);
    // Status merging: dcap-qvl takes the worse of platform and QE status; Intel's convergeWithQe
    // turns ConfigurationNeeded + an out-of-date QE into OutOfDateConfigurationNeeded.
    String merge = "dcap-qvl merges statuses by severity, not by Intel's convergence rule";
    differs("sgx-v3-valid-configurationneeded-qe-outofdate", true, "OutOfDate", merge);
    differs("tdx-v4-valid-configurationneeded-qe-outofdate", true, "OutOfDate", merge);
    differs("tdx-v5-td15-valid-configurationneeded-qe-outofdate", true, "OutOfDate", merge);
    // TDX component matching: with a module major version above 0 Intel skips tdxtcbcomponents[0..1]
    // (the module is judged by its TDX_%02X identity); dcap-qvl compares all 16 and finds no level.
    String components = "dcap-qvl compares TDX components 0-1 that Intel leaves to the module identity";
    differs("tdx-v4-valid-module-svn-by-identity", false, null, components);
    differs("tdx-v5-td15-valid-module-svn-by-identity", false, null, components);
  }

  private static void differs(String name, boolean accepts, String status, String reason) {
    KNOWN_DIFFERENCES.put(name, new Difference(accepts, status, reason));
  }

  @Test
  void dcapQvlAgreesWithEveryExpectedOutcome(@TempDir Path dir) throws Exception {
    assumeTrue(nodeAvailable(), "node is not on the PATH; CI installs it");
    assumeTrue(Files.isDirectory(ORACLE.resolve("node_modules/@phala/dcap-qvl")),
        "testkit/oracle/node_modules is missing; run: npm ci --prefix testkit/oracle");
    Map<String, Expected> expected = new HashMap<>();
    for (CaseCatalog.Entry e : CaseCatalog.all()) {
      ForgedCase c = Forge.forge(e.spec());
      CaseFiles.write(c, dir.resolve(e.name()));
      expected.put(e.name(), c.expected());
    }
    Map<String, JsonNode> answers = runOracle(dir);
    assertEquals(expected.keySet(), answers.keySet(), "dcap-qvl answered for every case");
    assertTrue(expected.keySet().containsAll(KNOWN_DIFFERENCES.keySet()), "every known difference names a case");

    List<String> failures = new ArrayList<>();
    for (var entry : expected.entrySet()) {
      String name = entry.getKey();
      Expected want = entry.getValue();
      JsonNode got = answers.get(name);
      boolean accepted = got.get("success").asBoolean();
      String status = got.get("status").isNull() ? null : got.get("status").asText();
      Difference diff = KNOWN_DIFFERENCES.get(name);
      String line = name + ": dcap-qvl " + (accepted ? "accepts (" + status + ")" : "rejects: " + got.get("error").asText());
      if (diff != null) {
        if (accepted != diff.dcapQvlAccepts() || (accepted && !diff.dcapQvlStatus().equals(status))) {
          failures.add(line + " — expected the known difference: " + diff.reason());
        }
        continue;
      }
      if (want.success()) {
        List<String> ids = new ArrayList<>();
        got.get("advisory_ids").forEach(n -> ids.add(n.asText()));
        if (!accepted || !want.tcbStatus().get().equals(status) || !want.advisoryIds().equals(ids)) {
          failures.add(line + " " + ids + " — expected " + want.tcbStatus().get() + " " + want.advisoryIds());
        }
      } else if (accepted) {
        failures.add(line + " — expected a rejection (" + want.failureCode() + ")");
      }
    }
    assertTrue(failures.isEmpty(), "dcap-qvl disagrees:\n" + String.join("\n", failures));
  }

  private static Map<String, JsonNode> runOracle(Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("node", ORACLE.resolve("verify-cases.js").toString(), dir.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the oracle finished");
    assertEquals(0, p.exitValue(), "the oracle ran every case");
    Map<String, JsonNode> answers = new HashMap<>();
    for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        JsonNode n = JSON.readTree(line);
        answers.put(n.get("case").asText(), n);
      }
    }
    return answers;
  }

  private static boolean nodeAvailable() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
