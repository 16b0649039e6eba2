package dev.dcapd.token;

/** A token (or a source of keys) that must not be trusted, with a stable reason to branch on. */
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
    WRONG_NONCE,
    /**
     * Its {@code submods.quote.dcapd.insecure_root} is not {@code false}: the verdict rests on a
     * root the daemon's operator chose with {@code --insecure-trust-root} instead of Intel's (or the
     * token does not say), and the relying party did not allow that.
     */
    INSECURE_ROOT,
    /**
     * The keys would come over plain http from a host other than this machine (loopback), where
     * anyone on the path can answer with their own keys; refused before any connection is made.
     */
    INSECURE_JWKS_URL
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
