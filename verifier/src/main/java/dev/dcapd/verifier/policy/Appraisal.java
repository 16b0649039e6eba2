package dev.dcapd.verifier.policy;

import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.verify.Verdict;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A verdict judged by a policy: the verifier's verdict unchanged, the policy that judged it, and
 * every rule of that policy the quote breaks. A quote is accepted exactly when it verified and
 * breaks no rule.
 *
 * @param policyName the policy's name
 * @param policySha256 lower-case hex SHA-256 of the policy's canonical JSON
 * @param violations every rule broken, in the policy's order; empty when the verdict failed (its
 *     own failure stands)
 */
public record Appraisal(Verdict verdict, String policyName, String policySha256, List<Violation> violations) {
  public Appraisal {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(policyName, "policyName");
    Objects.requireNonNull(policySha256, "policySha256");
    violations = List.copyOf(violations);
    if (!verdict.success() && !violations.isEmpty()) {
      throw new IllegalArgumentException("a failed verdict's failure stands alone");
    }
  }

  /** The quote verified and breaks no rule of the policy. */
  public boolean success() {
    return verdict.success() && violations.isEmpty();
  }

  /**
   * Why the quote is not accepted: the verdict's own failure; else {@code DEBUG_NOT_ALLOWED} when
   * debug is among the violations; else {@code POLICY_VIOLATION}. Empty on success.
   */
  public Optional<FailureCode> failureCode() {
    if (verdict.failure().isPresent()) {
      return Optional.of(verdict.failure().get().code());
    }
    if (violations.isEmpty()) {
      return Optional.empty();
    }
    boolean debug = violations.stream().anyMatch(v -> v.code() == PolicyViolation.DEBUG_NOT_ALLOWED);
    return Optional.of(debug ? FailureCode.DEBUG_NOT_ALLOWED : FailureCode.POLICY_VIOLATION);
  }

  /** The failure's message: the verdict's, or the violations' in one line. */
  public Optional<String> failureMessage() {
    if (verdict.failure().isPresent()) {
      return Optional.of(verdict.failure().get().message());
    }
    if (violations.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder sb = new StringBuilder("policy ").append(policyName).append(": ");
    for (int i = 0; i < violations.size(); i++) {
      sb.append(i == 0 ? "" : "; ").append(violations.get(i).code()).append(": ").append(violations.get(i).message());
    }
    return Optional.of(sb.toString());
  }
}
