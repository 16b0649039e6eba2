package dev.dcapd.verifier.quote;

/** The report a quote carries, with the v5 body-descriptor type and its fixed size. */
public enum BodyType {
  SGX_ENCLAVE_REPORT(1, QuoteLayout.ENCLAVE_REPORT_SIZE, TeeType.SGX),
  TD_REPORT_10(2, QuoteLayout.TD_REPORT_10_SIZE, TeeType.TDX),
  TD_REPORT_15(3, QuoteLayout.TD_REPORT_15_SIZE, TeeType.TDX);

  private final int code;
  private final int size;
  private final TeeType teeType;

  BodyType(int code, int size, TeeType teeType) {
    this.code = code;
    this.size = size;
    this.teeType = teeType;
  }

  /** The v5 body descriptor's {@code type} value. */
  public int code() {
    return code;
  }

  /** The body's length in bytes. */
  public int size() {
    return size;
  }

  /** The only TEE type this body may come with. */
  public TeeType teeType() {
    return teeType;
  }

  /** The body type with this descriptor value, or {@code null}. */
  public static BodyType fromCode(int code) {
    for (BodyType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
