package dev.dcapd.client;

import com.google.protobuf.Message;
import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.policy.PolicyCheck;
import dev.dcapd.verifier.policy.PolicyException;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * An answer about one quote together with the quote itself, parsed on this side from bytes whose
 * SHA-256 is the answer's checksum, so a {@link Policy} is checked against what the quote says
 * rather than against the server's rendering of it.
 *
 * @param <R> the RPC's response message
 */
public final class Attested<R extends Message> {
  private final R response;
  private final Quote quote;
  private final Verdict verdict;

  Attested(R response, Quote quote, Verdict verdict) {
    this.response = Objects.requireNonNull(response, "response");
    this.quote = Objects.requireNonNull(quote, "quote");
    this.verdict = Objects.requireNonNull(verdict, "verdict");
  }

  /** The daemon's answer as it came. */
  public R response() {
    return response;
  }

  /** The quote, parsed locally. */
  public Quote quote() {
    return quote;
  }

  public Verdict verdict() {
    return verdict;
  }

  public String checksum() {
    return verdict.checksum();
  }

  /** Whether the quote verified (Intel's checks only; see {@link #check}). */
  public boolean success() {
    return verdict.success();
  }

  /** Applies {@code policy} at {@code now}; returns the quote or throws naming the rule broken. */
  public Quote check(Policy policy, Instant now) throws PolicyException {
    return PolicyCheck.check(policy, verdict, quote, now);
  }

  /** Applies {@code policy} at the clock's instant. */
  public Quote check(Policy policy, Clock clock) throws PolicyException {
    return check(policy, clock.instant());
  }
}
