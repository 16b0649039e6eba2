package dev.dcapd.verifier.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.TeeType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading and writing a policy as JSON: the schema of docs/policy.md, its canonical form and what it refuses. */
class PolicyJsonTest {
  private static final String MR48 = hex(48, "a1");
  private static final String MR32 = hex(32, "b2");

  /** The shape the issue asked for, with both TEE sections, as an operator would write it. */
  private static final String ISSUE_EXAMPLE = """
      {"name": "prod", "allow_debug": false, "tcb_status": ["UpToDate", "SWHardeningNeeded"],
       "advisory_ids": {"allow": ["INTEL-SA-00615"]},
       "tdx": {"mrtd": ["%1$s"], "rtmr0": ["%1$s"],
               "td_attributes": {"mask": "0xffffffffffffffff", "value": "0x0000001000000000"},
               "xfam": {"mask": "0xffffffffffffffff", "value": "0xe702060000000000"},
               "mr_config_id": ["%1$s"]},
       "sgx": {"mrenclave": ["%2$s"], "mrsigner": ["%2$s"], "isv_prod_id": 0, "min_isv_svn": 0},
       "max_collateral_age": "P30D"}
      """.formatted(MR48, MR32);

  /** Every top-level and TDX key. */
  private static final String EVERY_TDX_KEY = """
      {"name": "every tdx key", "allow_debug": false, "insecure_allow_debug": true,
       "insecure_allow_non_intel_root": true, "tee": "TDX",
       "tcb_status": ["OutOfDate", "UpToDate", "TDRelaunchAdvised"],
       "advisory_ids": {"allow": ["INTEL-SA-00615", "INTEL-SA-00289"]},
       "report_data": "0x%3$s", "max_age": "PT5M", "max_collateral_age": "P30D", "out_of_date_grace": "P90D",
       "tdx": {"mrtd": ["%1$s", "%2$s"], "rtmr0": ["%1$s"], "rtmr1": ["%2$s"], "rtmr2": ["%1$s"],
               "rtmr3": ["%2$s", "%1$s"],
               "td_attributes": {"mask": "0x0100001000000000", "value": "0x0000001000000000"},
               "xfam": {"mask": "0xff00000000000000", "value": "0xe700000000000000"},
               "mr_config_id": ["%1$s"], "mr_owner": ["%2$s"], "mr_owner_config": ["%1$s"],
               "min_tee_tcb_svn": "0x06010300000000000000000000000000"}}
      """.formatted(MR48, hex(48, "c3"), "d4".repeat(32));

  /** Every SGX key. */
  private static final String EVERY_SGX_KEY = """
      {"name": "every sgx key", "tee": "SGX", "tcb_status": ["ConfigurationAndSWHardeningNeeded"],
       "advisory_ids": {"allow": []}, "max_collateral_age": "PT12H",
       "sgx": {"mrenclave": ["%1$s"], "mrsigner": ["%2$s", "%1$s"],
               "attributes": {"mask": "0x06000000000000000000000000000000",
                              "value": "0x04000000000000000000000000000000"},
               "miscselect": {"mask": "0xffffffff", "value": "0x00000001"},
               "isv_prod_id": 65535, "min_isv_svn": 3}}
      """.formatted(MR32, hex(32, "e5"));

  private static String hex(int size, String oneByte) {
    return "0x" + oneByte.repeat(size);
  }

  private static Policy parse(String json) throws PolicyFormatException {
    return PolicyJson.parse(json);
  }

  @Test
  void theIssuesExampleParses() throws Exception {
    Policy p = parse(ISSUE_EXAMPLE);
    assertEquals("prod", p.name());
    assertFalse(p.insecureAllowDebug());
    assertEquals(EnumSet.of(TcbStatus.UP_TO_DATE, TcbStatus.SW_HARDENING_NEEDED), p.acceptedTcbStatuses());
    assertEquals(Optional.of(Set.of("INTEL-SA-00615")), p.allowedAdvisoryIds());
    assertEquals(Set.of(Bytes.fromHex(MR48)), p.mrTd());
    assertEquals(Set.of(Bytes.fromHex(MR48)), p.rtmr(0));
    assertTrue(p.rtmr(1).isEmpty());
    assertEquals(Set.of(Bytes.fromHex(MR48)), p.mrConfigId());
    assertEquals(Bytes.fromHex("0000001000000000"), p.tdAttributes().orElseThrow().value());
    assertEquals(Bytes.fromHex("e702060000000000"), p.xfam().orElseThrow().value());
    assertEquals(Set.of(Bytes.fromHex(MR32)), p.mrEnclave());
    assertEquals(Set.of(Bytes.fromHex(MR32)), p.mrSigner());
    assertEquals(Optional.of(0), p.isvProdId());
    assertEquals(Optional.of(0), p.minimumIsvSvn());
    assertEquals(Optional.of(Duration.ofDays(30)), p.maxCollateralAge());
    assertEquals(Optional.empty(), p.teeType());
  }

