package dev.dcapd.collateral;

import dev.dcapd.verifier.FailureCode;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened when one source was asked: it answered with collateral that passed the check
 * ({@code failure} empty), or it did not, and why (a code and a one-line message).
 */
public record SourceAttempt(String source, Optional<FailureCode> failure, String message) {
  public SourceAttempt {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(message, "message");
  }

  static SourceAttempt ok(String source) {
    return new SourceAttempt(source, Optional.empty(), "ok");
  }

  static SourceAttempt failed(String source, FailureCode code, String message) {
    return new SourceAttempt(source, Optional.of(code), message);
  }

  public boolean succeeded() {
    return failure.isEmpty();
  }

  /** {@code source: CODE: message}, or {@code source: ok}. */
  @Override
  public String toString() {
    return failure.map(f -> source + ": " + f + ": " + message).orElse(source + ": ok");
  }
}
