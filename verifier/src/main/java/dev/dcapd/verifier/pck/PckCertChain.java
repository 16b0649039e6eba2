package dev.dcapd.verifier.pck;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The PCK certificate chain a quote carries (certification data type 5): PEM certificates, leaf
 * first, then the PCK CA, then the root. This class only reads the chain; whether it is trusted is
 * the verifier's question.
 */
public final class PckCertChain {
  private static final String PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
  /**
   * Chains already read, by their exact bytes. Every quote of a platform carries the same chain and
   * reading it costs far more than the rest of the quote, so the result (immutable) is shared.
   * Bounded: cleared when full, which costs one more read per platform. Hand-written rather than
   * Caffeine (as in the daemon) because the verifier keeps to BouncyCastle and Jackson, so that the
   * client library brings its users nothing else (see {@code verify.BoundedCache}).
   */
  private static final ConcurrentHashMap<Bytes, PckCertChain> READ = new ConcurrentHashMap<>();
  private static final int READ_LIMIT = 4096;

  private final List<X509Certificate> certificates;
  private final String pem;
  private volatile PckExtension extension;
  private volatile CaType caType;

  private PckCertChain(List<X509Certificate> certificates, String pem) {
    this.certificates = List.copyOf(certificates);
    this.pem = pem;
  }

  /**
   * Reads PEM certificates. Trailing NUL bytes and whitespace, which some quoting enclaves leave
   * after the last certificate, are ignored; DER is not accepted (Intel's verifier requires PEM).
   *
   * @throws DcapException {@code PCK_CERTIFICATE_MALFORMED} if the text is not PEM certificates
   */
  public static PckCertChain parsePem(Bytes data) throws DcapException {
    PckCertChain known = READ.get(data);
    if (known != null) {
      return known;
    }
    PckCertChain chain = read(data);
    if (READ.size() >= READ_LIMIT) {
      READ.clear();
    }
    READ.putIfAbsent(data, chain);
    return chain;
  }

  private static PckCertChain read(Bytes data) throws DcapException {
    byte[] raw = data.toByteArray();
    int end = raw.length;
    while (end > 0 && (raw[end - 1] == 0 || Character.isWhitespace(raw[end - 1]))) {
      end--;
    }
    String text = new String(raw, 0, end, StandardCharsets.US_ASCII);
    if (!text.stripLeading().startsWith(PEM_BEGIN)) {
      throw new DcapException(FailureCode.PCK_CERTIFICATE_MALFORMED, "the PCK certificate chain is not PEM");
    }
    return new PckCertChain(readCertificates(text), text);
  }

  /** Reads PEM certificates from text (issuer-chain headers, collateral chains). */
  public static List<X509Certificate> readCertificates(String pemText) throws DcapException {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      Collection<? extends Certificate> certs =
          cf.generateCertificates(new ByteArrayInputStream(pemText.getBytes(StandardCharsets.US_ASCII)));
      List<X509Certificate> out = new ArrayList<>(certs.size());
      for (Certificate c : certs) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new DcapException(FailureCode.PCK_CERTIFICATE_MALFORMED, "no certificate in the PEM text");
      }
      return out;
    } catch (CertificateException | RuntimeException e) {
      throw new DcapException(
          FailureCode.PCK_CERTIFICATE_MALFORMED, "a certificate cannot be read: " + e.getMessage());
    }
  }

  /** The certificates in the order the quote lists them. */
  public List<X509Certificate> certificates() {
    return certificates;
  }

  /** The PEM text, without trailing NULs. */
  public String pem() {
    return pem;
  }

  /** The first certificate: the PCK leaf. */
  public X509Certificate leaf() {
    return certificates.get(0);
  }

  /** The SGX extension of the leaf, parsed once. */
  public PckExtension pckExtension() throws DcapException {
    PckExtension e = extension;
    if (e == null) {
      e = PckExtension.parse(leaf());
      extension = e;
    }
    return e;
  }

  /**
   * The CA that issued the leaf, from the leaf's issuer common name.
   *
   * @throws DcapException {@code PCK_CERTIFICATE_MALFORMED} if it is neither PCK CA
   */
  public CaType caType() throws DcapException {
    CaType known = caType;
    if (known != null) {
      return known;
    }
    String cn = commonName(leaf().getIssuerX500Principal());
    CaType t = CaType.fromCommonName(cn);
    if (t == null) {
      throw new DcapException(
          FailureCode.PCK_CERTIFICATE_MALFORMED, "the PCK issuer '" + cn + "' is neither Intel PCK CA");
    }
    caType = t;
    return t;
  }

  /**
   * The common name of an X.500 name, or the empty string when it has none or it cannot be
   * decoded (a name that is not valid text matches no Intel name, which is what callers test).
   */
  public static String commonName(X500Principal principal) {
    try {
      RDN[] rdns = X500Name.getInstance(principal.getEncoded()).getRDNs(BCStyle.CN);
      return rdns.length == 0 ? "" : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    } catch (RuntimeException e) {
      return "";
    }
  }
}
