package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.util.Objects;

/** Why a verification did not succeed: a stable code and a message naming the exact piece. */
public record Failure(FailureCode code, String message) {
  public Failure {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  public static Failure of(DcapException e) {
    return new Failure(e.code(), e.getMessage());
  }

  /** This failure as the checked exception, for callers that want one. */
  public DcapException toException() {
    return new DcapException(code, message);
  }
}
