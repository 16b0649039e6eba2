package dev.dcapd.daemon.store;

/**
 * The store could not read or write: a disk or database problem, never a client's fault. One that
 * is {@link #unavailable()} (a database that timed out or has too few replicas up) may succeed when
 * tried again; the daemon answers it as unavailable rather than as an internal error.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean unavailable;

  public StoreException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private StoreException(String message, Throwable cause, boolean unavailable) {
    super(message, cause);
    this.unavailable = unavailable;
  }

  /** A failure that says nothing about the data: the database could not answer in time. */
  public static StoreException unavailable(String message, Throwable cause) {
    return new StoreException(message, cause, true);
  }

  /** Whether trying again later may succeed (and nothing was half-written). */
  public boolean unavailable() {
    return unavailable;
  }
}
