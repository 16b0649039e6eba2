package dev.dcapd.verifier.binding;

/** The curve of an application key bound into report_data, with its byte in the layout. */
public enum KeyType {
  /** NIST P-256 (secp256r1). Key id: the first 20 bytes of SHA-256(X ‖ Y). */
  P256(1),
  /** secp256k1. Key id: the Ethereum address, the last 20 bytes of Keccak-256(X ‖ Y). */
  SECP256K1(2);

  private final int code;

  KeyType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The key type with this layout byte, or {@code null}. */
  public static KeyType fromCode(int code) {
    for (KeyType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
