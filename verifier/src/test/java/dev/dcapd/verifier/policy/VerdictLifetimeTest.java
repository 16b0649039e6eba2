package dev.dcapd.verifier.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * How long an appraisal of dcap-qvl's real TDX quote holds: until its collateral's expiry, or
 * earlier when the policy limits the verdict's or the collateral's age; and that judging it again
 * at that instant is where the answer changes.
 */
class VerdictLifetimeTest {
  private static final Instant AT = Instant.ofEpochSecond(1752919234L);
  /** A day before: the vector's collateral expires a second after {@link #AT}, so time limits show earlier. */
  private static final Instant EARLY = AT.minus(Duration.ofDays(1));
  private static final QuoteVerifier VERIFIER =
      QuoteVerifier.create(TrustAnchor.intel(), new CollateralVerifier(), QuoteVerifier.DEFAULT_PLATFORM_CAPACITY);

  private static Quote quote() throws Exception {
    return QuoteParser.parse(Vectors.bytes("dcap-qvl/tdx_quote"));
  }

  private static QuoteCollateral collateral() throws Exception {
    return QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
  }

  private static Appraisal appraise(Policy p, Instant at) throws Exception {
    Quote q = quote();
    QuoteCollateral c = collateral();
    return PolicyCheck.appraise(p, VERIFIER.verify(q, c, at), q, Optional.of(c), at);
  }

  private static Optional<Instant> holdsUntil(Policy p, Instant at) throws Exception {
    return VerdictLifetime.holdsUntil(p, appraise(p, at), Optional.of(collateral()));
  }

  @Test
  void withoutTimeLimitsAVerdictHoldsUntilItsCollateralExpires() throws Exception {
    Policy p = Policy.builder().build();
    Verdict v = appraise(p, AT).verdict();
    assertTrue(v.success());
    assertEquals(v.earliestExpiry(), holdsUntil(p, AT));
  }

  @Test
  void maxAgeBoundsAnAcceptedVerdictFromItsInstant() throws Exception {
    Policy p = Policy.builder().maxAge(Duration.ofMinutes(5)).build();
    assertTrue(appraise(p, EARLY).success());
    assertEquals(Optional.of(EARLY.plus(Duration.ofMinutes(5))), holdsUntil(p, EARLY));
  }

  @Test
  void maxCollateralAgeBoundsAnAcceptedVerdictFromTheOldestIssueDate() throws Exception {
    QuoteCollateral c = collateral();
    Instant tcb = TcbInfo.parse(c.tcbInfo()).issueDate();
    Instant qe = QeIdentity.parse(c.qeIdentity()).issueDate();
    Instant oldest = tcb.isBefore(qe) ? tcb : qe;
    Duration age = Duration.between(oldest, EARLY).plusHours(1);
    Policy p = Policy.builder().maxCollateralAge(age).build();
    Instant until = holdsUntil(p, EARLY).orElseThrow();
    assertEquals(oldest.plus(age), until);
    // Judged again at that instant, the same collateral is too old: the bound is where the answer changes.
    assertTrue(appraise(p, until.minusSeconds(1)).success());
    Appraisal after = appraise(p, until.plusSeconds(1));
    assertFalse(after.success());
    assertEquals(PolicyViolation.COLLATERAL_TOO_OLD, after.violations().get(0).code());
  }

  @Test
  void aRefusalIsBoundedOnlyByItsCollateralsExpiry() throws Exception {
    Policy p = Policy.builder().maxAge(Duration.ofMinutes(5)).allowMrTd(Bytes.zeros(48)).build();
    Appraisal refused = appraise(p, AT);
    assertFalse(refused.success());
    assertEquals(refused.verdict().earliestExpiry(), VerdictLifetime.holdsUntil(p, refused, Optional.of(collateral())));
  }

  @Test
  void aRefusalForExpiredCollateralIsNotBoundedByThatExpiry() throws Exception {
    Policy p = Policy.builder().build();
    Instant late = appraise(p, AT).verdict().earliestExpiry().orElseThrow().plusSeconds(1);
    Appraisal expired = appraise(p, late);
    assertFalse(expired.success());
    assertEquals(Optional.empty(), VerdictLifetime.holdsUntil(p, expired, Optional.of(collateral())));
  }
}