  @Test
  void everyKeyIsRead() throws Exception {
    Policy t = parse(EVERY_TDX_KEY);
    assertTrue(t.insecureAllowDebug());
    assertTrue(t.insecureAllowNonIntelRoot());
    assertEquals(Optional.of(TeeType.TDX), t.teeType());
    assertEquals(EnumSet.of(TcbStatus.UP_TO_DATE, TcbStatus.TD_RELAUNCH_ADVISED, TcbStatus.OUT_OF_DATE),
        t.acceptedTcbStatuses());
    assertEquals(Optional.of(Set.of("INTEL-SA-00289", "INTEL-SA-00615")), t.allowedAdvisoryIds());
    assertEquals(Optional.of(Bytes.fromHex("d4".repeat(32) + "00".repeat(32))), t.reportData());
    assertEquals(Optional.of(Duration.ofMinutes(5)), t.maxAge());
    assertEquals(Optional.of(Duration.ofDays(90)), t.outOfDateGrace());
    assertEquals(2, t.mrTd().size());
    assertEquals(2, t.rtmr(3).size());
    assertEquals(Set.of(Bytes.fromHex(hex(48, "c3"))), t.mrOwner());
    assertEquals(Set.of(Bytes.fromHex(MR48)), t.mrOwnerConfig());
    assertEquals(Bytes.fromHex("0100001000000000"), t.tdAttributes().orElseThrow().mask());
    assertEquals(Optional.of(Bytes.fromHex("06010300000000000000000000000000")), t.minimumTeeTcbSvn());

    Policy s = parse(EVERY_SGX_KEY);
    assertEquals(Optional.of(TeeType.SGX), s.teeType());
    assertEquals(Optional.of(Set.of()), s.allowedAdvisoryIds());
    assertEquals(EnumSet.of(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED), s.acceptedTcbStatuses());
    assertEquals(Bytes.fromHex("04000000000000000000000000000000"), s.sgxAttributes().orElseThrow().value());
    // MISCSELECT is a u32 in JSON; the rule holds it in the quote's little-endian byte order.
    assertEquals(new Masked(Bytes.fromHex("ffffffff"), Bytes.fromHex("01000000")), s.miscSelect().orElseThrow());
    assertEquals(Optional.of(65535), s.isvProdId());
    assertEquals(Optional.of(3), s.minimumIsvSvn());
    assertEquals(Optional.of(Duration.ofHours(12)), s.maxCollateralAge());
  }

