package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Asks the configured sources in order and returns the first answer that passes the check; a
 * source that fails, or serves collateral that is bad, stale or for another platform, is skipped
 * with one logged line giving the reason, and the next is asked.
 */
public final class CollateralFetcher {
  private static final System.Logger LOG = System.getLogger(CollateralFetcher.class.getName());

  private final List<CollateralSource> sources;
  private final CollateralCheck check;
  private final Clock clock;

  public CollateralFetcher(List<CollateralSource> sources, CollateralCheck check, Clock clock) {
    this.sources = List.copyOf(sources);
    this.check = Objects.requireNonNull(check, "check");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (this.sources.isEmpty()) {
      throw new IllegalArgumentException("at least one collateral source is needed");
    }
  }

  /** The collateral that passed, and what every source asked did (the last one succeeded). */
  public record Result(CachedCollateral collateral, List<SourceAttempt> attempts) {
    public Result {
      Objects.requireNonNull(collateral, "collateral");
      attempts = List.copyOf(attempts);
    }
  }

  public List<CollateralSource> sources() {
    return sources;
  }

  public Clock clock() {
    return clock;
  }

  public CollateralCheck check() {
    return check;
  }

  /**
   * Fetches collateral for {@code key} and checks it at {@code at}.
   *
   * @throws CollateralUnavailableException when no source gave collateral that passed
   *     ({@code COLLATERAL_NOT_FOUND} when every source answered that it knows no such platform)
   */
  public Result fetch(CollateralKey key, Instant at) throws CollateralUnavailableException {
    List<SourceAttempt> attempts = new ArrayList<>(sources.size());
    for (CollateralSource source : sources) {
      try {
        QuoteCollateral delivered = source.fetch(key);
        // A key's collateral is shared by every quote of the platform; a quote's own PCK chain
        // is added by whoever answers for that quote.
        QuoteCollateral keyed = delivered.pckCertificateChain().isEmpty() ? delivered : withoutPckChain(delivered);
        CheckedCollateral checked = check.check(keyed, key, at);
        attempts.add(SourceAttempt.ok(source.name()));
        return new Result(new CachedCollateral(checked, source.name(), clock.instant()), attempts);
      } catch (DcapException e) {
        attempts.add(skip(source, key, e.code(), e.getMessage()));
      } catch (RuntimeException e) {
        // A source's bug must not stop the fallback; the collateral it was producing is not used.
        attempts.add(skip(source, key, FailureCode.COLLATERAL_UNAVAILABLE, "internal error: " + e));
      }
    }
    // Every source saying it knows no such platform is an answer, not an outage.
    boolean notFound = attempts.stream()
        .allMatch(a -> a.failure().equals(Optional.of(FailureCode.COLLATERAL_NOT_FOUND)));
    if (notFound) {
      throw new CollateralUnavailableException(FailureCode.COLLATERAL_NOT_FOUND,
          "no collateral source knows the platform " + key, attempts);
    }
    throw new CollateralUnavailableException(
        "no collateral source gave valid collateral for " + key + " at " + at, attempts);
  }

  private static SourceAttempt skip(CollateralSource source, CollateralKey key, FailureCode code, String message) {
    String oneLine = message == null ? "" : message.replace('\n', ' ');
    LOG.log(Level.WARNING, "collateral source {0} skipped for {1}: {2}: {3}", source.name(), key, code, oneLine);
    return SourceAttempt.failed(source.name(), code, oneLine);
  }

  static QuoteCollateral withoutPckChain(QuoteCollateral c) {
    return new QuoteCollateral(c.pckCrlIssuerChain(), c.rootCaCrl(), c.pckCrl(), c.tcbInfoIssuerChain(),
        c.tcbInfo(), c.tcbInfoSignature(), c.qeIdentityIssuerChain(), c.qeIdentity(), c.qeIdentitySignature(),
        Optional.empty());
  }
}
