package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.util.List;

/** No source gave collateral that passed the check; {@link #attempts()} says what each did. */
public final class CollateralUnavailableException extends DcapException {
  private static final long serialVersionUID = 1L;

  private final transient List<SourceAttempt> attempts;

  public CollateralUnavailableException(String message, List<SourceAttempt> attempts) {
    super(FailureCode.COLLATERAL_UNAVAILABLE, message);
    this.attempts = List.copyOf(attempts);
  }

  /** One entry per source asked, in the order asked. */
  public List<SourceAttempt> attempts() {
    return attempts;
  }
}
