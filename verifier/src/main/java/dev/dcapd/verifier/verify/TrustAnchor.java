package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.Bytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * The root every chain must end in: the pinned Intel SGX Root CA, or, only through
 * {@link #insecureCustomRoot}, a root of the caller's choosing (a test PKI), which every verdict
 * then reports as {@code insecure_root}.
 */
public final class TrustAnchor {
  /** SHA-256 of the DER of the Intel SGX Root CA (DESIGN.md, "Trust"). */
  public static final String INTEL_ROOT_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

  private static final String INTEL_ROOT_RESOURCE = "IntelSgxRootCa.der";
  private static final TrustAnchor INTEL = loadIntel();

  private final X509Certificate certificate;
  private final Bytes der;
  private final Bytes fingerprint;
  private final Ecdsa.Key key;
  private final Bytes signature;
  private final boolean insecure;

  private TrustAnchor(X509Certificate certificate, boolean insecure) {
    this.certificate = certificate;
    try {
      this.der = Bytes.of(certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("the root certificate cannot be encoded", e);
    }
    this.fingerprint = Bytes.of(Ecdsa.sha256(der.toByteArray(), 0, der.length()));
    this.key = Ecdsa.certificateKey(certificate);
    this.signature = Bytes.of(certificate.getSignature());
    this.insecure = insecure;
    // Intel's TRUSTED_ROOT_CA_INVALID: a trusted root must be a self-signed P-256 certificate.
    if (key == null) {
      throw new IllegalArgumentException("the root certificate's key is not EC P-256");
    }
    if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())
        || !Ecdsa.verifyCertificate(certificate, key)) {
      throw new IllegalArgumentException("the root certificate is not self-signed with ECDSA P-256 SHA-256");
    }
  }

  /** The Intel SGX Root CA, pinned by the SHA-256 of its DER. */
  public static TrustAnchor intel() {
    return INTEL;
  }

  /**
   * Trusts {@code root} instead of Intel's root. Only for test PKIs: quotes verified this way
   * prove nothing about Intel hardware, and their verdicts say {@code insecure_root: true}.
   *
   * @throws IllegalArgumentException if {@code root} is not a self-signed P-256 certificate
   */
  public static TrustAnchor insecureCustomRoot(X509Certificate root) {
    Objects.requireNonNull(root, "root");
    TrustAnchor a = new TrustAnchor(root, true);
    return a.fingerprint.equals(INTEL.fingerprint) ? INTEL : a;
  }

  /** Like {@link #insecureCustomRoot(X509Certificate)}, from PEM or DER bytes. */
  public static TrustAnchor insecureCustomRoot(byte[] pemOrDer) {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      return insecureCustomRoot((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(pemOrDer)));
    } catch (CertificateException | ClassCastException e) {
      throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** SHA-256 of the root's DER. */
  public Bytes fingerprint() {
    return fingerprint;
  }

  /** True unless this is the pinned Intel root. */
  public boolean insecure() {
    return insecure;
  }

  Ecdsa.Key key() {
    return key;
  }

  /**
   * Whether a chain's own root is this anchor. QVL compares the DER signatures byte for byte and
   * QvE separately pins the root's public key; both are required here. The signature alone would
   * not do: ECDSA public-key recovery lets anyone build a key under which Intel's signature bytes
   * verify over a certificate of their own.
   */
  boolean isAnchorOf(X509Certificate chainRoot, Ecdsa.Key chainRootKey) {
    return chainRootKey != null
        && key.equals(chainRootKey)
        && signature.equals(Bytes.of(chainRoot.getSignature()));
  }

  private static TrustAnchor loadIntel() {
    try (InputStream in = TrustAnchor.class.getResourceAsStream(INTEL_ROOT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the pinned Intel root " + INTEL_ROOT_RESOURCE + " is missing");
      }
      byte[] der = in.readAllBytes();
      String sha = Bytes.of(Ecdsa.sha256(der, 0, der.length)).hex();
      if (!sha.equals(INTEL_ROOT_SHA256)) {
        throw new IllegalStateException("the embedded Intel root has SHA-256 " + sha + ", not the pinned " + INTEL_ROOT_SHA256);
      }
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      return new TrustAnchor((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (CertificateException e) {
      throw new IllegalStateException("the embedded Intel root cannot be read", e);
    }
  }

  @Override
  public String toString() {
    return (insecure ? "insecure root " : "Intel SGX Root CA ") + fingerprint.hex();
  }
}
