package dev.dcapd.verifier;

/**
 * The one checked exception of the verifier: something about a quote or its collateral is not
 * acceptable, and {@link #code()} says what, in a form that tests and clients can branch on.
 */
public class DcapException extends Exception {
  private static final long serialVersionUID = 1L;

  private final FailureCode code;

  public DcapException(FailureCode code, String message) {
    super(message);
    this.code = code;
  }

  public DcapException(FailureCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public FailureCode code() {
    return code;
  }
}
