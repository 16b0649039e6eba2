package dev.dcapd.client;

import com.google.rpc.ErrorInfo;
import dev.dcapd.proto.ErrorReasons;
import dev.dcapd.verifier.FailureCode;
import io.grpc.Status;
import java.util.Optional;

/**
 * A call to the daemon that did not produce an answer: the gRPC status and, when the daemon gave
 * one, its failure code (the {@code google.rpc.ErrorInfo} reason). Checked, so a caller cannot
 * forget that a remote call can fail; asynchronous calls complete exceptionally with it.
 *
 * <p>A quote that was verified and rejected is not an exception: it is an answer whose verdict
 * failed. Branch on {@link #code()} and {@link #reason()}, never on the message.
 */
public final class DcapClientException extends Exception {
  private static final long serialVersionUID = 1L;
  /** The ErrorInfo domain of the daemon's errors. */
  public static final String DOMAIN = ErrorReasons.DOMAIN;

  private final transient Status status;
  private final String reason;
  private final int attempts;

  DcapClientException(Status status, String reason, int attempts, Throwable cause) {
    super(describe(status, reason, attempts), cause);
    this.status = status;
    this.reason = reason;
    this.attempts = attempts;
  }

  /** The exception for a failed call: status and ErrorInfo reason read from {@code t}. */
  static DcapClientException from(Throwable t, int attempts) {
    return new DcapClientException(Status.fromThrowable(t), ErrorReasons.reason(t), attempts, t);
  }

  /** The gRPC status the call ended with (its description is for people). */
  public Status status() {
    return status;
  }

  public Status.Code code() {
    return status.getCode();
  }

  /**
   * The daemon's ErrorInfo reason: a {@link FailureCode} name (e.g. {@code QUOTE_TRUNCATED},
   * {@code COLLATERAL_UNAVAILABLE}) or one of {@code NOT_FOUND}, {@code INVALID_ARGUMENT},
   * {@code RESOURCE_EXHAUSTED}, {@code INTERNAL}. Null when the error did not come from the
   * daemon (the connection failed, the deadline passed).
   */
  public String reason() {
    return reason;
  }

  /** The reason as a failure code, when it is one. */
  public Optional<FailureCode> failureCode() {
    if (reason == null) {
      return Optional.empty();
    }
    for (FailureCode c : FailureCode.values()) {
      if (c.name().equals(reason)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** How many attempts were made (more than one when UNAVAILABLE was retried). */
  public int attempts() {
    return attempts;
  }

  private static String describe(Status status, String reason, int attempts) {
    StringBuilder sb = new StringBuilder(status.getCode().name());
    if (reason != null && !reason.equals(status.getCode().name())) {
      sb.append(" ").append(reason);
    }
    if (status.getDescription() != null) {
      sb.append(": ").append(status.getDescription());
    }
    if (attempts > 1) {
      sb.append(" (after ").append(attempts).append(" attempts)");
    }
    return sb.toString();
  }
}
