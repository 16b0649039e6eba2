package dev.dcapd.collateral;

import dev.dcapd.verifier.Backoff;
import java.time.Duration;
import java.util.Objects;

/**
 * How hard one HTTP request is tried: a time limit per attempt, a bounded number of attempts
 * with exponential backoff between them, and the longest {@code Retry-After} that is honoured
 * (a server asking for a longer wait is given up on, so the next source is tried instead).
 */
public record RetryPolicy(int maxAttempts, Duration requestTimeout, Backoff backoff, Duration maxRetryAfter) {

  /** Three attempts, 30 s each, backoff 0.5 s then 1 s, Retry-After up to 10 s. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(3, Duration.ofSeconds(30), Duration.ofMillis(500), Duration.ofSeconds(4), Duration.ofSeconds(10));

  public RetryPolicy {
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("at least one attempt");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("the request timeout must be positive");
    }
    if (maxRetryAfter.isNegative()) {
      throw new IllegalArgumentException("backoff durations cannot be negative");
    }
  }

  /** Backoff doubling from {@code initialBackoff} up to {@code maxBackoff}. */
  public RetryPolicy(int maxAttempts, Duration requestTimeout, Duration initialBackoff, Duration maxBackoff,
      Duration maxRetryAfter) {
    this(maxAttempts, requestTimeout, new Backoff(initialBackoff, maxBackoff), maxRetryAfter);
  }

  /** The same policy with another number of attempts. */
  public RetryPolicy withMaxAttempts(int attempts) {
    return new RetryPolicy(attempts, requestTimeout, backoff, maxRetryAfter);
  }

  /** The same policy with another per-attempt time limit. */
  public RetryPolicy withRequestTimeout(Duration timeout) {
    return new RetryPolicy(maxAttempts, timeout, backoff, maxRetryAfter);
  }

  /** The wait before attempt {@code attempt + 1} (attempts count from 1): doubling, capped. */
  public Duration backoffAfter(int attempt) {
    return backoff.delay(attempt);
  }
}
