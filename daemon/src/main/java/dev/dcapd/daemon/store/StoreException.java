package dev.dcapd.daemon.store;

/**
 * The store could not read or write: a disk or database problem, never a client's fault. One that
 * is {@link #unavailable()} (a database that timed out or has too few replicas up) may succeed when
 * tried again; the daemon answers it as unavailable rather than as an internal error. One that is
 * {@link #full()} (the disk under the store has no space left) is unavailable too: nothing of the
 * write was kept, and the store takes writes again once space is freed.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean unavailable;
  private final boolean full;

  public StoreException(String message, Throwable cause) {
    this(message, cause, false, false);
  }

  private StoreException(String message, Throwable cause, boolean unavailable, boolean full) {
    super(message, cause);
    this.unavailable = unavailable;
    this.full = full;
  }

  /** A write refused for lack of space: nothing of it was kept; writes succeed again once space is freed. */
  public static StoreException full(String message, Throwable cause) {
    return new StoreException(message, cause, true, true);
  }

  /** Whether the store refused a write because its disk is full (then also {@link #unavailable()}). */
  public boolean full() {
    return full;
  }

  /** A failure that says nothing about the data: the database could not answer in time. */
  public static StoreException unavailable(String message, Throwable cause) {
    return new StoreException(message, cause, true, false);
  }

  /** Whether trying again later may succeed (and nothing was half-written). */
  public boolean unavailable() {
    return unavailable;
  }
}
