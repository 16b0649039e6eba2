package dev.dcapd.collateral;

import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Checked collateral with where and when it was fetched: what the cache holds and answers with,
 * so that callers can report its age and how long it stays current.
 */
public record CachedCollateral(CheckedCollateral checked, String source, Instant fetchedAt) {
  public CachedCollateral {
    Objects.requireNonNull(checked, "checked");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(fetchedAt, "fetchedAt");
  }

  public QuoteCollateral collateral() {
    return checked.collateral();
  }

  /** The earliest nextUpdate / notAfter of all parts. */
  public Instant earliestExpiry() {
    return checked.earliestExpiry();
  }

  public Instant validFrom() {
    return checked.validFrom();
  }

  /** Whether every part is current at {@code t}. */
  public boolean validAt(Instant t) {
    return checked.validAt(t);
  }

  /** How long ago, at {@code now}, it was fetched. */
  public Duration age(Instant now) {
    Duration d = Duration.between(fetchedAt, now);
    return d.isNegative() ? Duration.ZERO : d;
  }
}
