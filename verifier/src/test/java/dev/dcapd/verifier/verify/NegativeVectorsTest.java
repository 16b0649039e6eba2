package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.CertificationData;
import dev.dcapd.verifier.quote.QeReportCertificationData;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.SignatureData;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Real vectors changed in exactly one thing, each expecting one failure code. The base case is
 * dcap-qvl's {@code tdx_quote} with its collateral at its README instant (UpToDate).
 */
class NegativeVectorsTest {
  static final Instant AT = Instant.ofEpochSecond(1752919234L);
  static final QuoteVerifier VERIFIER = QuoteVerifier.intel();
  static final byte[] RAW = Vectors.bytes("dcap-qvl/tdx_quote");
  static final QuoteCollateral COLLATERAL;
  static final QuoteCollateral SGX_COLLATERAL;
  static final Quote QUOTE;
  static final QuoteRegions REGIONS;

  static {
    try {
      COLLATERAL = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
      SGX_COLLATERAL = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/sgx_quote_collateral.json"));
      QUOTE = QuoteParser.parse(RAW);
      REGIONS = QuoteRegions.of(QUOTE);
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static String code(byte[] raw, QuoteCollateral c, Instant at) throws Exception {
    Verdict v = VERIFIER.verify(QuoteParser.parse(raw), c, at);
    assertFalse(v.success());
    return v.failureCode().orElseThrow();
  }

  static String code(byte[] raw) throws Exception {
    return code(raw, COLLATERAL, AT);
  }

  static String code(QuoteCollateral c) throws Exception {
    return code(RAW, c, AT);
  }

  static String code(Instant at) throws Exception {
    return code(RAW, COLLATERAL, at);
  }

  @Test
  void baseCaseVerifies() {
    Verdict v = VERIFIER.verify(QUOTE, COLLATERAL, AT);
    assertTrue(v.success());
  }

  // --- the quote ---------------------------------------------------------------------------------

  @Test
  void quoteSignatureBytes() throws Exception {
    assertEquals("INVALID_QUOTE_SIGNATURE", code(QuoteRegions.flip(RAW, REGIONS.signatureStart() + 5, 0)));
    assertEquals("INVALID_QUOTE_SIGNATURE", code(QuoteRegions.flip(RAW, REGIONS.signatureStart() + 63, 7)));
  }

  @Test
  void tdReportData() throws Exception {
    int reportData = REGIONS.signedEnd() - 64;
    assertEquals("INVALID_QUOTE_SIGNATURE", code(QuoteRegions.flip(RAW, reportData, 3)));
  }

  @Test
  void headerUserData() throws Exception {
    assertEquals("INVALID_QUOTE_SIGNATURE", code(QuoteRegions.flip(RAW, 40, 1)));
  }

  @Test
  void qeReportBytes() throws Exception {
    // mrenclave of the QE: not checked by identity, but signed.
    assertEquals("INVALID_QE_REPORT_SIGNATURE", code(QuoteRegions.flip(RAW, REGIONS.qeReportStart() + 70, 2)));
  }

  @Test
  void qeReportData() throws Exception {
    assertEquals("INVALID_QE_REPORT_SIGNATURE", code(QuoteRegions.flip(RAW, REGIONS.qeReportStart() + 320, 0)));
  }

  @Test
  void qeReportSignature() throws Exception {
    assertEquals("INVALID_QE_REPORT_SIGNATURE", code(QuoteRegions.flip(RAW, REGIONS.qeReportSignatureStart() + 40, 4)));
  }

  @Test
  void attestationKey() throws Exception {
    assertEquals("INVALID_QE_REPORT_DATA", code(QuoteRegions.flip(RAW, REGIONS.attestationKeyStart() + 10, 6)));
  }

  @Test
  void qeAuthData() throws Exception {
    assertEquals("INVALID_QE_REPORT_DATA", code(QuoteRegions.flip(RAW, REGIONS.qeAuthDataStart(), 0)));
  }

  @Test
  void mrSignerSeam() throws Exception {
    // The module identity is checked before any signature, as in Intel's QVL.
    assertEquals("TDX_MODULE_MISMATCH", code(QuoteRegions.flip(RAW, REGIONS.bodyStart() + 64, 0)));
  }

  /**
   * The quote's own copy of the root certificate, changed in its signature. Neither the quote
   * signature nor the QE report covers the certification data, and dcap-qvl validates the chain up
   * to its embedded root without looking at the chain's root, so it accepts this quote. Intel
   * compares the chain's root with the trusted one; so does dcapd.
   */
  @Test
  void embeddedRootChangedIsUntrustedUnlikeDcapQvl() throws Exception {
    byte[] raw = changeInCertificate(RAW, 2);
    assertEquals("PCK_CHAIN_UNTRUSTED", code(raw));
  }

  @Test
  void pckCaSignatureChanged() throws Exception {
    assertEquals("PCK_CHAIN_UNTRUSTED", code(changeInCertificate(RAW, 1)));
  }

  @Test
  void pckLeafSignatureChanged() throws Exception {
    assertEquals("PCK_CHAIN_UNTRUSTED", code(changeInCertificate(RAW, 0)));
  }

  /** Changes one base64 character in the signature near the end of PEM certificate {@code index}. */
  static byte[] changeInCertificate(byte[] raw, int index) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int from = 0;
    for (int i = 0; i <= index; i++) {
      from = text.indexOf("-----BEGIN CERTIFICATE-----", from) + 1;
    }
    int end = text.indexOf("-----END CERTIFICATE-----", from);
    // 12 characters before the end: inside the ECDSA signature's s value, clear of '=' padding.
    int at = end - 1;
    int seen = 0;
    while (seen < 12) {
      at--;
      char ch = text.charAt(at);
      if (Character.isLetterOrDigit(ch)) {
        seen++;
      }
    }
    byte[] out = raw.clone();
    out[at] = (byte) (out[at] == 'A' ? 'B' : 'A');
    return out;
  }

  // --- the collateral ----------------------------------------------------------------------------

  static QuoteCollateral with(UnaryOperator<Builder> change) {
    return change.apply(new Builder(COLLATERAL)).build();
  }

  @Test
  void tcbInfoTextOneCharacter() throws Exception {
    assertEquals("TCB_INFO_INVALID_SIGNATURE", code(with(b -> b.tcbInfo(
        COLLATERAL.tcbInfo().replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":18")))));
  }

