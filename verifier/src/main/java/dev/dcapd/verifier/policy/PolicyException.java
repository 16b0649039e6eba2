package dev.dcapd.verifier.policy;

/** A verdict and quote that do not satisfy a {@link Policy}; {@link #violation()} says which rule. */
public final class PolicyException extends Exception {
  private static final long serialVersionUID = 1L;

  private final PolicyViolation violation;

  public PolicyException(PolicyViolation violation, String message) {
    super(message);
    this.violation = violation;
  }

  public PolicyViolation violation() {
    return violation;
  }
}
