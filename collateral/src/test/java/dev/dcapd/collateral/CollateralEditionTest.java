package dev.dcapd.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which collateral is newer, part by part, on dcap-qvl's two real TDX collateral sets. */
class CollateralEditionTest {
  /** Evaluation data number 17, issued 2025-06-19. */
  private static final QuoteCollateral JUNE_2025 = TestVectors.tdxCollateral();
  /** Evaluation data number 18, issued 2026-02-18. */
  private static final QuoteCollateral FEBRUARY_2026 = TestVectors.tdxOutdatedCollateral();

  @Test
  void readsIssueDatesEvaluationNumbersAndCrlNumbers() throws Exception {
    CollateralEdition e = CollateralEdition.of(FEBRUARY_2026);
    assertEquals(18, e.tcbEvaluationDataNumber());
    assertEquals(18, e.qeEvaluationDataNumber());
    assertEquals("2026-02-18T10:58:51Z", e.tcbInfoIssued().toString());
    assertTrue(e.pckCrlNumber().isPresent(), "Intel's PCK CRLs carry a CRL number");
    assertTrue(e.pckCrlNumber().get().compareTo(BigInteger.ZERO) > 0);
  }

  @Test
  void olderCollateralNamesEachOlderPart() throws Exception {
    CollateralEdition older = CollateralEdition.of(JUNE_2025);
    CollateralEdition newer = CollateralEdition.of(FEBRUARY_2026);
    List<String> parts = older.olderPartsThan(newer);
    assertFalse(parts.isEmpty());
    assertTrue(parts.stream().anyMatch(p -> p.startsWith("TCB info evaluation number 17")), parts.toString());
    assertTrue(parts.stream().anyMatch(p -> p.startsWith("QE identity issued")), parts.toString());
    assertEquals(List.of(), newer.olderPartsThan(older));
    assertEquals(List.of(), newer.olderPartsThan(newer), "the same collateral is not older than itself");
  }
}
