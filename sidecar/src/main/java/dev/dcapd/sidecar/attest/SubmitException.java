package dev.dcapd.sidecar.attest;

/** A quote could not be submitted to the daemon; {@link #retryable()} when the daemon may be back later. */
public final class SubmitException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  public SubmitException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }
}
