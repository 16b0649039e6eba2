package dev.dcapd.verifier.policy;

/** A policy file or JSON text that is not a policy; the message names the first key at fault. */
public final class PolicyFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public PolicyFormatException(String message) {
    super(message);
  }
}
