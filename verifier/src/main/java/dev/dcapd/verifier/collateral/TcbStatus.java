package dev.dcapd.verifier.collateral;

import java.util.Optional;

/**
 * A TCB status with Intel's names: the status of a TCB level, a QE identity level or a TDX module
 * level as collateral states it, and the final status of a verification.
 *
 * <p>Constants are declared in increasing severity. {@link #convergeWith} is Intel's rule for
 * folding a component's status (the QE's or the TDX module's) into the platform's, which differs
 * from a plain "worst of the two" for the configuration-needed statuses.
 */
public enum TcbStatus {
  UP_TO_DATE("UpToDate"),
  SW_HARDENING_NEEDED("SWHardeningNeeded"),
  CONFIGURATION_NEEDED("ConfigurationNeeded"),
  CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded"),
  TD_RELAUNCH_ADVISED("TDRelaunchAdvised"),
  TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED("TDRelaunchAdvisedConfigurationNeeded"),
  OUT_OF_DATE("OutOfDate"),
  OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded"),
  REVOKED("Revoked");

  private final String intelName;

  TcbStatus(String intelName) {
    this.intelName = intelName;
  }

  /** Intel's spelling, as in TCB info JSON and QvE results. */
  public String intelName() {
    return intelName;
  }

  /** The status spelled {@code name} in Intel's JSON, if it is one. */
  public static Optional<TcbStatus> fromIntelName(String name) {
    for (TcbStatus s : values()) {
      if (s.intelName.equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** Whether this status says the platform's configuration needs attention. */
  public boolean configurationNeeded() {
    return this == CONFIGURATION_NEEDED
        || this == CONFIGURATION_AND_SW_HARDENING_NEEDED
        || this == OUT_OF_DATE_CONFIGURATION_NEEDED
        || this == TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
  }

  /** Whether a level with this status still counts as current (the TCB is not out of date). */
  public boolean current() {
    return this == UP_TO_DATE
        || this == SW_HARDENING_NEEDED
        || this == CONFIGURATION_NEEDED
        || this == CONFIGURATION_AND_SW_HARDENING_NEEDED;
  }

  /**
   * Intel's convergence of this (platform) status with a component's status (QVL
   * {@code convergeTcbStatusWithQeTcbStatus} and the TDX module equivalent): a revoked component
   * revokes the whole; an out-of-date component makes a current platform out of date, keeping
   * "configuration needed" ({@code ConfigurationNeeded} + {@code OutOfDate} is
   * {@code OutOfDateConfigurationNeeded}, where a worst-of rule would say {@code OutOfDate});
   * anything else leaves the platform's status as it is.
   */
  public TcbStatus convergeWith(TcbStatus component) {
    if (component == REVOKED) {
      return REVOKED;
    }
    if (component == UP_TO_DATE) {
      return this;
    }
    // Intel treats every other component status as "out of date" (QE levels use only
    // UpToDate, OutOfDate and Revoked in practice; a QE ConfigurationNeeded counts as out of date).
    switch (this) {
      case UP_TO_DATE:
      case SW_HARDENING_NEEDED:
        return OUT_OF_DATE;
      case CONFIGURATION_NEEDED:
      case CONFIGURATION_AND_SW_HARDENING_NEEDED:
        return OUT_OF_DATE_CONFIGURATION_NEEDED;
      default:
        return this;
    }
  }

  /** The more severe of the two in declaration order (a plain worst-of merge). */
  public TcbStatus worst(TcbStatus other) {
    return other.ordinal() > ordinal() ? other : this;
  }

  @Override
  public String toString() {
    return intelName;
  }
}
