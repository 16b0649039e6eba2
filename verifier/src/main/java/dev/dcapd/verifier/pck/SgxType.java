package dev.dcapd.verifier.pck;

/** The SGX type recorded in a PCK certificate (OID 1.2.840.113741.1.13.1.5). */
public enum SgxType {
  STANDARD,
  SCALABLE,
  SCALABLE_WITH_INTEGRITY;

  /** The ENUMERATED value. */
  public int code() {
    return ordinal();
  }

  /** The type for an ENUMERATED value, or {@code null}. */
  public static SgxType fromCode(int code) {
    return code >= 0 && code < values().length ? values()[code] : null;
  }
}
