package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The dcap-qvl real vectors at the instants their README gives, against the pinned Intel root. */
class DcapQvlVectorsTest {
  static final QuoteVerifier VERIFIER = QuoteVerifier.intel();

  static Quote quote(String path) throws Exception {
    return QuoteInput.parse(Vectors.bytes(path));
  }

  static QuoteCollateral collateral(String path) throws Exception {
    return QuoteCollateral.fromJson(Vectors.text(path));
  }

  @Test
  void sgxQuoteIsConfigurationAndSwHardeningNeeded() throws Exception {
    Verdict v = VERIFIER.verify(
        quote("dcap-qvl/sgx_quote"), collateral("dcap-qvl/sgx_quote_collateral.json"), Instant.ofEpochSecond(1752919277L));
    assertEquals(Optional.empty(), v.failure());
    assertTrue(v.success());
    assertEquals(Optional.of(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED), v.tcbStatus());
    assertEquals(List.of("INTEL-SA-00289", "INTEL-SA-00615"), v.advisoryIds());
    assertFalse(v.collateralExpired());
    assertFalse(v.insecureRoot());
  }

  @Test
  void tdxQuoteIsUpToDate() throws Exception {
    Verdict v = VERIFIER.verify(
        quote("dcap-qvl/tdx_quote"), collateral("dcap-qvl/tdx_quote_collateral.json"), Instant.ofEpochSecond(1752919234L));
    assertEquals(Optional.empty(), v.failure());
    assertEquals(Optional.of(TcbStatus.UP_TO_DATE), v.tcbStatus());
    assertEquals(List.of(), v.advisoryIds());
  }

  /**
   * Intel QvE sets {@code collateral_expiration_status} when the earliest expiration is {@code <=}
   * the instant: the flag is up at exactly the earliest expiry and down one second before. No piece
   * is past its own end at that instant, so the verdict still succeeds (failure is one second later).
   */
  @Test
  void collateralExpiredFlagIsSetFromTheEarliestExpiryOn() throws Exception {
    Quote quote = quote("dcap-qvl/tdx_quote");
    QuoteCollateral collateral = collateral("dcap-qvl/tdx_quote_collateral.json");
    Instant expiry = VERIFIER.verify(quote, collateral, Instant.ofEpochSecond(1752919234L)).earliestExpiry().orElseThrow();

    Verdict atExpiry = VERIFIER.verify(quote, collateral, expiry);
    assertTrue(atExpiry.collateralExpired());
    assertEquals(Optional.of(expiry), atExpiry.earliestExpiry());
    assertTrue(atExpiry.success());

    Verdict before = VERIFIER.verify(quote, collateral, expiry.minusSeconds(1));
    assertFalse(before.collateralExpired());
    assertTrue(before.success());

    Verdict after = VERIFIER.verify(quote, collateral, expiry.plusSeconds(1));
    assertTrue(after.collateralExpired());
    assertEquals(Optional.of(FailureCode.COLLATERAL_EXPIRED.name()), after.failureCode());
  }

  @Test
  void outdatedTdxQuoteHasNoTcbLevel() throws Exception {
    Verdict v = VERIFIER.verify(
        quote("dcap-qvl/tdx_quote_outdated"), collateral("dcap-qvl/tdx_quote_outdated_collateral.json"),
        Instant.ofEpochSecond(1774003274L));
    assertEquals(Optional.of("TCB_NOT_SUPPORTED"), v.failureCode());
  }

  @Test
  void hexQuotesWithTdxCollateralHaveNoTcbLevel() throws Exception {
    for (String q : List.of("dcap-qvl/tdx-quote.hex", "dcap-qvl/quote-from-tappd.hex")) {
      Verdict v = VERIFIER.verify(quote(q), collateral("dcap-qvl/tdx_quote_collateral.json"), Instant.ofEpochSecond(1752919234L));
      assertEquals(Optional.of(FailureCode.TCB_NOT_SUPPORTED.name()), v.failureCode(), q);
    }
  }
}