  @Test
  void everyKeyRoundTripsThroughTheCanonicalForm() throws Exception {
    List<Policy> policies = new ArrayList<>();
    for (String json : List.of(ISSUE_EXAMPLE, EVERY_TDX_KEY, EVERY_SGX_KEY, "{}")) {
      policies.add(parse(json));
    }
    policies.add(Policy.daemonDefault());
    policies.add(Policy.builder().build());
    policies.add(Policy.builder().name("builder sgx").miscSelect(0xf0000000L, 0x10000000L)
        .reportData(Bytes.fromHex("0102")).allowedAdvisoryIds().build());
    for (Policy p : policies) {
      Policy again = parse(p.canonicalJson());
      assertEquals(p, again, p.name());
      assertEquals(p.sha256(), again.sha256(), p.name());
      assertEquals(p.canonicalJson(), again.canonicalJson(), p.name());
      // Equality is by canonical form; these are the rules themselves.
      assertEquals(p.acceptedTcbStatuses(), again.acceptedTcbStatuses(), p.name());
      assertEquals(p.allowedAdvisoryIds(), again.allowedAdvisoryIds(), p.name());
      assertEquals(p.miscSelect(), again.miscSelect(), p.name());
      assertEquals(p.sgxAttributes(), again.sgxAttributes(), p.name());
      assertEquals(p.tdAttributes(), again.tdAttributes(), p.name());
      assertEquals(p.xfam(), again.xfam(), p.name());
      assertEquals(p.minimumTeeTcbSvn(), again.minimumTeeTcbSvn(), p.name());
      assertEquals(p.reportData(), again.reportData(), p.name());
      assertEquals(p.maxAge(), again.maxAge(), p.name());
      assertEquals(p.maxCollateralAge(), again.maxCollateralAge(), p.name());
      assertEquals(p.outOfDateGrace(), again.outOfDateGrace(), p.name());
      assertEquals(p.isvProdId(), again.isvProdId(), p.name());
      assertEquals(p.minimumIsvSvn(), again.minimumIsvSvn(), p.name());
      assertEquals(p.teeType(), again.teeType(), p.name());
      assertEquals(p.insecureAllowDebug(), again.insecureAllowDebug(), p.name());
      assertEquals(p.insecureAllowNonIntelRoot(), again.insecureAllowNonIntelRoot(), p.name());
      assertEquals(p.mrTd(), again.mrTd(), p.name());
      for (int i = 0; i < 4; i++) {
        assertEquals(p.rtmr(i), again.rtmr(i), p.name());
      }
      assertEquals(p.mrConfigId(), again.mrConfigId(), p.name());
      assertEquals(p.mrOwner(), again.mrOwner(), p.name());
      assertEquals(p.mrOwnerConfig(), again.mrOwnerConfig(), p.name());
      assertEquals(p.mrEnclave(), again.mrEnclave(), p.name());
      assertEquals(p.mrSigner(), again.mrSigner(), p.name());
    }
  }

  @Test
  void theCanonicalFormIsFixed() throws Exception {
    // The contract verdicts rely on: changing this string changes every policy's SHA-256.
    String expected = "{\"advisory_ids\":{\"allow\":null},\"insecure_allow_debug\":false,"
        + "\"insecure_allow_non_intel_root\":false,\"max_age\":null,\"max_collateral_age\":\"PT720H\","
        + "\"name\":\"prod\",\"out_of_date_grace\":null,\"report_data\":null,"
        + "\"sgx\":{\"attributes\":null,\"isv_prod_id\":null,\"min_isv_svn\":null,"
        + "\"miscselect\":{\"mask\":\"0xffffffff\",\"value\":\"0x00000001\"},\"mrenclave\":null,\"mrsigner\":null},"
        + "\"tcb_status\":[\"UpToDate\",\"SWHardeningNeeded\"],"
        + "\"tdx\":{\"min_tee_tcb_svn\":null,\"mr_config_id\":null,\"mr_owner\":null,\"mr_owner_config\":null,"
        + "\"mrtd\":null,\"rtmr0\":null,\"rtmr1\":null,\"rtmr2\":null,\"rtmr3\":null,\"td_attributes\":null,"
        + "\"xfam\":null},\"tee\":null}";
    Policy p = parse("""
        {"name": "prod", "tcb_status": ["SWHardeningNeeded", "UpToDate"], "max_collateral_age": "P30D",
         "sgx": {"miscselect": {"mask": 4294967295, "value": 1}}}
        """);
    assertEquals(expected, p.canonicalJson());
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(expected.getBytes(StandardCharsets.UTF_8));
    assertEquals(HexFormat.of().formatHex(digest), p.sha256());
  }

  @Test
  void theCanonicalFormIgnoresKeyOrderWhitespaceAndHexCase() throws Exception {
    Policy a = parse(ISSUE_EXAMPLE);
    Policy b = parse("""
        {
          "max_collateral_age" : "P30D",
          "sgx" : { "min_isv_svn" : 0, "isv_prod_id" : 0, "mrsigner" : [ "%2$s" ], "mrenclave" : [ "%2$s" ] },
          "tdx" : {
            "mr_config_id" : [ "%1$s" ],
            "xfam" : { "value" : "0XE702060000000000", "mask" : "0xFFFFFFFFFFFFFFFF" },
            "td_attributes" : { "value" : "0x0000001000000000", "mask" : "0xFfFfFfFfFfFfFfFf" },
            "rtmr0" : [ "%1$s" ],
            "mrtd" : [ "%1$s" ]
          },
          "advisory_ids" : { "allow" : [ "INTEL-SA-00615", "INTEL-SA-00615" ] },
          "tcb_status" : [ "SWHardeningNeeded", "UpToDate" ],
          "allow_debug" : false,
          "name" : "prod"
        }
        """.formatted(MR48.toUpperCase().replace("0X", "0x"), MR32.toUpperCase()));
    assertEquals(a.canonicalJson(), b.canonicalJson());
    assertEquals(a.sha256(), b.sha256());
    assertEquals(a, b);

    Policy renamed = parse(ISSUE_EXAMPLE.replace("\"prod\"", "\"staging\""));
    assertNotEquals(a.sha256(), renamed.sha256());
    Policy debug = parse(ISSUE_EXAMPLE.replace("\"allow_debug\": false", "\"insecure_allow_debug\": true"));
    assertNotEquals(a.sha256(), debug.sha256());
  }

