package dev.dcapd.verifier.quote;

import dev.dcapd.verifier.Bytes;
import java.util.Objects;

/**
 * The quote's signature data: the attestation key's signature over header and body, the
 * attestation key itself (raw P-256 X‖Y), and the QE evidence that certifies that key.
 */
public record SignatureData(
    Bytes quoteSignature, Bytes attestationKey, QeReportCertificationData qeReportCertificationData) {

  public SignatureData {
    QuoteHeader.requireLength(quoteSignature, QuoteLayout.SIGNATURE_SIZE, "quoteSignature");
    QuoteHeader.requireLength(attestationKey, QuoteLayout.ATTESTATION_KEY_SIZE, "attestationKey");
    Objects.requireNonNull(qeReportCertificationData, "qeReportCertificationData");
  }
}
