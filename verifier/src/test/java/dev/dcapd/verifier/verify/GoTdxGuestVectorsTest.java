package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * go-tdx-guest's real Intel TDX data, with collateral assembled from its PCS response files, at the
 * instants upstream tests use (see the vectors' README).
 */
class GoTdxGuestVectorsTest {
  static final String G = "go-tdx-guest/";
  static final Instant V4_INSTANT = Instant.parse("2023-07-01T01:00:00Z");
  static final Instant V5_INSTANT = Instant.parse("2026-02-03T01:00:00Z");
  static final QuoteVerifier VERIFIER = QuoteVerifier.intel();

  static QuoteCollateral collateral(String tcbInfoResponse) {
    return TestCollateral.assemble(
        G + "pckcrl_issuer_chain.pem", G + "rootcrl.der", G + "pckcrl", G + "tcbinfo_issuer_chain.pem", G + tcbInfoResponse,
        G + "qeidentity_issuer_chain.pem", G + "sample_qeIdentity_response", Optional.empty());
  }

  static Verdict verify(String quote, String tcbInfoResponse, Instant at) throws Exception {
    return VERIFIER.verify(QuoteInput.parse(Vectors.bytes(G + quote)), collateral(tcbInfoResponse), at);
  }

  @Test
  void collateralVerifiesOnItsOwn() throws Exception {
    VerifiedCollateral v =
        new CollateralVerifier().verify(collateral("sample_tcbInfo_response"), TeeType.TDX, V4_INSTANT, TrustAnchor.intel());
    assertEquals(Bytes.fromHex("50806f000000"), v.tcbInfo().fmspc());
    assertEquals(Instant.parse("2023-07-08T07:24:59Z"), v.earliestExpiry());
    assertTrue(v.validAt(V4_INSTANT));
  }

  /** Upstream: "no matching TCB level found"; the sample levels' SVNs are above the quote's. */
  @Test
  void sprQuoteHasNoTcbLevel() throws Exception {
    Verdict v = verify("tdx_prod_quote_SPR_E4.dat", "sample_tcbInfo_response", V4_INSTANT);
    assertEquals(Optional.of("TCB_NOT_SUPPORTED"), v.failureCode());
    // Everything before the TCB levels passed: the QE matched its identity.
    assertEquals(Optional.of(TcbStatus.UP_TO_DATE), v.qeIdentityStatus());
    assertFalse(v.collateralExpired());
  }

  /**
   * Intel's rules give UpToDate (module TDX_01, level matched from index 2, QE UpToDate), which
   * upstream's TestVerifyUsingTcbInfoV5 agrees with. But the QE identity and CRLs shipped with it
   * expired in 2023-2024: QvE would only set the expiration flag; dcapd fails the verdict with
   * COLLATERAL_EXPIRED and still reports Intel's status.
   */
  @Test
  void v5QuoteIsUpToDateOnStaleCollateral() throws Exception {
    Verdict v = verify("quote_v5_sample.dat", "sample_tcbinfo_response_v5", V5_INSTANT);
    assertEquals(Optional.of("COLLATERAL_EXPIRED"), v.failureCode());
    assertEquals(Optional.of(TcbStatus.UP_TO_DATE), v.tcbStatus());
    assertTrue(v.collateralExpired());
    assertEquals(Optional.of(Instant.parse("2023-07-08T07:24:59Z")), v.earliestExpiry());
    assertEquals(5, v.quoteVersion());
  }

  /** The COS quote is from another platform family (FMSPC 00806f050000) than the TCB info's. */
  @Test
  void cosQuoteIsNotTheTcbInfosPlatform() throws Exception {
    Verdict v = verify("cos-113-tdx-quote.dat", "sample_tcbInfo_response", V4_INSTANT);
    assertEquals(Optional.of("TCB_INFO_MISMATCH"), v.failureCode());
  }

  /** Upstream: at 2053 the SPR chain has expired (leaf notAfter 2029-09-20) and so has everything else. */
  @Test
  void farFutureIsExpired() throws Exception {
    Verdict v = verify("tdx_prod_quote_SPR_E4.dat", "sample_tcbinfo_response_v5", Instant.parse("2053-07-01T00:00:00Z"));
    assertTrue(v.collateralExpired());
    assertFalse(v.success());
  }

  /**
   * The v5 quote (FMSPC 90c06f000000, TD report 1.5) against dcap-qvl's collateral for the same
   * platform family from February 2026, at that collateral's verification instant: every check
   * passes, UpToDate through module identity TDX_01.
   */
  @Test
  void v5QuoteIsUpToDateOnCurrentCollateral() throws Exception {
    QuoteCollateral current = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_outdated_collateral.json"));
    Verdict v = VERIFIER.verify(QuoteInput.parse(Vectors.bytes(G + "quote_v5_sample.dat")), current, Instant.ofEpochSecond(1774003274L));
    assertEquals(Optional.empty(), v.failure());
    assertEquals(Optional.of(TcbStatus.UP_TO_DATE), v.tcbStatus());
    assertEquals(Optional.of(Instant.parse("2024-11-13T00:00:00Z")), v.tcbDate());
  }

  /**
   * Intel re-issued the TCB signing certificate with the same key: the 2026 TCB info still verifies
   * with go-tdx-guest's copy of the old certificate, which expired on 2025-05-21.
   */
  @Test
  void expiredTcbSigningCertificate() throws Exception {
    QuoteCollateral current = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_outdated_collateral.json"));
    QuoteCollateral oldSigner = new NegativeVectorsTest.Builder(current).tcbInfoIssuerChain(Vectors.text(G + "tcbinfo_issuer_chain.pem")).build();
    Verdict v = VERIFIER.verify(QuoteInput.parse(Vectors.bytes(G + "quote_v5_sample.dat")), oldSigner, Instant.ofEpochSecond(1774003274L));
    assertEquals(Optional.of("CERTIFICATE_EXPIRED"), v.failureCode());
    assertEquals(Optional.of(TcbStatus.UP_TO_DATE), v.tcbStatus());
    assertTrue(v.collateralExpired());
    DcapException e = assertThrows(DcapException.class,
        () -> new CollateralVerifier().verify(oldSigner, TeeType.TDX, Instant.ofEpochSecond(1774003274L), TrustAnchor.intel()));
    assertEquals(FailureCode.CERTIFICATE_EXPIRED, e.code());
  }
}
