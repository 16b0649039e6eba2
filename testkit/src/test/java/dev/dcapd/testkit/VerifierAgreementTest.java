package dev.dcapd.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * dcapd's own verifier, trusting the testkit root, gives every catalogued case its expected
 * outcome: success, status and advisory IDs for valid cases; the failure code for corruptions
 * (and status Revoked with the level's advisory IDs for a revoked TCB).
 */
class VerifierAgreementTest {

  @Test
  void everyCaseGetsItsExpectedVerdict() {
    List<String> failures = new ArrayList<>();
    for (CaseCatalog.Entry e : CaseCatalog.all()) {
      ForgedCase c = Forge.forge(e.spec());
      Verdict v = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(c.root()))
          .verify(c.quote(), c.collateral(), c.at());
      Expected want = c.expected();
      String got = outcome(v.success(), v.tcbStatus().map(Object::toString), v.advisoryIds(),
          v.failureCode().orElse(null), want);
      String expected = outcome(want.success(), want.tcbStatus(), want.advisoryIds(), want.failureCode(), want);
      if (!got.equals(expected)) {
        failures.add(e.name() + ": got " + got + ", expected " + expected);
      }
    }
    assertEquals(List.of(), failures);
  }

  /** What the expectation covers: everything on success and for TCB_REVOKED, else the code. */
  private static String outcome(boolean success, Optional<String> status, List<String> ids, String code,
      Expected want) {
    if (want.success() || "TCB_REVOKED".equals(want.failureCode())) {
      return success + " " + status.orElse("-") + " " + ids + " " + code;
    }
    return success + " " + code;
  }
}
