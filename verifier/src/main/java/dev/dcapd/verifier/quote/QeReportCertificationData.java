package dev.dcapd.verifier.quote;

import dev.dcapd.verifier.Bytes;
import java.util.Objects;

/**
 * The quoting enclave's evidence: its report (whose report data binds the attestation key), the
 * PCK's signature over that report, the QE authentication data, and the PCK certification data.
 * In v3 quotes these fields follow the attestation key directly; v4 and v5 wrap them as
 * certification data type 6.
 */
public record QeReportCertificationData(
    EnclaveReport qeReport,
    Bytes qeReportSignature,
    Bytes qeAuthData,
    CertificationData certificationData) {

  public QeReportCertificationData {
    Objects.requireNonNull(qeReport, "qeReport");
    QuoteHeader.requireLength(qeReportSignature, QuoteLayout.SIGNATURE_SIZE, "qeReportSignature");
    Objects.requireNonNull(qeAuthData, "qeAuthData");
    if (qeAuthData.length() > 0xffff) {
      throw new IllegalArgumentException("qeAuthData longer than a u16 length allows");
    }
    Objects.requireNonNull(certificationData, "certificationData");
  }
}