  @Test
  void aBuiltPolicyAndItsFileAreOnePolicy() throws Exception {
    // The builder's default minimum (UpToDate) and a file's explicit list name the same statuses.
    Policy built = Policy.builder().name("p").allowMrTd(Bytes.fromHex(MR48)).build();
    Policy read = parse("{\"name\": \"p\", \"tcb_status\": [\"UpToDate\"], \"tdx\": {\"mrtd\": [\"" + MR48 + "\"]}}");
    assertEquals(built.sha256(), read.sha256());
    // A file without tcb_status accepts every status but an out-of-date or revoked platform's, as the
    // daemon's default does.
    assertEquals(EnumSet.complementOf(EnumSet.of(TcbStatus.OUT_OF_DATE, TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED,
        TcbStatus.REVOKED)), parse("{}").acceptedTcbStatuses());
    assertEquals(Policy.daemonDefault().acceptedTcbStatuses(), parse("{}").acceptedTcbStatuses());
  }

  @Test
  void nullMeansAbsent() throws Exception {
    Policy p = parse("""
        {"name": "n", "tee": null, "report_data": null, "max_age": null, "max_collateral_age": null,
         "advisory_ids": {"allow": null}, "insecure_allow_debug": null, "allow_debug": null,
         "tdx": {"mrtd": null, "td_attributes": null, "min_tee_tcb_svn": null},
         "sgx": {"isv_prod_id": null, "miscselect": null}}
        """);
    assertEquals(parse("{\"name\": \"n\"}"), p);
    assertFalse(p.insecureAllowDebug());
  }

