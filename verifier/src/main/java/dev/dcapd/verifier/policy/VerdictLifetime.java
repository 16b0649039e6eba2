package dev.dcapd.verifier.policy;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Instant;
import java.util.Optional;

/**
 * How long an appraisal stays true: the instant after which judging the same quote against the
 * same collateral by the same policy could answer otherwise, so a stored verdict must be judged
 * again before it is served, and a token about it must have expired.
 *
 * <p>Only the passing of time is bounded here; a new trust root, policy or collateral is noticed
 * by whoever holds the verdict. Time only ever turns an accepted quote into a refused one (the
 * collateral expires, the verdict or the collateral grows older than the policy allows), never the
 * reverse (a grace for an out-of-date platform ends, it never begins), so a refused quote is bounded
 * only by its collateral's expiry while that is ahead.
 */
public final class VerdictLifetime {
  private VerdictLifetime() {}

  /**
   * The instant {@code appraisal} stops holding, empty when nothing bounds it: for an accepted
   * quote, the earliest of its collateral's earliest expiry, the oldest collateral issue date plus
   * the policy's {@code max_collateral_age}, its judgement plus {@code max_age}, and for an
   * out-of-date platform accepted within the policy's {@code out_of_date_grace}, its TCB date plus
   * that grace.
   *
   * @param collateral what the verdict rests on, as given to {@link PolicyCheck#appraise}
   */
  public static Optional<Instant> holdsUntil(Policy policy, Appraisal appraisal, Optional<QuoteCollateral> collateral) {
    Verdict v = appraisal.verdict();
    Optional<Instant> expiry = v.earliestExpiry();
    if (!appraisal.success()) {
      return expiry.filter(e -> e.isAfter(v.verifiedAt()));
    }
    Instant until = expiry.orElse(Instant.MAX);
    if (policy.maxAge().isPresent()) {
      until = earlier(until, v.verifiedAt().plus(policy.maxAge().get()));
    }
    if (policy.maxCollateralAge().isPresent()) {
      // An accepted verdict under a collateral-age rule had readable collateral (PolicyCheck
      // refuses it otherwise); should it not now, the verdict holds no longer than its instant.
      Instant issued = collateral.flatMap(VerdictLifetime::oldestIssue).orElse(v.verifiedAt());
      until = earlier(until, issued.plus(policy.maxCollateralAge().get()));
    }
    // An out-of-date platform accepted within the policy's grace (PolicyCheck refused it otherwise).
    if (policy.outOfDateGrace().isPresent() && v.tcbStatus().map(Policy::outOfDate).orElse(false)
        && v.tcbDate().isPresent()) {
      until = earlier(until, v.tcbDate().get().plus(policy.outOfDateGrace().get()));
    }
    return until.equals(Instant.MAX) ? Optional.empty() : Optional.of(until);
  }

  /** The earlier of the TCB info's and the QE identity's issue dates, empty when either does not parse. */
  static Optional<Instant> oldestIssue(QuoteCollateral c) {
    try {
      return Optional.of(earlier(TcbInfo.parse(c.tcbInfo()).issueDate(), QeIdentity.parse(c.qeIdentity()).issueDate()));
    } catch (DcapException e) {
      return Optional.empty();
    }
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
