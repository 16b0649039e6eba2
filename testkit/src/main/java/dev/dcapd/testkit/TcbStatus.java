package dev.dcapd.testkit;

/** Intel's TCB status names, as TCB info, QE identity and verdicts spell them. */
public enum TcbStatus {
  UP_TO_DATE("UpToDate"),
  SW_HARDENING_NEEDED("SWHardeningNeeded"),
  CONFIGURATION_NEEDED("ConfigurationNeeded"),
  CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded"),
  OUT_OF_DATE("OutOfDate"),
  OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded"),
  TD_RELAUNCH_ADVISED("TDRelaunchAdvised"),
  TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED("TDRelaunchAdvisedConfigurationNeeded"),
  REVOKED("Revoked");

  private final String intelName;

  TcbStatus(String intelName) {
    this.intelName = intelName;
  }

  /** The name in Intel's JSON and in verdicts, e.g. {@code OutOfDateConfigurationNeeded}. */
  public String intelName() {
    return intelName;
  }

  /** The status named {@code name} (Intel's spelling), or {@link IllegalArgumentException}. */
  public static TcbStatus fromIntelName(String name) {
    for (TcbStatus s : values()) {
      if (s.intelName.equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown TCB status '" + name + "'");
  }

  @Override
  public String toString() {
    return intelName;
  }
}
