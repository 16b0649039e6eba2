package dev.dcapd.verifier;

import java.time.Duration;
import java.util.Objects;

/**
 * Exponential backoff: the wait after the first failed attempt is {@code initial}, each later one
 * {@code multiplier} times the one before, never more than {@code max}. One type for every module
 * that retries (collateral sources, the client library, the sidecar); it sits here because the
 * verifier is what they all depend on. A pure computation: the caller waits and adds any jitter.
 */
public record Backoff(Duration initial, Duration max, double multiplier) {
  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("backoff needs 0 <= initial <= max");
    }
    if (!(multiplier >= 1.0)) {
      throw new IllegalArgumentException("backoff multiplier at least 1");
    }
  }

  /** Doubling from {@code initial} up to {@code max}. */
  public Backoff(Duration initial, Duration max) {
    this(initial, max, 2.0);
  }

  /** The wait after failed attempt number {@code attempt} (1 = the first failure). */
  public Duration delay(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempts count from 1");
    }
    double nanos = initial.toNanos() * Math.pow(multiplier, attempt - 1);
    return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
  }
}
