package dev.dcapd.daemon.api;

import dev.dcapd.verifier.FailureCode;
import java.util.Optional;

/**
 * Why {@link Attestations} cannot answer a call: bad input, nothing stored, no collateral to be
 * had, or a bug. An adapter maps it to its protocol's status ({@link ApiErrors} for gRPC); a quote
 * that fails verification is an answer, never this.
 */
public final class AttestationFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure, independent of protocol. */
  public enum Kind {
    /** Input that does not parse or is out of range. */
    INVALID_ARGUMENT,
    /** Nothing stored under what was asked for. */
    NOT_FOUND,
    /** A failure code's own kind decides ({@link FailureCode.Kind}): malformed or unavailable. */
    FAILURE,
    /** A bug or a corrupt store. */
    INTERNAL,
    /** The store could not answer in time; nothing was half-written, and trying again may succeed. */
    UNAVAILABLE
  }

  private final Kind kind;
  private final transient FailureCode code;
  private final String reason;

  private AttestationFailure(Kind kind, FailureCode code, String reason, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.code = code;
    this.reason = reason;
  }

  /** A verification failure that stops the call (malformed input, no collateral). */
  public static AttestationFailure of(FailureCode code, String message) {
    return new AttestationFailure(Kind.FAILURE, code, null, message);
  }

  public static AttestationFailure invalidArgument(String message) {
    return new AttestationFailure(Kind.INVALID_ARGUMENT, null, null, message);
  }

  /**
   * A request refused for a reason a client branches on (e.g. {@code NONCE_REPLAYED}): invalid
   * argument, with that reason as its code.
   */
  public static AttestationFailure refused(String reason, String message) {
    return new AttestationFailure(Kind.INVALID_ARGUMENT, null, reason, message);
  }

  public static AttestationFailure notFound(String message) {
    return new AttestationFailure(Kind.NOT_FOUND, null, null, message);
  }

  public static AttestationFailure internal(String message) {
    return new AttestationFailure(Kind.INTERNAL, null, null, message);
  }

  /**
   * What a store failure means to a caller: unavailable (try again) when the store could not
   * answer in time ({@code STORE_UNAVAILABLE}) or its disk is full ({@code STORE_FULL}), else internal.
   */
  public static AttestationFailure of(dev.dcapd.daemon.store.StoreException e) {
    if (e.full()) {
      return new AttestationFailure(Kind.UNAVAILABLE, null, ApiErrors.STORE_FULL, "the store is full: " + e.getMessage());
    }
    return e.unavailable()
        ? new AttestationFailure(Kind.UNAVAILABLE, null, ApiErrors.STORE_UNAVAILABLE, "the store is unavailable: " + e.getMessage())
        : new AttestationFailure(Kind.INTERNAL, null, null, "the store failed: " + e.getMessage());
  }

  /** The specific reason of a {@link #refused} request. */
  public Optional<String> reason() {
    return Optional.ofNullable(reason);
  }

  public Kind kind() {
    return kind;
  }

  /** The failure code, for {@link Kind#FAILURE}. */
  public Optional<FailureCode> code() {
    return Optional.ofNullable(code);
  }
}
