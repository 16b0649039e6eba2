package dev.dcapd.verifier.policy;

import java.util.Objects;

/**
 * One rule of a {@link Policy} that a quote breaks.
 *
 * @param code the rule, a stable name
 * @param message for people: the value found and what the policy wanted
 */
public record Violation(PolicyViolation code, String message) {
  public Violation {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }
}
