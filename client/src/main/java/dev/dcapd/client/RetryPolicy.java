package dev.dcapd.client;

import dev.dcapd.verifier.Backoff;
import java.time.Duration;

/**
 * How a call is retried: only when it ends UNAVAILABLE without a daemon failure code (the
 * connection failed or the server was shutting down), at most {@code maxAttempts} times in all,
 * with exponential backoff and jitter, never past the call's deadline.
 *
 * <p>Not retried: {@code RESOURCE_EXHAUSTED} (the server is over capacity; an immediate retry from
 * every client makes that worse, so the caller decides), UNAVAILABLE with reason
 * {@code COLLATERAL_UNAVAILABLE} (the daemon has already tried every collateral source with its own
 * retries), and everything else. Retrying Verify is safe because it is idempotent by checksum.
 *
 * @param maxAttempts attempts in all, including the first (1 disables retries)
 * @param backoff the wait before each retry, before jitter
 */
public record RetryPolicy(int maxAttempts, Backoff backoff) {
  /** Five attempts, 100 ms doubling to at most 2 s: about 1.5 s of waiting before giving up. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(2), 2.0);
  /** A single attempt. */
  public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ofMillis(100), Duration.ofMillis(100), 1.0);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("at least one attempt");
    }
    if (backoff.initial().isZero()) {
      throw new IllegalArgumentException("backoff must be positive and the cap at least the initial wait");
    }
  }

  /**
   * @param initialBackoff wait before the second attempt
   * @param maxBackoff cap on any single wait
   * @param multiplier growth of the wait per attempt
   */
  public RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {
    this(maxAttempts, new Backoff(initialBackoff, maxBackoff, multiplier));
  }

  /** The wait before attempt {@code attempt + 1}, before jitter ({@code attempt} counts from 1). */
  public Duration backoff(int attempt) {
    return backoff.delay(attempt);
  }
}