  @Test
  void eachMistakeIsRefused() {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("unknown top-level key", "{\"name\": \"x\", \"allow_debugging\": false}");
    cases.put("unknown tdx key", "{\"tdx\": {\"mr_td\": [\"" + MR48 + "\"]}}");
    cases.put("unknown sgx key", "{\"sgx\": {\"isvprodid\": 1}}");
    cases.put("unknown masked key", "{\"tdx\": {\"xfam\": {\"mask\": \"0x01\", \"value\": \"0x01\", \"bits\": 1}}}");
    cases.put("unknown advisory key", "{\"advisory_ids\": {\"deny\": [\"INTEL-SA-00615\"]}}");
    cases.put("duplicate top-level key", "{\"name\": \"a\", \"name\": \"b\"}");
    cases.put("duplicate nested key", "{\"sgx\": {\"isv_prod_id\": 1, \"isv_prod_id\": 2}}");
    cases.put("bad hex", "{\"tdx\": {\"mrtd\": [\"0x" + "zz".repeat(48) + "\"]}}");
    cases.put("odd hex", "{\"tdx\": {\"mrtd\": [\"" + MR48 + "a\"]}}");
    cases.put("mrtd of 32 bytes", "{\"tdx\": {\"mrtd\": [\"" + MR32 + "\"]}}");
    cases.put("mrenclave of 48 bytes", "{\"sgx\": {\"mrenclave\": [\"" + MR48 + "\"]}}");
    cases.put("rtmr of 47 bytes", "{\"tdx\": {\"rtmr2\": [\"" + hex(47, "00") + "\"]}}");
    cases.put("td_attributes of 4 bytes", "{\"tdx\": {\"td_attributes\": {\"mask\": \"0x01\", \"value\": \"0x01\"}}}");
    cases.put("value outside mask",
        "{\"tdx\": {\"xfam\": {\"mask\": \"0x0100000000000000\", \"value\": \"0x0300000000000000\"}}}");
    cases.put("mask without value", "{\"tdx\": {\"xfam\": {\"mask\": \"0x0100000000000000\"}}}");
    cases.put("min_tee_tcb_svn of 8 bytes", "{\"tdx\": {\"min_tee_tcb_svn\": \"0x0601030000000000\"}}");
    cases.put("report_data of 65 bytes", "{\"report_data\": \"" + hex(65, "00") + "\"}");
    cases.put("empty report_data", "{\"report_data\": \"0x\"}");
    cases.put("miscselect above u32", "{\"sgx\": {\"miscselect\": {\"mask\": 4294967296, \"value\": 0}}}");
    cases.put("miscselect not hex", "{\"sgx\": {\"miscselect\": {\"mask\": \"0xffffffffg\", \"value\": 0}}}");
    cases.put("name a number", "{\"name\": 7}");
    cases.put("blank name", "{\"name\": \" \"}");
    cases.put("allow_debug a string", "{\"allow_debug\": \"false\"}");
    cases.put("tcb_status a string", "{\"tcb_status\": \"UpToDate\"}");
    cases.put("empty tcb_status", "{\"tcb_status\": []}");
    cases.put("mrtd a string", "{\"tdx\": {\"mrtd\": \"" + MR48 + "\"}}");
    cases.put("empty mrtd", "{\"tdx\": {\"mrtd\": []}}");
    cases.put("tdx a list", "{\"tdx\": []}");
    cases.put("isv_prod_id a string", "{\"sgx\": {\"isv_prod_id\": \"0\"}}");
    cases.put("isv_prod_id fractional", "{\"sgx\": {\"isv_prod_id\": 1.5}}");
    cases.put("isv_prod_id above u16", "{\"sgx\": {\"isv_prod_id\": 65536}}");
    cases.put("min_isv_svn negative", "{\"sgx\": {\"min_isv_svn\": -1}}");
    cases.put("advisory id a number", "{\"advisory_ids\": {\"allow\": [615]}}");
    cases.put("max_age a number", "{\"max_age\": 300}");
    cases.put("allow_debug true", "{\"name\": \"x\", \"allow_debug\": true}");
    cases.put("unknown TCB status", "{\"tcb_status\": [\"UpToDate\", \"Uptodate\"]}");
    cases.put("Revoked in tcb_status", "{\"tcb_status\": [\"UpToDate\", \"Revoked\"]}");
    cases.put("bad duration", "{\"max_collateral_age\": \"30 days\"}");
    cases.put("duration in months", "{\"max_collateral_age\": \"P1M\"}");
    cases.put("zero duration", "{\"max_age\": \"PT0S\"}");
    cases.put("negative duration", "{\"max_collateral_age\": \"-P30D\"}");
    cases.put("unknown tee", "{\"tee\": \"SEV\"}");
    cases.put("grace without tcb_status", "{\"out_of_date_grace\": \"P90D\"}");
    cases.put("grace without an out-of-date status",
        "{\"tcb_status\": [\"UpToDate\", \"SWHardeningNeeded\"], \"out_of_date_grace\": \"P90D\"}");
    cases.put("grace a number", "{\"tcb_status\": [\"OutOfDate\"], \"out_of_date_grace\": 90}");
    cases.put("zero grace", "{\"tcb_status\": [\"OutOfDate\"], \"out_of_date_grace\": \"PT0S\"}");
    cases.put("grace in a tcb_status object", "{\"tcb_status\": {\"allow\": [\"OutOfDate\"], \"out_of_date_grace\": \"P90D\"}}");
    cases.put("tee contradicts rules", "{\"tee\": \"SGX\", \"tdx\": {\"mrtd\": [\"" + MR48 + "\"]}}");
    cases.put("not an object", "[]");
    cases.put("not JSON", "{\"name\": ");
    cases.put("empty text", "");
    cases.put("trailing tokens", "{} {}");
    cases.put("a comment", "{/* prod */}");
    List<String> accepted = new ArrayList<>();
    for (Map.Entry<String, String> c : cases.entrySet()) {
      try {
        parse(c.getValue());
        accepted.add(c.getKey());
      } catch (PolicyFormatException expected) {
        // refused, as it should be
      } catch (RuntimeException e) {
        accepted.add(c.getKey() + " (threw " + e + ")");
      }
    }
    assertEquals(List.of(), accepted);
  }

  @Test
  void theGraceIsPartOfThePolicysIdentity() throws Exception {
    Policy p = parse("{\"tcb_status\": [\"UpToDate\", \"OutOfDate\"], \"out_of_date_grace\": \"P90D\"}");
    assertTrue(p.canonicalJson().contains("\"out_of_date_grace\":\"PT2160H\""), p.canonicalJson());
    Policy longer = parse("{\"tcb_status\": [\"UpToDate\", \"OutOfDate\"], \"out_of_date_grace\": \"P91D\"}");
    Policy none = parse("{\"tcb_status\": [\"UpToDate\", \"OutOfDate\"]}");
    assertNotEquals(p.sha256(), longer.sha256());
    assertNotEquals(p.sha256(), none.sha256());
    assertEquals(Optional.empty(), none.outOfDateGrace());
    assertTrue(none.canonicalJson().contains("\"out_of_date_grace\":null"), none.canonicalJson());
  }