  @Test
  void tcbInfoReserialisedIsNotTheSignedText() throws Exception {
    // The same JSON value with a space: Intel's signature covers the exact text, never a re-serialisation.
    assertEquals("TCB_INFO_INVALID_SIGNATURE", code(with(b -> b.tcbInfo(COLLATERAL.tcbInfo().replace("{\"id\"", "{ \"id\"")))));
  }

  @Test
  void qeIdentityTextOneCharacter() throws Exception {
    assertEquals("QE_IDENTITY_INVALID_SIGNATURE", code(with(b -> b.qeIdentity(
        COLLATERAL.qeIdentity().replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":18")))));
  }

  @Test
  void tcbInfoSignature() throws Exception {
    assertEquals("TCB_INFO_INVALID_SIGNATURE", code(with(b -> b.tcbInfoSignature(flip(COLLATERAL.tcbInfoSignature(), 20)))));
  }

  @Test
  void tcbInfoSignatureNot64Bytes() throws Exception {
    Bytes sig = COLLATERAL.tcbInfoSignature();
    assertEquals("TCB_INFO_INVALID_SIGNATURE", code(with(b -> b.tcbInfoSignature(sig.slice(0, 63)))));
    Bytes longer = Bytes.fromHex(sig.hex() + "00");
    assertEquals("TCB_INFO_INVALID_SIGNATURE", code(with(b -> b.tcbInfoSignature(longer))));
  }

  @Test
  void qeIdentitySignature() throws Exception {
    assertEquals("QE_IDENTITY_INVALID_SIGNATURE", code(with(b -> b.qeIdentitySignature(flip(COLLATERAL.qeIdentitySignature(), 33)))));
  }

  @Test
  void swappedCrls() throws Exception {
    assertEquals("CRL_INVALID", code(with(b -> b.rootCaCrl(COLLATERAL.pckCrl()).pckCrl(COLLATERAL.rootCaCrl()))));
  }

  @Test
  void pckCrlOfTheOtherCa() throws Exception {
    // The SGX collateral's PCK CRL is the Processor CA's; the TDX quote's PCK is the Platform CA's.
    assertEquals("CRL_INVALID", code(with(b -> b.pckCrl(SGX_COLLATERAL.pckCrl()))));
    assertEquals("CRL_INVALID", code(with(b -> b.pckCrl(SGX_COLLATERAL.pckCrl()).pckCrlIssuerChain(SGX_COLLATERAL.pckCrlIssuerChain()))));
  }

  @Test
  void crlSignatures() throws Exception {
    Bytes pckCrl = COLLATERAL.pckCrl();
    Bytes rootCrl = COLLATERAL.rootCaCrl();
    // The last byte of a DER CRL is the last byte of its ECDSA signature's s.
    assertEquals("CRL_INVALID", code(with(b -> b.pckCrl(flip(pckCrl, pckCrl.length() - 1)))));
    assertEquals("CRL_INVALID", code(with(b -> b.rootCaCrl(flip(rootCrl, rootCrl.length() - 1)))));
  }

  @Test
  void unreadableCrl() throws Exception {
    assertEquals("COLLATERAL_MALFORMED", code(with(b -> b.rootCaCrl(Bytes.fromHex("3000")))));
  }

  @Test
  void tcbSigningChainReplaced() throws Exception {
    assertEquals("TCB_SIGNING_CHAIN_UNTRUSTED", code(with(b -> b.tcbInfoIssuerChain(COLLATERAL.pckCrlIssuerChain()))));
    assertEquals("TCB_SIGNING_CHAIN_UNTRUSTED", code(with(b -> b.qeIdentityIssuerChain(COLLATERAL.pckCrlIssuerChain()))));
    String signerOnly = COLLATERAL.tcbInfoIssuerChain().substring(0, COLLATERAL.tcbInfoIssuerChain().indexOf("-----END CERTIFICATE-----") + 25);
    assertEquals("TCB_SIGNING_CHAIN_UNTRUSTED", code(with(b -> b.tcbInfoIssuerChain(signerOnly))));
  }

  @Test
  void sgxTcbInfoForATdxQuote() throws Exception {
    assertEquals("TCB_INFO_MISMATCH", code(with(b -> b.tcbInfo(SGX_COLLATERAL.tcbInfo()).tcbInfoSignature(SGX_COLLATERAL.tcbInfoSignature()))));
  }

  @Test
  void sgxQeIdentityForATdxQuote() throws Exception {
    assertEquals("QE_IDENTITY_MISMATCH", code(with(b -> b.qeIdentity(SGX_COLLATERAL.qeIdentity()).qeIdentitySignature(SGX_COLLATERAL.qeIdentitySignature()))));
  }

  @Test
  void tcbInfoOfAnotherPlatform() throws Exception {
    QuoteCollateral outdated = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_outdated_collateral.json"));
    assertEquals("TCB_INFO_MISMATCH", code(with(b -> b.tcbInfo(outdated.tcbInfo()).tcbInfoSignature(outdated.tcbInfoSignature()))));
  }

  @Test
  void quotesPckChainOfTwoCertificates() throws Exception {
    String pem = ownChainPem();
    String twoCerts = pem.substring(0, pem.lastIndexOf("-----BEGIN CERTIFICATE-----"));
    Verdict v = VERIFIER.verify(withCertificationData(CertificationData.pemChain(twoCerts)), COLLATERAL, AT);
    assertEquals(Optional.of("PCK_CHAIN_UNTRUSTED"), v.failureCode());
  }

  /**
   * Intel's QvE takes the PCK chain from the quote (type 5 inside type 6): a chain the collateral
   * carries beside it, the same, truncated, another platform's or not a chain at all, changes nothing.
   */
  @Test
  void collateralPckChainNeverReplacesTheQuotesOwn() throws Exception {
    Verdict plain = VERIFIER.verify(QUOTE, COLLATERAL, AT);
    assertTrue(plain.success());
    String own = ownChainPem();
    String twoCerts = own.substring(0, own.lastIndexOf("-----BEGIN CERTIFICATE-----"));
    // Another platform's PCK (Processor CA), whose CA did not issue this collateral's PCK CRL.
    String sgxChain = new String(
        QuoteParser.parse(Vectors.bytes("dcap-qvl/sgx_quote")).certificationData().data().toByteArray(), StandardCharsets.US_ASCII);
    for (String chain : new String[] {own, twoCerts, sgxChain, "not a chain"}) {
      Verdict v = VERIFIER.verify(QUOTE, with(b -> b.pckCertificateChain(Optional.of(chain))), AT);
      assertEquals(withoutCollateralId(plain), withoutCollateralId(v));
    }
  }

  /** A quote without a chain of its own (type 3, encrypted PPID) is verified with the collateral's. */
  @Test
  void collateralPckChainServesAQuoteWithoutOne() throws Exception {
    Quote ppidOnly = withCertificationData(new CertificationData(CertificationData.TYPE_PPID_RSA3072, Bytes.zeros(384)));
    Verdict without = VERIFIER.verify(ppidOnly, COLLATERAL, AT);
    assertEquals(Optional.of("UNSUPPORTED_CERTIFICATION_DATA"), without.failureCode());
    Verdict with = VERIFIER.verify(ppidOnly, with(b -> b.pckCertificateChain(Optional.of(ownChainPem()))), AT);
    assertEquals(Optional.empty(), with.failureCode());
    assertEquals(Optional.of(TcbStatus.UP_TO_DATE), with.tcbStatus());
  }

  /** The PEM of the quote's own PCK chain, without the NUL that ends it in the quote. */
  static String ownChainPem() {
    return new String(QUOTE.certificationData().data().toByteArray(), StandardCharsets.US_ASCII).replace("\0", "");
  }

  /** {@code QUOTE} with other certification data inside its type 6 (no signature covers it). */
  static Quote withCertificationData(CertificationData cd) {
    SignatureData s = QUOTE.signatureData();
    QeReportCertificationData qe = s.qeReportCertificationData();
    return Quote.assemble(QUOTE.header(), QUOTE.body(), new SignatureData(s.quoteSignature(), s.attestationKey(),
        new QeReportCertificationData(qe.qeReport(), qe.qeReportSignature(), qe.qeAuthData(), cd)), QUOTE.trailing());
  }

  /** {@code v} with the collateral id blanked, to compare verdicts judged by collateral that differs. */
  static Verdict withoutCollateralId(Verdict v) {
    return v.toBuilder().collateralId("").build();
  }

  // --- time --------------------------------------------------------------------------------------

  @Test
  void expiryBoundaryIsIntels() throws Exception {
    Verdict v = VERIFIER.verify(QUOTE, COLLATERAL, AT);
    Instant expiry = v.earliestExpiry().orElseThrow();
    assertEquals(Instant.parse("2025-07-19T10:00:35Z"), expiry);
    assertTrue(VERIFIER.verify(QUOTE, COLLATERAL, expiry).success());
    Verdict late = VERIFIER.verify(QUOTE, COLLATERAL, expiry.plusSeconds(1));
    assertEquals(Optional.of("COLLATERAL_EXPIRED"), late.failureCode());
    assertTrue(late.collateralExpired());
    // Intel's view stays visible: QvE would answer UpToDate with the expiration flag.
    assertEquals(Optional.of(TcbStatus.UP_TO_DATE), late.tcbStatus());
  }

  @Test
  void beforeIssueIsNotYetValid() throws Exception {
    // The latest issue among the pieces: QE identity, 2025-06-19T10:32:27Z.
    Instant issued = Instant.parse("2025-06-19T10:32:27Z");
    assertTrue(VERIFIER.verify(QUOTE, COLLATERAL, issued).success());
    assertEquals("COLLATERAL_NOT_YET_VALID", code(issued.minusSeconds(1)));
  }

  @Test
  void farFutureIsExpired() throws Exception {
    assertEquals("COLLATERAL_EXPIRED", code(Instant.parse("2040-01-01T00:00:00Z")));
  }

  @Test
  void expiredPlusOtherFailureReportsTheOtherFailure() throws Exception {
    // QvE treats expiry as a flag and still fails the signature: the terminal reason wins.
    assertEquals("INVALID_QUOTE_SIGNATURE",
        code(QuoteRegions.flip(RAW, REGIONS.signatureStart() + 5, 0), COLLATERAL, Instant.parse("2040-01-01T00:00:00Z")));
  }

  static Bytes flip(Bytes b, int index) {
    byte[] a = b.toByteArray();
    a[index] ^= 1;
    return Bytes.of(a);
  }

  /** A copy of collateral with some fields replaced. */
  static final class Builder {
    private String pckCrlIssuerChain;
    private Bytes rootCaCrl;
    private Bytes pckCrl;
    private String tcbInfoIssuerChain;
    private String tcbInfo;
    private Bytes tcbInfoSignature;
    private String qeIdentityIssuerChain;
    private String qeIdentity;
    private Bytes qeIdentitySignature;
    private Optional<String> pckCertificateChain;

    Builder(QuoteCollateral c) {
      pckCrlIssuerChain = c.pckCrlIssuerChain();
      rootCaCrl = c.rootCaCrl();
      pckCrl = c.pckCrl();
      tcbInfoIssuerChain = c.tcbInfoIssuerChain();
      tcbInfo = c.tcbInfo();
      tcbInfoSignature = c.tcbInfoSignature();
      qeIdentityIssuerChain = c.qeIdentityIssuerChain();
      qeIdentity = c.qeIdentity();
      qeIdentitySignature = c.qeIdentitySignature();
      pckCertificateChain = c.pckCertificateChain();
    }

    Builder pckCrlIssuerChain(String v) { pckCrlIssuerChain = v; return this; }
    Builder rootCaCrl(Bytes v) { rootCaCrl = v; return this; }
    Builder pckCrl(Bytes v) { pckCrl = v; return this; }
    Builder tcbInfoIssuerChain(String v) { tcbInfoIssuerChain = v; return this; }
    Builder tcbInfo(String v) { tcbInfo = v; return this; }
    Builder tcbInfoSignature(Bytes v) { tcbInfoSignature = v; return this; }
    Builder qeIdentityIssuerChain(String v) { qeIdentityIssuerChain = v; return this; }
    Builder qeIdentity(String v) { qeIdentity = v; return this; }
    Builder qeIdentitySignature(Bytes v) { qeIdentitySignature = v; return this; }
    Builder pckCertificateChain(Optional<String> v) { pckCertificateChain = v; return this; }

    QuoteCollateral build() {
      return new QuoteCollateral(pckCrlIssuerChain, rootCaCrl, pckCrl, tcbInfoIssuerChain, tcbInfo, tcbInfoSignature,
          qeIdentityIssuerChain, qeIdentity, qeIdentitySignature, pckCertificateChain);
    }
  }
}
