package dev.dcapd.token;

/** A token that must not be trusted, with a stable reason to branch on. */
public final class TokenException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a token is refused. */
  public enum Reason {
    /** Not a compact JWS, or its claims are not an EAR. */
    MALFORMED,
    /** Signed with an algorithm other than ES256 (or none). */
    WRONG_ALGORITHM,
    /** Its key id is not among the trusted keys (unknown, or rotated out). */
    UNKNOWN_KEY,
    /** The signature does not verify under the key its header names. */
    BAD_SIGNATURE,
    /** Past its {@code exp}, or issued in the future. */
    EXPIRED,
    /** Not the EAR profile dcapd issues. */
    WRONG_PROFILE,
    /** Its {@code eat_nonce} is not the nonce the relying party expects. */
    WRONG_NONCE
  }

  private final Reason reason;

  public TokenException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public TokenException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
