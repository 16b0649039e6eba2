package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.pck.PckCertChain;
import java.io.ByteArrayInputStream;
import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.x509.Extension;

/** Certificate and CRL checks shared by the collateral and PCK chain verifiers. */
final class Pki {
  static final String ROOT_CN_PHRASE = "SGX Root CA";
  static final String PCK_CN_PHRASE = "SGX PCK Certificate";
  static final String TCB_SIGNING_CN_PHRASE = "SGX TCB Signing";

  private Pki() {}

  /** The PEM certificates of a collateral chain; unreadable text is {@code COLLATERAL_MALFORMED}. */
  static List<X509Certificate> readChain(String pem, String what) throws DcapException {
    try {
      return PckCertChain.readCertificates(pem);
    } catch (DcapException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, what + " cannot be read: " + e.getMessage());
    }
  }

  /** A DER CRL; unreadable bytes are {@code COLLATERAL_MALFORMED}. */
  static X509CRL readCrl(Bytes der, String what) throws DcapException {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      return (X509CRL) cf.generateCRL(new ByteArrayInputStream(der.toByteArray()));
    } catch (CRLException | CertificateException | RuntimeException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, what + " is not a DER X.509 CRL: " + e.getMessage());
    }
  }

  /**
   * The subject common name, or the empty string when there is none or it cannot be decoded (a
   * CN that is not valid UTF-8 makes BouncyCastle throw; here it simply matches no Intel name).
   */
  static String cn(X509Certificate cert) {
    return PckCertChain.commonName(cert.getSubjectX500Principal());
  }

  static boolean selfIssued(X509Certificate cert) {
    return cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal());
  }

  static boolean issuedBy(X509Certificate cert, X509Certificate issuer) {
    return cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal());
  }

  static Bytes der(X509Certificate cert) {
    try {
      return Bytes.of(cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("a parsed certificate always encodes", e);
    }
  }

  /**
   * Whether a chain's self-issued root is the trust anchor: identical DER, or (QVL's own test)
   * the same key and signature bytes and a valid self-signature.
   */
  static boolean isAnchor(X509Certificate root, TrustAnchor anchor) {
    if (der(root).equals(der(anchor.certificate()))) {
      return true;
    }
    Ecdsa.Key key = Ecdsa.certificateKey(root);
    return anchor.isAnchorOf(root, key) && Ecdsa.verifyCertificate(root, key);
  }

  /**
   * Intel's CRL checks ({@code PckCrlVerifier}): issued by {@code issuer}, carrying the CRL
   * number and authority key identifier extensions and a next update, and signed by the issuer.
   *
   * @throws DcapException {@code CRL_INVALID}
   */
  static void verifyCrl(X509CRL crl, X509Certificate issuer, Ecdsa.Key issuerKey, String what) throws DcapException {
    if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      throw new DcapException(
          FailureCode.CRL_INVALID,
          what + " is issued by '" + crl.getIssuerX500Principal() + "', not by '" + issuer.getSubjectX500Principal() + "'");
    }
    if (crl.getExtensionValue(Extension.cRLNumber.getId()) == null) {
      throw new DcapException(FailureCode.CRL_INVALID, what + " has no CRL number extension");
    }
    if (crl.getExtensionValue(Extension.authorityKeyIdentifier.getId()) == null) {
      throw new DcapException(FailureCode.CRL_INVALID, what + " has no authority key identifier extension");
    }
    if (crl.getNextUpdate() == null) {
      throw new DcapException(FailureCode.CRL_INVALID, what + " has no next update");
    }
    if (!Ecdsa.verifyCrl(crl, issuerKey)) {
      throw new DcapException(FailureCode.CRL_INVALID, what + " signature does not verify with the key of '" + cn(issuer) + "'");
    }
  }

  static Validity crlValidity(X509CRL crl, String what) {
    return Validity.collateral(what, crl.getThisUpdate().toInstant(), crl.getNextUpdate().toInstant());
  }

  static boolean revoked(X509CRL crl, X509Certificate cert) {
    return crl.getRevokedCertificate(cert.getSerialNumber()) != null;
  }
}
