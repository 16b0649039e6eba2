package dev.dcapd.verifier.pck;

/** Which Intel PCK CA issued a PCK certificate; it selects the PCK CRL ({@code ca=} in PCS). */
public enum CaType {
  PROCESSOR("processor", "Intel SGX PCK Processor CA"),
  PLATFORM("platform", "Intel SGX PCK Platform CA");

  private final String pcsName;
  private final String commonName;

  CaType(String pcsName, String commonName) {
    this.pcsName = pcsName;
    this.commonName = commonName;
  }

  /** The value of PCS's {@code ca} query parameter. */
  public String pcsName() {
    return pcsName;
  }

  /** The CA certificate's subject common name. */
  public String commonName() {
    return commonName;
  }

  /** The CA type whose common name is {@code cn}, or {@code null}. */
  public static CaType fromCommonName(String cn) {
    for (CaType t : values()) {
      if (t.commonName.equals(cn)) {
        return t;
      }
    }
    return null;
  }

  /** The CA type whose PCS name ({@link #pcsName()}) is {@code name}, or {@code null}. */
  public static CaType fromPcsName(String name) {
    for (CaType t : values()) {
      if (t.pcsName.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
