package dev.dcapd.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The verifier-backed check on real collateral: the right platform passes, anything else names why. */
class VerifierCollateralCheckTest {
  private static final Instant AT = Instant.ofEpochSecond(1752919234L);
  private static final Bytes FMSPC = Bytes.fromHex("b0c06f000000");
  private final VerifierCollateralCheck check = new VerifierCollateralCheck(new CollateralVerifier(), TrustAnchor.intel());

  private static QuoteCollateral tdx() throws DcapException {
    return QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
  }

  private FailureCode failure(QuoteCollateral c, TeeType tee, Bytes fmspc, CaType ca, Instant at) {
    return assertThrows(DcapException.class, () -> check.check(c, tee, fmspc, ca, at)).code();
  }

  @Test
  void realCollateralForItsPlatform() throws Exception {
    CheckedCollateral ok = check.check(tdx(), TeeType.TDX, FMSPC, CaType.PLATFORM, AT);
    assertTrue(ok.validAt(AT));
    assertEquals(Instant.parse("2025-07-19T10:00:35Z"), ok.earliestExpiry());
  }

  @Test
  void anythingElseIsRefusedWithItsCode() throws Exception {
    assertEquals(FailureCode.TCB_INFO_MISMATCH, failure(tdx(), TeeType.TDX, Bytes.fromHex("00906ea10000"), CaType.PLATFORM, AT));
    assertEquals(FailureCode.CRL_INVALID, failure(tdx(), TeeType.TDX, FMSPC, CaType.PROCESSOR, AT));
    assertEquals(FailureCode.TCB_INFO_MISMATCH, failure(tdx(), TeeType.SGX, FMSPC, CaType.PLATFORM, AT));
    assertEquals(FailureCode.COLLATERAL_EXPIRED, failure(tdx(), TeeType.TDX, FMSPC, CaType.PLATFORM, AT.plusSeconds(86_400)));
  }
}
