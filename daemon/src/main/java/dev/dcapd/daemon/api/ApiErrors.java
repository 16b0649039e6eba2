package dev.dcapd.daemon.api;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.dcapd.proto.ErrorReasons;
import dev.dcapd.verifier.FailureCode;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;

/**
 * The one place that turns a failure ({@link AttestationFailure}, {@link FailureCode}) into a gRPC status: the status code from the failure's kind,
 * and a {@code google.rpc.ErrorInfo} detail whose reason is the failure code.
 */
public final class ApiErrors {
  /** The ErrorInfo domain of every dcapd error. */
  public static final String DOMAIN = ErrorReasons.DOMAIN;
  /** Reasons for errors that are not verification failures. */
  public static final String NOT_FOUND = "NOT_FOUND";
  public static final String INVALID_ARGUMENT = "INVALID_ARGUMENT";
  public static final String RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED";
  public static final String INTERNAL = "INTERNAL";
  /** The store could not answer in time (a database timeout, too few replicas): try again. */
  public static final String STORE_UNAVAILABLE = "STORE_UNAVAILABLE";
  /** The store's disk is full: nothing of the write was kept; try again once space is freed. */
  public static final String STORE_FULL = "STORE_FULL";
  /** One client address holds its bound of {@code WatchVerdicts} streams ({@code --max-watchers-per-peer}). */
  public static final String WATCHERS_PER_PEER = "WATCHERS_PER_PEER";
  /** One client address holds its bound of open challenges ({@code --max-challenges-per-peer}). */
  public static final String CHALLENGES_PER_PEER = "CHALLENGES_PER_PEER";

  private ApiErrors() {}

  /** The status of a use-case failure. */
  public static StatusRuntimeException of(AttestationFailure f) {
    return switch (f.kind()) {
      case FAILURE -> of(f.code().orElseThrow(), f.getMessage());
      case INVALID_ARGUMENT -> status(Code.INVALID_ARGUMENT, f.reason().orElse(INVALID_ARGUMENT), f.getMessage());
      case NOT_FOUND -> notFound(f.getMessage());
      case INTERNAL -> internal(f.getMessage());
      case UNAVAILABLE -> status(Code.UNAVAILABLE, f.reason().orElse(STORE_UNAVAILABLE), f.getMessage());
    };
  }

  /** A failure that stops a call (malformed input, no collateral): mapped by its kind. */
  public static StatusRuntimeException of(FailureCode code, String message) {
    if (code == FailureCode.COLLATERAL_NOT_FOUND) {
      // The sources' answer that they know no such platform: asking again soon answers the same.
      return status(Code.FAILED_PRECONDITION, code.name(), message);
    }
    Code status = switch (code.kind()) {
      case MALFORMED -> Code.INVALID_ARGUMENT;
      case UNAVAILABLE -> Code.UNAVAILABLE;
      // Untrusted and stale evidence is an answer, not an error; reaching here is a bug.
      case UNTRUSTED, STALE -> Code.INTERNAL;
    };
    return status(status, code.name(), message);
  }

  public static StatusRuntimeException invalidArgument(String message) {
    return status(Code.INVALID_ARGUMENT, INVALID_ARGUMENT, message);
  }

  public static StatusRuntimeException notFound(String message) {
    return status(Code.NOT_FOUND, NOT_FOUND, message);
  }

  public static StatusRuntimeException exhausted(String message) {
    return status(Code.RESOURCE_EXHAUSTED, RESOURCE_EXHAUSTED, message);
  }

  /** RESOURCE_EXHAUSTED for one of the per-client bounds, named by {@code reason}. */
  public static StatusRuntimeException exhausted(String reason, String message) {
    return status(Code.RESOURCE_EXHAUSTED, reason, message);
  }

  /** As {@link #exhausted(String, String)}, with a {@code google.rpc.RetryInfo} saying when to ask again. */
  public static StatusRuntimeException exhausted(String reason, String message, Duration retryAfter) {
    com.google.rpc.Status s = com.google.rpc.Status.newBuilder()
        .setCode(Code.RESOURCE_EXHAUSTED.getNumber())
        .setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).build()))
        .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
            .setSeconds(retryAfter.getSeconds()).setNanos(retryAfter.getNano())).build()))
        .build();
    return StatusProto.toStatusRuntimeException(s);
  }

  public static StatusRuntimeException unavailable(String message) {
    return status(Code.UNAVAILABLE, STORE_UNAVAILABLE, message);
  }

  public static StatusRuntimeException internal(String message) {
    return status(Code.INTERNAL, INTERNAL, message);
  }

  private static StatusRuntimeException status(Code code, String reason, String message) {
    com.google.rpc.Status s = com.google.rpc.Status.newBuilder()
        .setCode(code.getNumber())
        .setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).build()))
        .build();
    return StatusProto.toStatusRuntimeException(s);
  }
}
