package dev.dcapd.verifier.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Each rule of a policy over real verdicts: dcap-qvl's TDX quote (UpToDate) and SGX quote. */
class PolicyCheckTest {
  private static final Instant TDX_AT = Instant.ofEpochSecond(1752919234L);
  private static final Instant SGX_AT = Instant.ofEpochSecond(1752919277L);
  private static final QuoteVerifier VERIFIER =
      QuoteVerifier.create(TrustAnchor.intel(), new CollateralVerifier(), QuoteVerifier.DEFAULT_PLATFORM_CAPACITY);

  private static Quote quote(String name) throws Exception {
    return QuoteParser.parse(Vectors.bytes("dcap-qvl/" + name));
  }

  private static Verdict verdict(String name, Instant at) throws Exception {
    return VERIFIER.verify(quote(name), QuoteCollateral.fromJson(Vectors.text("dcap-qvl/" + name + "_collateral.json")), at);
  }

  private static PolicyViolation violation(Policy p, Verdict v, Quote q, Instant now) {
    return assertThrows(PolicyException.class, () -> PolicyCheck.check(p, v, q, now)).violation();
  }

  @Test
  void tdxQuoteWithItsOwnMeasurementsPasses() throws Exception {
    Quote q = quote("tdx_quote");
    TdReport td = (TdReport) q.body();
    Policy p = Policy.builder()
        .teeType(TeeType.TDX)
        .allowMrTd(Bytes.zeros(48), td.mrTd())
        .allowRtmr(0, td.rtmr(0))
        .allowRtmr(3, td.rtmr(3))
        .reportData(td.reportData())
        .maxAge(Duration.ofMinutes(5))
        .allowedAdvisoryIds()
        .build();
    assertSame(q, PolicyCheck.check(p, verdict("tdx_quote", TDX_AT), q, TDX_AT.plusSeconds(60)));
  }

  @Test
  void eachTdxRuleRejectsWithItsViolation() throws Exception {
    Quote q = quote("tdx_quote");
    TdReport td = (TdReport) q.body();
    Verdict v = verdict("tdx_quote", TDX_AT);
    assertEquals(PolicyViolation.TEE_TYPE, violation(Policy.builder().teeType(TeeType.SGX).build(), v, q, TDX_AT));
    assertEquals(PolicyViolation.MRTD, violation(Policy.builder().allowMrTd(Bytes.zeros(48)).build(), v, q, TDX_AT));
    assertEquals(PolicyViolation.RTMR, violation(Policy.builder().allowRtmr(2, Bytes.zeros(48)).build(), v, q, TDX_AT));
    assertEquals(PolicyViolation.REPORT_DATA,
        violation(Policy.builder().reportData(td.reportData().slice(0, 32)).build(), v, q, TDX_AT));
    assertEquals(PolicyViolation.TOO_OLD,
        violation(Policy.builder().maxAge(Duration.ofMinutes(5)).build(), v, q, TDX_AT.plus(Duration.ofMinutes(6))));
    assertEquals(PolicyViolation.TOO_OLD,
        violation(Policy.builder().maxAge(Duration.ofMinutes(5)).build(), v, q, TDX_AT.minusSeconds(1)));
    assertEquals(PolicyViolation.TEE_TYPE,
        violation(Policy.builder().allowMrEnclave(Bytes.zeros(32)).build(), v, q, TDX_AT));
  }

  @Test
  void aVerdictForAnotherQuoteIsRefused() throws Exception {
    Verdict sgx = verdict("sgx_quote", SGX_AT);
    assertEquals(PolicyViolation.QUOTE_MISMATCH,
        violation(Policy.builder().minimumTcbStatus(TcbStatus.OUT_OF_DATE).build(), sgx, quote("tdx_quote"), SGX_AT));
  }

  @Test
  void aFailedVerdictIsNeverAccepted() throws Exception {
    // One second past the TDX collateral's window: COLLATERAL_EXPIRED.
    Verdict expired = verdict("tdx_quote", Instant.parse("2025-07-20T00:00:00Z"));
    assertEquals(PolicyViolation.NOT_VERIFIED,
        violation(Policy.builder().minimumTcbStatus(TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED).build(), expired,
            quote("tdx_quote"), TDX_AT));
  }

  @Test
  void sgxStatusAdvisoriesAndMeasurements() throws Exception {
    Quote q = quote("sgx_quote");
    EnclaveReport e = (EnclaveReport) q.body();
    Verdict v = verdict("sgx_quote", SGX_AT);
    // ConfigurationAndSWHardeningNeeded with INTEL-SA-00289 and INTEL-SA-00615.
    assertEquals(PolicyViolation.TCB_STATUS, violation(Policy.builder().build(), v, q, SGX_AT));
    assertEquals(PolicyViolation.TCB_STATUS,
        violation(Policy.builder().minimumTcbStatus(TcbStatus.CONFIGURATION_NEEDED).build(), v, q, SGX_AT));
    Policy.Builder ok = Policy.builder()
        .teeType(TeeType.SGX)
        .minimumTcbStatus(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED)
        .allowMrEnclave(e.mrEnclave())
        .allowMrSigner(e.mrSigner());
    assertSame(q, PolicyCheck.check(ok.build(), v, q, SGX_AT));
    assertEquals(PolicyViolation.ADVISORY,
        violation(ok.allowedAdvisoryIds("INTEL-SA-00289").build(), v, q, SGX_AT));
    assertSame(q, PolicyCheck.check(ok.allowedAdvisoryIds("INTEL-SA-00615").build(), v, q, SGX_AT));
    assertEquals(PolicyViolation.MRSIGNER,
        violation(Policy.builder().minimumTcbStatus(TcbStatus.OUT_OF_DATE).allowMrSigner(Bytes.zeros(32)).build(),
            v, q, SGX_AT));
    assertEquals(PolicyViolation.MRENCLAVE,
        violation(Policy.builder().minimumTcbStatus(TcbStatus.OUT_OF_DATE).allowMrEnclave(Bytes.zeros(32)).build(),
            v, q, SGX_AT));
    assertEquals(PolicyViolation.TEE_TYPE,
        violation(Policy.builder().minimumTcbStatus(TcbStatus.OUT_OF_DATE).allowMrTd(Bytes.zeros(48)).build(),
            v, q, SGX_AT));
  }

  @Test
  void builderRefusesPoliciesThatCannotMatch() {
    assertThrows(IllegalArgumentException.class, () -> Policy.builder().allowMrTd(Bytes.zeros(32)));
    assertThrows(IllegalArgumentException.class, () -> Policy.builder().allowRtmr(4, Bytes.zeros(48)));
    assertThrows(IllegalArgumentException.class, () -> Policy.builder().reportData(Bytes.zeros(65)));
    assertThrows(IllegalArgumentException.class, () -> Policy.builder().minimumTcbStatus(TcbStatus.REVOKED));
    assertThrows(IllegalStateException.class,
        () -> Policy.builder().teeType(TeeType.TDX).allowMrTd(Bytes.zeros(48)).allowMrSigner(Bytes.zeros(32)).build());
    assertThrows(IllegalStateException.class,
        () -> Policy.builder().teeType(TeeType.SGX).allowRtmr(1, Bytes.zeros(48)).build());
  }
}
