package dev.dcapd.testkit;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.quote.Quote;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/**
 * One forged case: the quote, the collateral to judge it by, the root to trust, the instant to
 * verify at, and the outcome a correct verifier gives.
 */
public final class ForgedCase {
  private final ForgeSpec spec;
  private final Quote quote;
  private final QuoteCollateral collateral;
  private final TestPki pki;
  private final X509Certificate pckLeaf;
  private final Expected expected;
  private final TcbInfo tcbInfo;
  private final QeIdentity qeIdentity;

  ForgedCase(ForgeSpec spec, Quote quote, QuoteCollateral collateral, TestPki pki, X509Certificate pckLeaf,
      Expected expected, TcbInfo tcbInfo, QeIdentity qeIdentity) {
    this.spec = spec;
    this.quote = quote;
    this.collateral = collateral;
    this.pki = pki;
    this.pckLeaf = pckLeaf;
    this.expected = expected;
    this.tcbInfo = tcbInfo;
    this.qeIdentity = qeIdentity;
  }

  public ForgeSpec spec() {
    return spec;
  }

  public Quote quote() {
    return quote;
  }

  /** The quote's bytes (a copy). */
  public byte[] quoteBytes() {
    return quote.raw().toByteArray();
  }

  public QuoteCollateral collateral() {
    return collateral;
  }

  /** The root CA to trust in place of Intel's. */
  public X509Certificate root() {
    return pki.root();
  }

  public byte[] rootDer() {
    try {
      return pki.root().getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  public String rootPem() {
    return TestPki.pem(pki.root());
  }

  /** The PKI the collateral comes from. */
  public TestPki pki() {
    return pki;
  }

  /** The PCK leaf certificate embedded in the quote. */
  public X509Certificate pckLeaf() {
    return pckLeaf;
  }

  /** The instant to verify at. */
  public Instant at() {
    return spec.at();
  }

  public Expected expected() {
    return expected;
  }

  /** The TCB info the collateral carries, as the verifier's model ({@code toJson()} is its signed text). */
  public TcbInfo tcbInfo() {
    return tcbInfo;
  }

  /** The QE identity the collateral carries, as the verifier's model ({@code toJson()} is its signed text). */
  public QeIdentity qeIdentity() {
    return qeIdentity;
  }

  /**
   * The collateral with its TCB info or QE identity text replaced and signed again by the TCB
   * signing key, as the documents it replaces were: for tests of what the verifier requires of a
   * signed text beyond its signature.
   */
  public QuoteCollateral collateralWith(Optional<String> tcbInfoText, Optional<String> qeIdentityText) {
    QuoteCollateral k = collateral;
    String tcb = tcbInfoText.orElse(k.tcbInfo());
    String qe = qeIdentityText.orElse(k.qeIdentity());
    return new QuoteCollateral(k.pckCrlIssuerChain(), k.rootCaCrl(), k.pckCrl(), k.tcbInfoIssuerChain(), tcb,
        tcbInfoText.isPresent() ? tcbSigned(tcb) : k.tcbInfoSignature(), k.qeIdentityIssuerChain(), qe,
        qeIdentityText.isPresent() ? tcbSigned(qe) : k.qeIdentitySignature(), k.pckCertificateChain());
  }

  private Bytes tcbSigned(String text) {
    return pki.tcbSigningKey().signRaw(text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "ForgedCase[" + spec + "]";
  }
}
