package dev.dcapd.sidecar.api;

import java.time.Clock;
import java.time.Duration;

/**
 * A token bucket: {@code burst} calls at once, then one every {@code period}. Each fresh quote
 * costs the TD a real quote generation, so a misbehaving app must not be able to ask for them
 * without limit.
 */
public final class RateLimiter {
  private final Clock clock;
  private final int burst;
  private final long periodNanos;
  private double tokens;
  private long last;

  public RateLimiter(Clock clock, int burst, Duration period) {
    if (burst < 1 || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("a rate limit needs burst >= 1 and a positive period");
    }
    this.clock = clock;
    this.burst = burst;
    this.periodNanos = period.toNanos();
    this.tokens = burst;
    this.last = nanos();
  }

  private long nanos() {
    java.time.Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Takes a token if there is one. */
  public synchronized boolean tryAcquire() {
    long now = nanos();
    tokens = Math.min(burst, tokens + (double) Math.max(0, now - last) / periodNanos);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
