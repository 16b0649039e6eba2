package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.CertificationData;
import dev.dcapd.verifier.quote.QeReportCertificationData;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.SignatureData;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Intel QVL's sample data, signed by Intel's synthetic test roots: accepted only through the
 * insecure-root option, rejected against the pinned Intel root at the very first step.
 */
class IntelSampleVectorsTest {
  static final Instant AT = Instant.parse("2024-01-01T00:00:00Z");

  /**
   * Both samples carry the PCK certificate outside the quote (SGX: certification data type 1; TDX:
   * a DER chain where PEM is required), as QVL's AttestationApp takes it: here, the collateral's
   * {@code pck_certificate_chain}, which only the SGX sample (no chain of its own) can use.
   */
  static QuoteCollateral collateral(String sample) {
    String d = "intel/" + sample + "/";
    return TestCollateral.assemble(
        d + "pckSignChain.pem", d + "rootCaCrl.der", d + "intermediateCaCrl.der", d + "tcbSignChain.pem", d + "tcbInfo.json",
        d + "tcbSignChain.pem", d + "qeIdentity.json", Optional.of(pckChainPem(sample)));
  }

  static String pckChainPem(String sample) {
    String d = "intel/" + sample + "/";
    return Vectors.text(d + "pckCert.pem") + Vectors.text(d + "pckSignChain.pem");
  }

  static Quote quote(String sample) throws Exception {
    return QuoteInput.parse(Vectors.bytes("intel/" + sample + "/quote.dat"));
  }

  /**
   * The TDX sample with its type-5 DER replaced by the same chain as PEM, where Intel's QvE reads
   * it. The certification data is outside every signature, so the rest of the quote still verifies.
   */
  static Quote tdxSampleWithPemChain() throws Exception {
    Quote q = quote("qvl-sample-tdx");
    SignatureData s = q.signatureData();
    QeReportCertificationData qe = s.qeReportCertificationData();
    QeReportCertificationData pem = new QeReportCertificationData(
        qe.qeReport(), qe.qeReportSignature(), qe.qeAuthData(), CertificationData.pemChain(pckChainPem("qvl-sample-tdx")));
    return Quote.assemble(q.header(), q.body(), new SignatureData(s.quoteSignature(), s.attestationKey(), pem), q.trailing());
  }

  static Verdict verify(String sample, QuoteVerifier verifier) throws Exception {
    Quote q = sample.equals("qvl-sample-tdx") ? tdxSampleWithPemChain() : quote(sample);
    return verifier.verify(q, collateral(sample), AT);
  }

  static QuoteVerifier sampleRoot(String sample) {
    return QuoteVerifier.withTrustAnchor(
        TrustAnchor.insecureCustomRoot(Vectors.bytes("intel/" + sample + "/trustedRootCaCert.pem")));
  }

  /** TCB info v2, quote v3 with certification data type 1: every check passes. */
  @Test
  void sgxSampleVerifiesWithItsRoot() throws Exception {
    Verdict v = verify("qvl-sample-sgx", sampleRoot("qvl-sample-sgx"));
    assertEquals(Optional.empty(), v.failure());
    assertEquals(Optional.of(TcbStatus.UP_TO_DATE), v.tcbStatus());
    assertTrue(v.insecureRoot());
  }

  /**
   * The sample's TCB info gives SGX component SVNs wider than a byte (65473, ...). Intel's QVL keeps
   * their low byte and goes on to find no module identity TDX_C1 for tee_tcb_svn[1] = 0xC1
   * (TDX_MODULE_MISMATCH, as the sample's README predicts); dcapd refuses the document. Its
   * signature, checked before it is parsed, verified under the sample's root.
   */
  @Test
  void tdxSampleTcbInfoIsMalformedWithItsRoot() throws Exception {
    Verdict v = verify("qvl-sample-tdx", sampleRoot("qvl-sample-tdx"));
    assertEquals(Optional.of("COLLATERAL_MALFORMED"), v.failureCode());
    assertTrue(v.insecureRoot());
  }

  @Test
  void samplesAreUntrustedAgainstIntelsRoot() throws Exception {
    for (String sample : new String[] {"qvl-sample-sgx", "qvl-sample-tdx"}) {
      Verdict v = verify(sample, QuoteVerifier.intel());
      assertEquals(Optional.of("PCK_CHAIN_UNTRUSTED"), v.failureCode(), sample);
    }
  }

  @Test
  void oneSamplesRootDoesNotTrustTheOther() throws Exception {
    Verdict v = verify("qvl-sample-tdx", sampleRoot("qvl-sample-sgx"));
    assertEquals(Optional.of("PCK_CHAIN_UNTRUSTED"), v.failureCode());
  }

  /** Without the PCK chain in the collateral, the SGX sample (type 1) has none to verify. */
  @Test
  void sgxSampleNeedsTheCollateralsPckChain() throws Exception {
    QuoteCollateral sgx = new NegativeVectorsTest.Builder(collateral("qvl-sample-sgx")).pckCertificateChain(Optional.empty()).build();
    Verdict v = sampleRoot("qvl-sample-sgx").verify(quote("qvl-sample-sgx"), sgx, AT);
    assertEquals(Optional.of("UNSUPPORTED_CERTIFICATION_DATA"), v.failureCode());
  }

  /**
   * The TDX sample as published carries a chain (type 5), in DER where PEM is required: Intel's QvE
   * cannot extract it (SGX_QL_PCK_CERT_CHAIN_ERROR) and takes no other; nor does dcapd, with or
   * without the right chain in the collateral.
   */
  @Test
  void tdxSamplesOwnChainIsMalformedWhateverTheCollateralCarries() throws Exception {
    QuoteCollateral with = collateral("qvl-sample-tdx");
    QuoteCollateral without = new NegativeVectorsTest.Builder(with).pckCertificateChain(Optional.empty()).build();
    for (QuoteCollateral c : new QuoteCollateral[] {with, without}) {
      Verdict v = sampleRoot("qvl-sample-tdx").verify(quote("qvl-sample-tdx"), c, AT);
      assertEquals(Optional.of("PCK_CERTIFICATE_MALFORMED"), v.failureCode());
    }
  }
}
