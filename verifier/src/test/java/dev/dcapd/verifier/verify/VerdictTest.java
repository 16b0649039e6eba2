package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The verdict's builder: what it derives, what it refuses, and that a verdict rebuilds equal. */
class VerdictTest {
  private static final Instant AT = Instant.parse("2025-07-10T00:00:00Z");

  private static Verdict.Builder minimal() {
    return Verdict.builder().checksum("00").quoteVersion(4).teeType(TeeType.TDX).verifiedAt(AT);
  }

  @Test
  void successIsTheAbsenceOfAFailure() {
    Verdict ok = minimal().tcbStatus(TcbStatus.UP_TO_DATE).build();
    assertTrue(ok.success());
    assertEquals(Optional.empty(), ok.failure());
    Verdict failed = minimal().failure(new Failure(FailureCode.INVALID_QUOTE_SIGNATURE, "no")).build();
    assertFalse(failed.success());
    assertEquals(Optional.of("INVALID_QUOTE_SIGNATURE"), failed.failureCode());
    assertEquals("", failed.collateralId());
    assertEquals(Optional.empty(), failed.tcbStatus());
  }

  @Test
  void refusesAVerdictWithoutItsIdentity() {
    assertThrows(IllegalStateException.class, () -> Verdict.builder().quoteVersion(4)
        .teeType(TeeType.TDX).verifiedAt(AT).build());
    assertThrows(IllegalStateException.class, () -> Verdict.builder().checksum("00")
        .teeType(TeeType.TDX).verifiedAt(AT).build());
    assertThrows(IllegalStateException.class, () -> Verdict.builder().checksum("00").quoteVersion(4)
        .verifiedAt(AT).build());
    assertThrows(IllegalStateException.class, () -> Verdict.builder().checksum("00").quoteVersion(4)
        .teeType(TeeType.TDX).build());
  }

  @Test
  void refusesASuccessWithoutAStatusOrWhenRevoked() {
    assertThrows(IllegalArgumentException.class, () -> minimal().build());
    assertThrows(IllegalArgumentException.class, () -> minimal().tcbStatus(TcbStatus.REVOKED).build());
  }

  @Test
  void aRealVerdictRebuildsEqual() throws Exception {
    Verdict v = NegativeVectorsTest.VERIFIER.verify(NegativeVectorsTest.QUOTE, NegativeVectorsTest.COLLATERAL, NegativeVectorsTest.AT);
    assertTrue(v.success(), v.toString());
    assertEquals(v, v.toBuilder().build());
    assertEquals(Optional.of(TcbStatus.OUT_OF_DATE), v.toBuilder().tcbStatus(TcbStatus.OUT_OF_DATE).build().tcbStatus());
  }
}
