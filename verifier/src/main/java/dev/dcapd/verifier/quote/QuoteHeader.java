package dev.dcapd.verifier.quote;

import dev.dcapd.verifier.Bytes;
import java.util.Objects;

/**
 * The 48-byte quote header. {@code qeSvn} and {@code pceSvn} are the v3 names of bytes 8-11,
 * which later versions call reserved; they are kept whatever the version so the quote re-encodes
 * exactly.
 */
public record QuoteHeader(
    int version,
    int attestationKeyType,
    TeeType teeType,
    int qeSvn,
    int pceSvn,
    Bytes qeVendorId,
    Bytes userData) {

  public QuoteHeader {
    Objects.requireNonNull(teeType, "teeType");
    requireLength(qeVendorId, 16, "qeVendorId");
    requireLength(userData, 20, "userData");
    requireU16(version, "version");
    requireU16(attestationKeyType, "attestationKeyType");
    requireU16(qeSvn, "qeSvn");
    requireU16(pceSvn, "pceSvn");
  }

  /** Attestation key type 2: ECDSA on P-256, the only one DCAP quotes use. */
  public static final int AK_ECDSA_P256 = 2;
  /** Attestation key type 3: ECDSA on P-384, defined by Intel's format and unused. */
  public static final int AK_ECDSA_P384 = 3;

  /**
   * The name Phala's attestation API and dcapd's JSON give an attestation key type:
   * {@code ECDSA_P256}, {@code ECDSA_P384}, else {@code UNKNOWN_n}.
   */
  public static String attestationKeyTypeName(int type) {
    return switch (type) {
      case AK_ECDSA_P256 -> "ECDSA_P256";
      case AK_ECDSA_P384 -> "ECDSA_P384";
      default -> "UNKNOWN_" + type;
    };
  }

  static void requireLength(Bytes b, int length, String name) {
    Objects.requireNonNull(b, name);
    if (b.length() != length) {
      throw new IllegalArgumentException(name + " must be " + length + " bytes, not " + b.length());
    }
  }

  static void requireU16(int v, String name) {
    if (v < 0 || v > 0xffff) {
      throw new IllegalArgumentException(name + " out of range for u16: " + v);
    }
  }
}
