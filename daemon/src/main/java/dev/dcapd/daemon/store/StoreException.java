package dev.dcapd.daemon.store;

/** The store could not read or write: a disk or database problem, never a client's fault. */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
