package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.util.List;

/**
 * No source gave collateral that passed the check; {@link #attempts()} says what each did. Its
 * code is {@code COLLATERAL_NOT_FOUND} when every source answered that it holds no collateral for
 * the platform, else {@code COLLATERAL_UNAVAILABLE}.
 */
public final class CollateralUnavailableException extends DcapException {
  private static final long serialVersionUID = 1L;

  private final transient List<SourceAttempt> attempts;

  public CollateralUnavailableException(String message, List<SourceAttempt> attempts) {
    this(FailureCode.COLLATERAL_UNAVAILABLE, message, attempts);
  }

  /**
   * @param code {@code COLLATERAL_UNAVAILABLE}, or {@code COLLATERAL_NOT_FOUND} when every source
   *     answered that it knows no such platform
   */
  public CollateralUnavailableException(FailureCode code, String message, List<SourceAttempt> attempts) {
    super(code, message);
    if (code != FailureCode.COLLATERAL_UNAVAILABLE && code != FailureCode.COLLATERAL_NOT_FOUND) {
      throw new IllegalArgumentException("not a code of unavailable collateral: " + code);
    }
    this.attempts = List.copyOf(attempts);
  }

  /** Whether every source answered that it holds nothing for the platform (an answer, not an outage). */
  public boolean notFound() {
    return code() == FailureCode.COLLATERAL_NOT_FOUND;
  }

  /** One entry per source asked, in the order asked. */
  public List<SourceAttempt> attempts() {
    return attempts;
  }
}
