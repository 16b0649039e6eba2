package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteLayout;

/** Where the signed and bound parts of a parsed quote sit in its raw bytes, for mutation tests. */
record QuoteRegions(
    int bodyStart, int signedEnd, int signatureStart, int attestationKeyStart, int qeReportStart, int qeReportSignatureStart,
    int qeAuthDataStart, int qeAuthDataEnd) {

  static QuoteRegions of(Quote q) {
    int signatureStart = q.signedLength() + QuoteLayout.AUTH_DATA_SIZE_FIELD;
    int keyStart = signatureStart + QuoteLayout.SIGNATURE_SIZE;
    int qeReportStart = keyStart + QuoteLayout.ATTESTATION_KEY_SIZE
        + (q.version() >= 4 ? QuoteLayout.CERT_DATA_TYPE_FIELD + QuoteLayout.CERT_DATA_SIZE_FIELD : 0);
    int qeSigStart = qeReportStart + QuoteLayout.ENCLAVE_REPORT_SIZE;
    int authStart = qeSigStart + QuoteLayout.SIGNATURE_SIZE + QuoteLayout.QE_AUTH_DATA_SIZE_FIELD;
    return new QuoteRegions(
        q.bodyOffset(), q.signedLength(), signatureStart, keyStart, qeReportStart, qeSigStart, authStart,
        authStart + q.qeReportCertificationData().qeAuthData().length());
  }

  static byte[] flip(byte[] raw, int offset, int bit) {
    byte[] out = raw.clone();
    out[offset] ^= (byte) (1 << bit);
    return out;
  }
}
