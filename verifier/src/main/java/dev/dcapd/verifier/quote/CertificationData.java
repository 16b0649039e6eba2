package dev.dcapd.verifier.quote;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.pck.PckCertChain;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Certification data: how the quote says who certified its attestation key. Types 1-5 identify
 * the PCK (type 5, the PEM PCK chain, is what verification needs); type 6 wraps the QE report and
 * is modelled by {@link QeReportCertificationData}.
 */
public final class CertificationData {
  /** Type 1: PPID in clear text. */
  public static final int TYPE_PPID_CLEARTEXT = 1;
  /** Type 2: PPID encrypted with RSA-2048-OAEP. */
  public static final int TYPE_PPID_RSA2048 = 2;
  /** Type 3: PPID encrypted with RSA-3072-OAEP. */
  public static final int TYPE_PPID_RSA3072 = 3;
  /** Type 4: the PCK leaf certificate. */
  public static final int TYPE_PCK_CERTIFICATE = 4;
  /** Type 5: the PCK certificate chain, PEM: leaf, intermediate CA, root CA. */
  public static final int TYPE_PCK_CERT_CHAIN = 5;
  /** Type 6: QE report certification data (v4 and v5 quotes). */
  public static final int TYPE_QE_REPORT = 6;

  private final int type;
  private final Bytes data;
  private volatile PckCertChain chain;

  public CertificationData(int type, Bytes data) {
    if (type < TYPE_PPID_CLEARTEXT || type > TYPE_PCK_CERT_CHAIN) {
      throw new IllegalArgumentException("certification data type must be 1-5, not " + type);
    }
    this.type = type;
    this.data = Objects.requireNonNull(data, "data");
  }

  /** A type-5 PEM chain. */
  public static CertificationData pemChain(String pem) {
    return new CertificationData(TYPE_PCK_CERT_CHAIN, Bytes.of(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  public int type() {
    return type;
  }

  public Bytes data() {
    return data;
  }

  /**
   * The PCK certificate chain carried by type-5 data, parsed once.
   *
   * @throws DcapException {@code UNSUPPORTED_CERTIFICATION_DATA} for other types,
   *     {@code PCK_CERTIFICATE_MALFORMED} if the PEM cannot be read
   */
  public PckCertChain pckCertChain() throws DcapException {
    PckCertChain c = chain;
    if (c == null) {
      if (type != TYPE_PCK_CERT_CHAIN) {
        throw new DcapException(
            FailureCode.UNSUPPORTED_CERTIFICATION_DATA,
            "certification data type " + type + " carries no PCK certificate chain; type 5 is required");
      }
      c = PckCertChain.parsePem(data);
      chain = c;
    }
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CertificationData other && type == other.type && data.equals(other.data);
  }

  @Override
  public int hashCode() {
    return 31 * type + data.hashCode();
  }

  @Override
  public String toString() {
    return "CertificationData[type=" + type + ", " + data.length() + " bytes]";
  }
}