  @Test
  void theInsecureOptionsNameThemselvesInThePolicysName() throws Exception {
    Policy d = Policy.daemonDefault();
    assertSame(d, d.withInsecureOptions(false, false));
    assertFalse(d.insecureAllowNonIntelRoot(), "the default itself trusts Intel's root only");
    assertEquals("default+insecure-allow-debug", d.withInsecureOptions(true, false).name());
    assertEquals("default+insecure-trust-root", d.withInsecureOptions(false, true).name());
    Policy both = d.withInsecureOptions(true, true);
    assertEquals("default+insecure-allow-debug+insecure-trust-root", both.name());
    assertTrue(both.insecureAllowDebug());
    assertTrue(both.insecureAllowNonIntelRoot());
    // The name is in the canonical form: each is another policy, and it reads back as itself.
    assertEquals(4, Set.of(d.sha256(), d.withInsecureOptions(true, false).sha256(),
        d.withInsecureOptions(false, true).sha256(), both.sha256()).size());
    assertEquals(both, parse(both.canonicalJson()));
    // A file's own name gets the same suffixes, and applying the options again adds nothing.
    Policy file = parse("{\"name\": \"prod\"}").withInsecureOptions(false, true);
    assertEquals("prod+insecure-trust-root", file.name());
    assertEquals(file, file.withInsecureOptions(false, true));
    // A name at the limit is cut short so that the suffixes fit and show.
    String longName = "p".repeat(Policy.MAX_NAME_LENGTH);
    Policy cut = parse("{\"name\": \"" + longName + "\"}").withInsecureOptions(true, true);
    assertEquals(Policy.MAX_NAME_LENGTH, cut.name().length());
    assertTrue(cut.name().endsWith("p+insecure-allow-debug+insecure-trust-root"), cut.name());
    assertEquals(cut, parse(cut.canonicalJson()));
  }

  @Test
  void allowDebugFalseIsAcceptedAndOnlyTheInsecureKeyAllowsDebug() throws Exception {
    assertFalse(parse("{\"allow_debug\": false}").insecureAllowDebug());
    assertFalse(parse("{\"insecure_allow_debug\": false}").insecureAllowDebug());
    assertTrue(parse("{\"insecure_allow_debug\": true}").insecureAllowDebug());
  }

  @Test
  void aFileIsReadUpToTheSizeLimit(@TempDir Path dir) throws Exception {
    String body = "{\"name\": \"big\"}";
    Path atLimit = dir.resolve("at-limit.json");
    Files.writeString(atLimit, body + " ".repeat(PolicyJson.MAX_FILE_BYTES - body.length()));
    assertEquals("big", PolicyJson.parse(atLimit).name());

    Path over = dir.resolve("over.json");
    Files.writeString(over, body + " ".repeat(PolicyJson.MAX_FILE_BYTES - body.length() + 1));
    assertThrows(PolicyFormatException.class, () -> PolicyJson.parse(over));
  }

  @Test
  void aDeviceWithoutEndIsRefusedAtTheLimit() {
    // Files.size says 0 for /dev/zero; only a bounded read stops.
    Path zero = Path.of("/dev/zero");
    Assumptions.assumeTrue(Files.isReadable(zero), "needs /dev/zero");
    assertThrows(PolicyFormatException.class, () -> PolicyJson.parse(zero));
  }

  @Test
  void aFileThatIsNotAPolicyIsRefused(@TempDir Path dir) throws Exception {
    assertThrows(PolicyFormatException.class, () -> PolicyJson.parse(dir.resolve("absent.json")));
    Path notUtf8 = dir.resolve("latin1.json");
    Files.write(notUtf8, new byte[] {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xe9, '"', '}'});
    assertThrows(PolicyFormatException.class, () -> PolicyJson.parse(notUtf8));
    Path ok = dir.resolve("issue.json");
    Files.writeString(ok, ISSUE_EXAMPLE);
    assertEquals(parse(ISSUE_EXAMPLE), PolicyJson.parse(ok));
  }
}
