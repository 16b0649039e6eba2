package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.pck.PckCertFormat;
import dev.dcapd.verifier.pck.PckExtension;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Checks a PCK certificate chain as QVL's {@code PckCertVerifier} does: three certificates with
 * Intel's names (root "SGX Root CA", a PCK CA, leaf "SGX PCK Certificate"), each issued and signed
 * by the next, and a root that is the trust anchor; then reads the leaf's SGX extension and
 * requires the shape its CA issues (Processor CA: Standard, 5 entries; Platform CA: Scalable, 7).
 * Memoised by the SHA-256 of the chain's bytes; failures are never memoised.
 */
final class PckChainVerifier {
  private final TrustAnchor anchor;
  private final Bytes anchorDer;
  private final BoundedCache<Bytes, VerifiedPckChain> cache;
  // CA certificates whose signature has been checked: every platform's chain repeats the same two
  // PCK CAs, so a new platform costs only its leaf's signature.
  private final BoundedCache<Bytes, Boolean> caSignatures = new BoundedCache<>(CA_CAPACITY);
  // One key object per CA key: BouncyCastle keeps precomputed multiples on a point it sees
  // repeatedly, so verifying each new platform's leaf with the same object gets faster.
  private final BoundedCache<Bytes, Ecdsa.Key> caKeys = new BoundedCache<>(CA_CAPACITY);
  private static final int CA_CAPACITY = 64;

  PckChainVerifier(TrustAnchor anchor, int capacity) {
    this.anchor = anchor;
    this.anchorDer = Pki.der(anchor.certificate());
    this.cache = new BoundedCache<>(capacity);
  }

  /** The key a chain is memoised under: SHA-256 of its bytes. */
  static Bytes chainKey(Bytes chainBytes) {
    MessageDigest sha = Ecdsa.sha256();
    chainBytes.updateDigest(sha);
    return Bytes.of(sha.digest());
  }

  VerifiedPckChain verify(Bytes chainBytes, Bytes key) throws DcapException {
    VerifiedPckChain v = cache.get(key);
    if (v == null) {
      v = verifyCold(PckCertChain.parsePem(chainBytes));
      cache.put(key, v);
    }
    return v;
  }

  private VerifiedPckChain verifyCold(PckCertChain chain) throws DcapException {
    List<X509Certificate> certs = chain.certificates();
    if (certs.size() != 3) {
      throw untrusted("the PCK chain has " + certs.size() + " certificates, not 3");
    }
    // Roles by name and issuer, not position: quotes list leaf, CA, root, but Intel's own sample
    // chains put the root first.
    X509Certificate root = null;
    X509Certificate leaf = null;
    for (X509Certificate c : certs) {
      if (Pki.selfIssued(c)) {
        if (root != null) {
          throw untrusted("the PCK chain has more than one self-issued certificate");
        }
        root = c;
      } else if (Pki.cn(c).contains(Pki.PCK_CN_PHRASE)) {
        if (leaf != null) {
          throw untrusted("the PCK chain has more than one PCK certificate");
        }
        leaf = c;
      }
    }
    if (root == null) {
      throw untrusted("the PCK chain has no self-issued root");
    }
    if (leaf == null) {
      throw untrusted("the PCK chain has no certificate named SGX PCK Certificate");
    }
    X509Certificate intermediate = null;
    for (X509Certificate c : certs) {
      if (c != root && c != leaf) {
        intermediate = c;
      }
    }
    // 1-3. Names (QVL: root, intermediate, leaf present with Intel's common names).
    if (!Pki.cn(root).contains(Pki.ROOT_CN_PHRASE)) {
      throw untrusted("PCK chain root '" + Pki.cn(root) + "' is not an SGX Root CA");
    }
    CaType caType = CaType.fromCommonName(Pki.cn(intermediate));
    if (caType == null) {
      throw untrusted("PCK chain intermediate '" + Pki.cn(intermediate) + "' is neither Intel PCK CA");
    }
    // 4-6. Issuers and signatures, root first.
    // The anchor's own self-signature was verified when it was made; a byte-identical root needs no second look.
    boolean rootIsAnchor = Pki.der(root).equals(anchorDer);
    Ecdsa.Key rootKey = rootIsAnchor ? anchor.key() : Ecdsa.certificateKey(root);
    if (!rootIsAnchor && (!Pki.selfIssued(root) || !Ecdsa.verifyCertificate(root, rootKey))) {
      throw untrusted("PCK chain root is not self-signed");
    }
    Ecdsa.Key intermediateKey = Ecdsa.certificateKey(intermediate);
    if (!Pki.issuedBy(intermediate, root) || !caSignedBy(intermediate, rootKey) || intermediateKey == null) {
      throw untrusted("PCK chain intermediate '" + Pki.cn(intermediate) + "' is not issued and signed by the chain root");
    }
    intermediateKey = intern(intermediateKey);
    Ecdsa.Key leafKey = Ecdsa.certificateKey(leaf);
    if (!Pki.issuedBy(leaf, intermediate) || !Ecdsa.verifyCertificate(leaf, intermediateKey) || leafKey == null) {
      throw untrusted("PCK leaf is not issued and signed by '" + Pki.cn(intermediate) + "'");
    }
    // 7-8. The chain's root must be the trust anchor. dcap-qvl ignores the embedded root and
    // validates up to its own; Intel compares it, and so do we.
    if (!rootIsAnchor && !Pki.isAnchor(root, anchor)) {
      throw untrusted("PCK chain root is not the trusted root (" + anchor + ")");
    }
    // 9. The leaf's SGX extension, of the shape its CA issues (QvE: PCK_CERT_UNSUPPORTED_FORMAT).
    // After the signatures, so a leaf that fails both is reported as untrusted, not malformed.
    PckExtension extension = PckCertFormat.requireFits(caType, PckExtension.parse(leaf));
    return new VerifiedPckChain(
        leaf,
        intermediate,
        root,
        leafKey,
        intermediateKey,
        extension,
        caType,
        List.of(
            Validity.certificate("PCK chain root '" + Pki.cn(root) + "'", root),
            Validity.certificate("PCK chain intermediate '" + Pki.cn(intermediate) + "'", intermediate),
            Validity.certificate("PCK leaf certificate", leaf)));
  }

  private Ecdsa.Key intern(Ecdsa.Key key) {
    if (key == null) {
      return null;
    }
    Ecdsa.Key known = caKeys.get(key.encoded());
    if (known != null) {
      return known;
    }
    caKeys.put(key.encoded(), key);
    return key;
  }

  private boolean caSignedBy(X509Certificate ca, Ecdsa.Key issuerKey) {
    if (issuerKey == null) {
      return false;
    }
    MessageDigest sha = Ecdsa.sha256();
    sha.update(Pki.der(ca).toByteArray());
    issuerKey.encoded().updateDigest(sha);
    Bytes key = Bytes.of(sha.digest());
    if (caSignatures.get(key) != null) {
      return true;
    }
    if (!Ecdsa.verifyCertificate(ca, issuerKey)) {
      return false;
    }
    caSignatures.put(key, Boolean.TRUE);
    return true;
  }

  private static DcapException untrusted(String message) {
    return new DcapException(FailureCode.PCK_CHAIN_UNTRUSTED, message);
  }
}
