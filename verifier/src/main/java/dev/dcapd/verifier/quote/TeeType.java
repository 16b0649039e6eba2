package dev.dcapd.verifier.quote;

/** The TEE a quote comes from, by the header's {@code tee_type} value. */
public enum TeeType {
  SGX(0x00000000),
  TDX(0x00000081);

  private final int code;

  TeeType(int code) {
    this.code = code;
  }

  /** The name Phala's attestation API and dcapd's JSON give it: {@code TEE_SGX} or {@code TEE_TDX}. */
  public String apiName() {
    return "TEE_" + name();
  }

  /** The header value. */
  public int code() {
    return code;
  }

  /** The TEE with this header value, or {@code null} if there is none. */
  public static TeeType fromCode(long code) {
    for (TeeType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
