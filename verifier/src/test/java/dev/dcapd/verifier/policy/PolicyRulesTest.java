package dev.dcapd.verifier.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteLayout;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each rule of a policy, accepted and refused, on dcap-qvl's real TDX quote (UpToDate, no
 * advisories) and SGX quote (ConfigurationAndSWHardeningNeeded, INTEL-SA-00289 and -00615), with
 * the verdicts the verifier gives for them against their real collateral.
 *
 * <p>Where no real quote has the value a case needs (debug, a set MISCSELECT bit, an ISVSVN above
 * 0, a status other than the vectors'), the case clones a real quote, changes one field and builds
 * the verdict by hand from the real one with the clone's checksum: the change breaks the quote's
 * signature, and the policy judges a verdict, not a signature. The testkit, which signs such
 * quotes, depends on this module and cannot be used here.
 */
class PolicyRulesTest {
  private static final Instant TDX_AT = Instant.ofEpochSecond(1752919234L);
  private static final Instant SGX_AT = Instant.ofEpochSecond(1752919277L);
  /** The older of the TDX collateral's TCB info (10:16:03) and QE identity (10:32:27) issue dates. */
  private static final Instant TDX_COLLATERAL_ISSUED = Instant.parse("2025-06-19T10:16:03Z");
  /** TD_ATTRIBUTES.SEPT_VE_DISABLE, bit 28: byte 3, 0x10 in the quote's little-endian field. */
  private static final int SEPT_VE_DISABLE_BYTE = 3;
  private static final int SEPT_VE_DISABLE_BIT = 0x10;

  private static Quote tdx;
  private static TdReport td;
  private static QuoteCollateral tdxCollateral;
  private static Verdict tdxVerdict;
  private static Quote sgx;
  private static EnclaveReport enclave;
  private static QuoteCollateral sgxCollateral;
  private static Verdict sgxVerdict;

  @BeforeAll
  static void verifyTheRealQuotes() throws Exception {
    QuoteVerifier verifier =
        QuoteVerifier.create(TrustAnchor.intel(), new CollateralVerifier(), QuoteVerifier.DEFAULT_PLATFORM_CAPACITY);
    tdx = QuoteParser.parse(Vectors.bytes("dcap-qvl/tdx_quote"));
    td = (TdReport) tdx.body();
    tdxCollateral = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    tdxVerdict = verifier.verify(tdx, tdxCollateral, TDX_AT);
    sgx = QuoteParser.parse(Vectors.bytes("dcap-qvl/sgx_quote"));
    enclave = (EnclaveReport) sgx.body();
    sgxCollateral = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/sgx_quote_collateral.json"));
    sgxVerdict = verifier.verify(sgx, sgxCollateral, SGX_AT);
    // What the cases below rely on, as the vectors' README states it.
    assertEquals(Optional.of(TcbStatus.UP_TO_DATE), tdxVerdict.tcbStatus());
    assertEquals(List.of(), tdxVerdict.advisoryIds());
    assertEquals(Optional.of(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED), sgxVerdict.tcbStatus());
    assertEquals(List.of("INTEL-SA-00289", "INTEL-SA-00615"), sgxVerdict.advisoryIds());
    assertEquals(Bytes.fromHex("0000001000000000"), td.tdAttributes());
    assertEquals(Bytes.fromHex("e702060000000000"), td.xfam());
    assertEquals(Bytes.fromHex("06010300000000000000000000000000"), td.teeTcbSvn());
    assertEquals(Bytes.fromHex("0500000000000000e700000000000000"), enclave.attributes());
    assertEquals(0, enclave.isvProdId());
    assertEquals(0, enclave.isvSvn());
    assertEquals(0, enclave.miscSelect());
  }

  // ---- helpers ----

  private static Appraisal appraise(Policy p, Verdict v, Quote q, Optional<QuoteCollateral> c, Instant at) {
    Appraisal a = PolicyCheck.appraise(p, v, q, c, at);
    assertEquals(p.name(), a.policyName());
    assertEquals(p.sha256(), a.policySha256());
    return a;
  }

  private static List<PolicyViolation> codes(Appraisal a) {
    return a.violations().stream().map(Violation::code).toList();
  }

  private static void accepts(Policy p, Verdict v, Quote q, Optional<QuoteCollateral> c, Instant at) throws Exception {
    Appraisal a = appraise(p, v, q, c, at);
    assertEquals(List.of(), codes(a));
    assertTrue(a.success());
    assertEquals(Optional.empty(), a.failureCode());
    if (p.maxCollateralAge().isEmpty()) {
      assertSame(q, PolicyCheck.check(p, v, q, at));
    }
  }

  private static void acceptsTdx(Policy p) throws Exception {
    accepts(p, tdxVerdict, tdx, Optional.of(tdxCollateral), TDX_AT);
  }

  private static void acceptsSgx(Policy p) throws Exception {
    accepts(p, sgxVerdict, sgx, Optional.of(sgxCollateral), SGX_AT);
  }

  /** The policy breaks exactly one rule: {@code code}, reported by appraise and check alike. */
  private static void refuses(PolicyViolation code, Policy p, Verdict v, Quote q, Optional<QuoteCollateral> c,
      Instant at) {
    Appraisal a = appraise(p, v, q, c, at);
    assertEquals(List.of(code), codes(a));
    assertFalse(a.success());
    assertEquals(Optional.of(code == PolicyViolation.DEBUG_NOT_ALLOWED
        ? FailureCode.DEBUG_NOT_ALLOWED : FailureCode.POLICY_VIOLATION), a.failureCode());
    assertEquals(code, assertThrows(PolicyException.class, () -> PolicyCheck.check(p, v, q, at)).violation());
  }

  private static void refusesTdx(PolicyViolation code, Policy p) {
    refuses(code, p, tdxVerdict, tdx, Optional.of(tdxCollateral), TDX_AT);
  }

  private static void refusesSgx(PolicyViolation code, Policy p) {
    refuses(code, p, sgxVerdict, sgx, Optional.of(sgxCollateral), SGX_AT);
  }

  /** Starts every policy from "any TCB status" so each case isolates one rule. */
  private static Policy.Builder anyStatus() {
    return Policy.builder().minimumTcbStatus(TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED);
  }

  /** A clone of {@code q} with {@code bytes} written at {@code bodyStart} into its body. */
  private static Quote withBody(Quote q, int bodyStart, Bytes bytes) throws Exception {
    byte[] raw = q.raw().toByteArray();
    bytes.copyTo(raw, q.bodyOffset() + bodyStart);
    return QuoteParser.parse(raw);
  }

  /** A clone of {@code q} with one body byte's bits {@code bits} set or cleared. */
  private static Quote withBits(Quote q, int bodyIndex, int bits, boolean set) throws Exception {
    int b = q.raw().unsigned(q.bodyOffset() + bodyIndex);
    return withBody(q, bodyIndex, Bytes.of(new byte[] {(byte) (set ? b | bits : b & ~bits)}));
  }

  /** {@code v} as the verifier would give it for {@code q} (whose signature no longer holds). */
  private static Verdict verdictFor(Verdict v, Quote q) throws Exception {
    String checksum = Bytes.of(MessageDigest.getInstance("SHA-256").digest(q.raw().toByteArray())).hex();
    return v.toBuilder().checksum(checksum).build();
  }

  /** {@code v} with another TCB status (the vectors have no real OutOfDate verdict). */
  private static Verdict withStatus(Verdict v, TcbStatus status) {
    return v.toBuilder().tcbStatus(status).build();
  }

  private static Bytes flipped(Bytes b) {
    byte[] x = b.toByteArray();
    x[0] ^= 0x01;
    return Bytes.of(x);
  }

  private static Quote debugTd() throws Exception {
    return withBits(tdx, QuoteLayout.TD_TD_ATTRIBUTES_START + PolicyCheck.TD_DEBUG_BYTE, PolicyCheck.TD_DEBUG_BIT, true);
  }

  private static Quote debugEnclave() throws Exception {
    return withBits(sgx, QuoteLayout.ER_ATTRIBUTES_START + PolicyCheck.SGX_DEBUG_BYTE, PolicyCheck.SGX_DEBUG_BIT, true);
  }

  // ---- TDX rules ----

  @Test
  void tdAttributesUnderTheMask() throws Exception {
    // DEBUG (bit 0) and SEPT_VE_DISABLE (bit 28) must be 0 and 1; the real TD has exactly that.
    Bytes mask = Bytes.fromHex("0100001000000000");
    acceptsTdx(anyStatus().tdAttributes(mask, Bytes.fromHex("0000001000000000")).build());
    acceptsTdx(anyStatus().tdAttributes(Bytes.fromHex("ffffffffffffffff"), td.tdAttributes()).build());
    refusesTdx(PolicyViolation.TD_ATTRIBUTES,
        anyStatus().tdAttributes(Bytes.fromHex("0000001000000000"), Bytes.zeros(8)).build());

    // A TD without SEPT_VE_DISABLE, against a policy requiring it.
    Quote noSeptVeDisable =
        withBits(tdx, QuoteLayout.TD_TD_ATTRIBUTES_START + SEPT_VE_DISABLE_BYTE, SEPT_VE_DISABLE_BIT, false);
    assertEquals(Bytes.zeros(8), ((TdReport) noSeptVeDisable.body()).tdAttributes());
    Verdict v = verdictFor(tdxVerdict, noSeptVeDisable);
    Policy requireIt = anyStatus().tdAttributes(mask, Bytes.fromHex("0000001000000000")).build();
    refuses(PolicyViolation.TD_ATTRIBUTES, requireIt, v, noSeptVeDisable, Optional.empty(), TDX_AT);
    accepts(anyStatus().build(), v, noSeptVeDisable, Optional.empty(), TDX_AT);
  }

  @Test
  void xfamUnderTheMask() throws Exception {
    acceptsTdx(anyStatus().xfam(Bytes.fromHex("ffffffffffffffff"), td.xfam()).build());
    // AMX (bits 17 and 18) must be off: the real TD has them on.
    acceptsTdx(anyStatus().xfam(Bytes.fromHex("0000010000000000"), Bytes.zeros(8)).build());
    refusesTdx(PolicyViolation.XFAM, anyStatus().xfam(Bytes.fromHex("0000060000000000"), Bytes.zeros(8)).build());
    refusesTdx(PolicyViolation.XFAM,
        anyStatus().xfam(Bytes.fromHex("ffffffffffffffff"), Bytes.fromHex("e702000000000000")).build());
  }

  @Test
  void mrConfigIdMrOwnerAndMrOwnerConfig() throws Exception {
    acceptsTdx(anyStatus().allowMrConfigId(flipped(td.mrConfigId()), td.mrConfigId()).build());
    refusesTdx(PolicyViolation.MRCONFIGID, anyStatus().allowMrConfigId(flipped(td.mrConfigId())).build());
    acceptsTdx(anyStatus().allowMrOwner(td.mrOwner()).build());
    refusesTdx(PolicyViolation.MROWNER, anyStatus().allowMrOwner(flipped(td.mrOwner())).build());
    acceptsTdx(anyStatus().allowMrOwnerConfig(td.mrOwnerConfig()).build());
    refusesTdx(PolicyViolation.MROWNERCONFIG, anyStatus().allowMrOwnerConfig(flipped(td.mrOwnerConfig())).build());

    // A TD whose MRCONFIGID is set, as a host passes a configuration's hash.
    Bytes config = Bytes.fromHex("c0".repeat(48));
    Quote configured = withBody(tdx, QuoteLayout.TD_MR_CONFIG_ID_START, config);
    Verdict v = verdictFor(tdxVerdict, configured);
    accepts(anyStatus().allowMrConfigId(config).build(), v, configured, Optional.empty(), TDX_AT);
    refuses(PolicyViolation.MRCONFIGID, anyStatus().allowMrConfigId(td.mrConfigId()).build(), v, configured,
        Optional.empty(), TDX_AT);
  }

  @Test
  void minimumTeeTcbSvnComponentByComponent() throws Exception {
    acceptsTdx(anyStatus().minimumTeeTcbSvn(td.teeTcbSvn()).build());
    acceptsTdx(anyStatus().minimumTeeTcbSvn(Bytes.fromHex("05010300000000000000000000000000")).build());
    refusesTdx(PolicyViolation.TEE_TCB_SVN,
        anyStatus().minimumTeeTcbSvn(Bytes.fromHex("07000000000000000000000000000000")).build());
    // Not a number: a lower first component does not excuse a higher second one.
    refusesTdx(PolicyViolation.TEE_TCB_SVN,
        anyStatus().minimumTeeTcbSvn(Bytes.fromHex("05020000000000000000000000000000")).build());
    refusesTdx(PolicyViolation.TEE_TCB_SVN,
        anyStatus().minimumTeeTcbSvn(Bytes.fromHex("06010300000000000000000000000001")).build());
  }

  // ---- SGX rules ----

  @Test
  void sgxAttributesUnderTheMask() throws Exception {
    // MODE64BIT (bit 2) on, DEBUG (bit 1) off: the real enclave.
    Bytes mask = Bytes.fromHex("06000000000000000000000000000000");
    acceptsSgx(anyStatus().sgxAttributes(mask, Bytes.fromHex("04000000000000000000000000000000")).build());
    acceptsSgx(anyStatus().sgxAttributes(Bytes.fromHex("ff".repeat(16)), enclave.attributes()).build());
    // KSS (bit 7) required: the real enclave does not have it.
    refusesSgx(PolicyViolation.SGX_ATTRIBUTES, anyStatus().sgxAttributes(Bytes.fromHex("80" + "00".repeat(15)),
        Bytes.fromHex("80" + "00".repeat(15))).build());
    // XFRM (the second 8 bytes) is under the mask too.
    refusesSgx(PolicyViolation.SGX_ATTRIBUTES, anyStatus().sgxAttributes(Bytes.fromHex("00".repeat(8) + "ff" + "00".repeat(7)),
        Bytes.fromHex("00".repeat(8) + "07" + "00".repeat(7))).build());
  }

  @Test
  void miscSelectUnderTheMaskAsAU32() throws Exception {
    acceptsSgx(anyStatus().miscSelect(0xffffffffL, 0).build());
    refusesSgx(PolicyViolation.MISCSELECT, anyStatus().miscSelect(0x1L, 0x1L).build());

    // An enclave with MISCSELECT.EXINFO (bit 0): little-endian 01 00 00 00 in the quote.
    Quote exinfo = withBody(sgx, QuoteLayout.ER_MISC_SELECT_START, Bytes.fromHex("01000000"));
    assertEquals(1L, ((EnclaveReport) exinfo.body()).miscSelect());
    Verdict v = verdictFor(sgxVerdict, exinfo);
    Policy bit0 = PolicyJson.parse("{\"sgx\": {\"miscselect\": {\"mask\": \"0x000000ff\", \"value\": \"0x00000001\"}}}");
    accepts(bit0, v, exinfo, Optional.empty(), SGX_AT);
    Policy bit24 = PolicyJson.parse("{\"sgx\": {\"miscselect\": {\"mask\": \"0xff000000\", \"value\": \"0x01000000\"}}}");
    refuses(PolicyViolation.MISCSELECT, bit24, v, exinfo, Optional.empty(), SGX_AT);
    // The canonical form keeps the meaning (it once turned bit 0 into bit 24).
    accepts(PolicyJson.parse(bit0.canonicalJson()), v, exinfo, Optional.empty(), SGX_AT);
  }

  @Test
  void isvProdIdAndMinimumIsvSvn() throws Exception {
    acceptsSgx(anyStatus().isvProdId(0).minimumIsvSvn(0).build());
    refusesSgx(PolicyViolation.ISV_PROD_ID, anyStatus().isvProdId(1).build());
    refusesSgx(PolicyViolation.ISV_SVN, anyStatus().minimumIsvSvn(1).build());

    // An enclave at ISVPRODID 7, ISVSVN 5 (both little-endian u16).
    Quote q = withBody(withBody(sgx, QuoteLayout.ER_ISV_PROD_ID_START, Bytes.fromHex("0700")),
        QuoteLayout.ER_ISV_SVN_START, Bytes.fromHex("0500"));
    Verdict v = verdictFor(sgxVerdict, q);
    accepts(anyStatus().isvProdId(7).minimumIsvSvn(5).build(), v, q, Optional.empty(), SGX_AT);
    accepts(anyStatus().minimumIsvSvn(4).build(), v, q, Optional.empty(), SGX_AT);
    refuses(PolicyViolation.ISV_SVN, anyStatus().minimumIsvSvn(6).build(), v, q, Optional.empty(), SGX_AT);
    refuses(PolicyViolation.ISV_PROD_ID, anyStatus().isvProdId(0x700).build(), v, q, Optional.empty(), SGX_AT);
  }

  // ---- TCB status, advisories, collateral age ----

  @Test
  void tcbStatusList() throws Exception {
    acceptsTdx(anyStatus().allowedTcbStatuses(TcbStatus.UP_TO_DATE).build());
    refusesTdx(PolicyViolation.TCB_STATUS,
        anyStatus().allowedTcbStatuses(TcbStatus.SW_HARDENING_NEEDED, TcbStatus.OUT_OF_DATE).build());
    Policy issue = PolicyJson.parse("{\"tcb_status\": [\"UpToDate\", \"SWHardeningNeeded\"]}");
    acceptsTdx(issue);
    refusesSgx(PolicyViolation.TCB_STATUS, issue);
    acceptsSgx(PolicyJson.parse("{\"tcb_status\": [\"UpToDate\", \"ConfigurationAndSWHardeningNeeded\"]}"));
    // The list is "one of", not "up to": a more severe status listed does not admit a milder one.
    refusesSgx(PolicyViolation.TCB_STATUS, PolicyJson.parse("{\"tcb_status\": [\"UpToDate\", \"OutOfDate\"]}"));
    Verdict outOfDate = withStatus(tdxVerdict, TcbStatus.OUT_OF_DATE);
    accepts(PolicyJson.parse("{\"tcb_status\": [\"UpToDate\", \"OutOfDate\"]}"), outOfDate, tdx, Optional.empty(),
        TDX_AT);
  }

  @Test
  void advisoryAllowList() throws Exception {
    acceptsSgx(anyStatus().build());
    acceptsSgx(anyStatus().allowedAdvisoryIds("INTEL-SA-00615", "INTEL-SA-00289", "INTEL-SA-00837").build());
    refusesSgx(PolicyViolation.ADVISORY, anyStatus().allowedAdvisoryIds("INTEL-SA-00615").build());
    refusesSgx(PolicyViolation.ADVISORY, anyStatus().allowedAdvisoryIds().build());
    refusesSgx(PolicyViolation.ADVISORY, PolicyJson.parse("{\"advisory_ids\": {\"allow\": [\"INTEL-SA-00615\"]}}"));
    refusesSgx(PolicyViolation.ADVISORY, PolicyJson.parse("{\"advisory_ids\": {\"allow\": []}}"));
    // The TDX verdict names none, so even "no advisory at all" accepts it.
    acceptsTdx(PolicyJson.parse("{\"advisory_ids\": {\"allow\": []}}"));
  }

  @Test
  void maximumCollateralAgeByTheOlderIssueDate() throws Exception {
    Duration age = Duration.between(TDX_COLLATERAL_ISSUED, TDX_AT);
    acceptsTdx(anyStatus().maxCollateralAge(Duration.ofDays(30)).build());
    acceptsTdx(anyStatus().maxCollateralAge(age).build());
    refusesTdx(PolicyViolation.COLLATERAL_TOO_OLD, anyStatus().maxCollateralAge(age.minusSeconds(1)).build());
    refusesTdx(PolicyViolation.COLLATERAL_TOO_OLD, PolicyJson.parse("{\"max_collateral_age\": \"P29D\"}"));
    acceptsTdx(PolicyJson.parse("{\"max_collateral_age\": \"P30D\"}"));

    Policy p = anyStatus().maxCollateralAge(Duration.ofDays(30)).build();
    // Without the collateral the age is unknown, so the rule counts as broken.
    Appraisal none = appraise(p, tdxVerdict, tdx, Optional.empty(), TDX_AT);
    assertEquals(List.of(PolicyViolation.COLLATERAL_TOO_OLD), codes(none));
    assertEquals(PolicyViolation.COLLATERAL_TOO_OLD,
        assertThrows(PolicyException.class, () -> PolicyCheck.check(p, tdxVerdict, tdx, TDX_AT)).violation());
    // Collateral other than the verdict's cannot vouch for its age.
    Appraisal other = appraise(p, tdxVerdict, tdx, Optional.of(sgxCollateral), TDX_AT);
    assertEquals(List.of(PolicyViolation.COLLATERAL_MISMATCH), codes(other));
    assertEquals(Optional.of(FailureCode.POLICY_VIOLATION), other.failureCode());
  }

  // ---- debug ----

  @Test
  void debugIsRefusedUnlessInsecurelyAllowed() throws Exception {
    assertFalse(PolicyCheck.isDebug(tdx));
    assertFalse(PolicyCheck.isDebug(sgx));
    Quote debugTd = debugTd();
    Quote debugEnclave = debugEnclave();
    assertTrue(PolicyCheck.isDebug(debugTd));
    assertTrue(PolicyCheck.isDebug(debugEnclave));
    Verdict tdV = verdictFor(tdxVerdict, debugTd);
    Verdict sgxV = verdictFor(sgxVerdict, debugEnclave);
    // The real verdict names the real quote: it cannot vouch for the clone.
    refuses(PolicyViolation.QUOTE_MISMATCH, anyStatus().build(), tdxVerdict, debugTd, Optional.empty(), TDX_AT);

    for (Policy p : List.of(anyStatus().build(), Policy.daemonDefault(), PolicyJson.parse("{}"),
        PolicyJson.parse("{\"allow_debug\": false}"))) {
      refuses(PolicyViolation.DEBUG_NOT_ALLOWED, p, tdV, debugTd, Optional.empty(), TDX_AT);
      refuses(PolicyViolation.DEBUG_NOT_ALLOWED, p, sgxV, debugEnclave, Optional.empty(), SGX_AT);
    }
    for (Policy p : List.of(anyStatus().insecureAllowDebug().build(),
        Policy.daemonDefault().toBuilder().insecureAllowDebug().build(),
        PolicyJson.parse("{\"insecure_allow_debug\": true}"))) {
      accepts(p, tdV, debugTd, Optional.empty(), TDX_AT);
      accepts(p, sgxV, debugEnclave, Optional.empty(), SGX_AT);
    }
    // Allowing debug does not stop a td_attributes rule from refusing it.
    refuses(PolicyViolation.TD_ATTRIBUTES,
        anyStatus().insecureAllowDebug().tdAttributes(Bytes.fromHex("0100000000000000"), Bytes.zeros(8)).build(),
        tdV, debugTd, Optional.empty(), TDX_AT);
  }

  @Test
  void debugAmongOtherViolationsIsTheFailure() throws Exception {
    Quote debugTd = debugTd();
    Verdict v = verdictFor(tdxVerdict, debugTd);
    Policy p = anyStatus().allowMrTd(flipped(td.mrTd())).xfam(Bytes.fromHex("ff00000000000000"), Bytes.zeros(8)).build();
    Appraisal a = appraise(p, v, debugTd, Optional.empty(), TDX_AT);
    assertEquals(List.of(PolicyViolation.DEBUG_NOT_ALLOWED, PolicyViolation.MRTD, PolicyViolation.XFAM), codes(a));
    assertEquals(Optional.of(FailureCode.DEBUG_NOT_ALLOWED), a.failureCode());
  }

  // ---- appraise ----

  @Test
  void appraiseListsEveryViolation() throws Exception {
    Policy p = Policy.builder()
        .name("strict")
        .allowedTcbStatuses(TcbStatus.SW_HARDENING_NEEDED)
        .minimumTcbStatus(TcbStatus.OUT_OF_DATE)
        .maxCollateralAge(Duration.ofDays(1))
        .allowMrTd(flipped(td.mrTd()))
        .allowMrOwner(flipped(td.mrOwner()))
        .xfam(Bytes.fromHex("ffffffffffffffff"), Bytes.zeros(8))
        .minimumTeeTcbSvn(Bytes.fromHex("ff".repeat(16)))
        .build();
    Appraisal a = appraise(p, tdxVerdict, tdx, Optional.of(tdxCollateral), TDX_AT);
    assertEquals(List.of(PolicyViolation.TCB_STATUS, PolicyViolation.COLLATERAL_TOO_OLD, PolicyViolation.MRTD,
        PolicyViolation.MROWNER, PolicyViolation.XFAM, PolicyViolation.TEE_TCB_SVN), codes(a));
    assertFalse(a.success());
    assertEquals(Optional.of(FailureCode.POLICY_VIOLATION), a.failureCode());
    // check stops at the first.
    assertEquals(PolicyViolation.TCB_STATUS,
        assertThrows(PolicyException.class, () -> PolicyCheck.check(p, tdxVerdict, tdx, TDX_AT)).violation());
  }

  @Test
  void aFailedVerdictsOwnFailureStands() throws Exception {
    QuoteVerifier verifier =
        QuoteVerifier.create(TrustAnchor.intel(), new CollateralVerifier(), QuoteVerifier.DEFAULT_PLATFORM_CAPACITY);
    Instant late = Instant.parse("2025-07-20T00:00:00Z");
    Verdict expired = verifier.verify(tdx, tdxCollateral, late);
    assertFalse(expired.success());
    Policy p = anyStatus().allowMrTd(flipped(td.mrTd())).build();
    Appraisal a = appraise(p, expired, tdx, Optional.of(tdxCollateral), late);
    assertEquals(List.of(), a.violations());
    assertFalse(a.success());
    assertEquals(Optional.of(expired.failure().orElseThrow().code()), a.failureCode());
    assertEquals(Optional.of(FailureCode.COLLATERAL_EXPIRED), a.failureCode());
    assertEquals(PolicyViolation.NOT_VERIFIED,
        assertThrows(PolicyException.class, () -> PolicyCheck.check(p, expired, tdx, late)).violation());
  }

  @Test
  void insecureRootOnlyWhenAllowed() throws Exception {
    Verdict v = tdxVerdict.toBuilder().advisoryIds(List.of()).failure(Optional.empty()).verifiedAt(TDX_AT)
        .collateralExpired(false).insecureRoot(true).build();
    refuses(PolicyViolation.INSECURE_ROOT, anyStatus().build(), v, tdx, Optional.empty(), TDX_AT);
    accepts(anyStatus().insecureAllowNonIntelRoot().build(), v, tdx, Optional.empty(), TDX_AT);
  }

  // ---- one policy for both TEEs ----

  @Test
  void aPolicyWithBothSectionsJudgesEachQuoteByItsOwn() throws Exception {
    Policy both = anyStatus().allowMrTd(td.mrTd()).allowMrEnclave(enclave.mrEnclave()).build();
    acceptsTdx(both);
    acceptsSgx(both);
    Policy wrongEnclave = anyStatus().allowMrTd(td.mrTd()).allowMrEnclave(flipped(enclave.mrEnclave())).build();
    acceptsTdx(wrongEnclave);
    refusesSgx(PolicyViolation.MRENCLAVE, wrongEnclave);
    // Rules for one TEE only refuse the other.
    refusesSgx(PolicyViolation.TEE_TYPE, anyStatus().allowMrTd(td.mrTd()).build());
    refusesTdx(PolicyViolation.TEE_TYPE, anyStatus().minimumIsvSvn(0).build());
  }

  // ---- the daemon's default ----

  @Test
  void daemonDefaultRefusesAnOutdatedPlatformAndDebugAndAcceptsEveryOtherStatus() throws Exception {
    Policy d = Policy.daemonDefault();
    assertEquals("default", d.name());
    acceptsTdx(d);
    acceptsSgx(d);
    for (TcbStatus s : List.of(TcbStatus.UP_TO_DATE, TcbStatus.SW_HARDENING_NEEDED, TcbStatus.CONFIGURATION_NEEDED,
        TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED, TcbStatus.TD_RELAUNCH_ADVISED,
        TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED)) {
      accepts(d, withStatus(tdxVerdict, s), tdx, Optional.of(tdxCollateral), TDX_AT);
    }
    for (TcbStatus s : List.of(TcbStatus.OUT_OF_DATE, TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED)) {
      Verdict v = withStatus(sgxVerdict, s);
      refuses(PolicyViolation.TCB_STATUS, d, v, sgx, Optional.of(sgxCollateral), SGX_AT);
      // Intel's status and advisories stay in the verdict the refusal is about.
      Appraisal a = appraise(d, v, sgx, Optional.of(sgxCollateral), SGX_AT);
      assertEquals(Optional.of(s), a.verdict().tcbStatus());
      assertEquals(sgxVerdict.advisoryIds(), a.verdict().advisoryIds());
      assertFalse(a.verdict().advisoryIds().isEmpty());
    }
    refuses(PolicyViolation.DEBUG_NOT_ALLOWED, d, verdictFor(tdxVerdict, debugTd()), debugTd(), Optional.empty(),
        TDX_AT);
    refuses(PolicyViolation.DEBUG_NOT_ALLOWED, d,
        withStatus(verdictFor(sgxVerdict, debugEnclave()), TcbStatus.CONFIGURATION_NEEDED), debugEnclave(),
        Optional.empty(), SGX_AT);
    // A verdict under a non-Intel root: only the insecure option accepts it.
    Verdict insecure = tdxVerdict.toBuilder().insecureRoot(true).build();
    refuses(PolicyViolation.INSECURE_ROOT, d, insecure, tdx, Optional.of(tdxCollateral), TDX_AT);
    accepts(d.withInsecureOptions(false, true), insecure, tdx, Optional.of(tdxCollateral), TDX_AT);
  }

  // ---- an out-of-date platform's grace ----

  @Test
  void anOutOfDateGraceCountsFromTheMatchedLevelsTcbDate() throws Exception {
    Instant tcbDate = Instant.parse("2025-01-01T00:00:00Z");
    Verdict v = withStatus(tdxVerdict, TcbStatus.OUT_OF_DATE).toBuilder().tcbDate(tcbDate)
        .qeIdentityStatus(TcbStatus.UP_TO_DATE).build();
    Policy p = PolicyJson.parse("{\"tcb_status\": [\"UpToDate\", \"OutOfDate\"], \"out_of_date_grace\": \"P90D\"}");
    assertEquals(Optional.of(Duration.ofDays(90)), p.outOfDateGrace());
    Instant end = tcbDate.plus(Duration.ofDays(90));
    accepts(p, v, tdx, Optional.empty(), tcbDate);
    accepts(p, v, tdx, Optional.empty(), end);
    refuses(PolicyViolation.TCB_STATUS, p, v, tdx, Optional.empty(), end.plusSeconds(1));
    // The grace binds only the out-of-date statuses.
    accepts(p, tdxVerdict.toBuilder().tcbDate(tcbDate).build(), tdx, Optional.empty(), end.plus(Duration.ofDays(1000)));
    // A status the policy does not list gets no grace.
    refuses(PolicyViolation.TCB_STATUS, p, withStatus(v, TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED), tdx,
        Optional.empty(), tcbDate);
    // The verdict names no date for the QE's level: a QE out of date gets no grace, nor does a verdict without a date.
    refuses(PolicyViolation.TCB_STATUS, p, v.toBuilder().qeIdentityStatus(TcbStatus.OUT_OF_DATE).build(), tdx,
        Optional.empty(), tcbDate);
    refuses(PolicyViolation.TCB_STATUS, p, v.toBuilder().tcbDate(Optional.empty()).build(), tdx, Optional.empty(),
        tcbDate);
    // Listed without a grace, OutOfDate is accepted whenever.
    accepts(PolicyJson.parse("{\"tcb_status\": [\"OutOfDate\"]}"), v, tdx, Optional.empty(),
        end.plus(Duration.ofDays(1000)));
    // The builder says the same.
    Policy built = Policy.builder().allowedTcbStatuses(TcbStatus.UP_TO_DATE, TcbStatus.OUT_OF_DATE)
        .minimumTcbStatus(TcbStatus.OUT_OF_DATE).outOfDateGrace(Duration.ofDays(90)).build();
    refuses(PolicyViolation.TCB_STATUS, built, v, tdx, Optional.empty(), end.plusSeconds(1));
    // A grace with no out-of-date status to apply to is refused.
    assertThrows(IllegalStateException.class, () -> Policy.builder().outOfDateGrace(Duration.ofDays(1)).build());
  }
}
