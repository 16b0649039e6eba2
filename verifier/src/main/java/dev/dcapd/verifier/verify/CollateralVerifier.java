package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.TeeType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Verifies collateral on its own, before any quote: the root CA CRL and PCK CRL (issuer,
 * extensions, signature), the PCK CRL issuer chain, the TCB info and QE identity signing chains,
 * and the signatures over the exact TCB info and QE identity text, in Intel's order; then parses
 * TCB info and QE identity. The collateral-fetching module calls it before caching collateral;
 * {@link QuoteVerifier} calls it first.
 *
 * <p>What is proven does not depend on time, so it is memoised by the SHA-256 of the collateral's
 * content and the trust anchor; the time window is checked again at every call. Failures are never
 * memoised. Thread-safe.
 */
public final class CollateralVerifier {
  /** How many verified collaterals are kept by default (one per FMSPC, CA and TEE in use). */
  public static final int DEFAULT_CAPACITY = 1024;

  private final BoundedCache<Bytes, VerifiedCollateral> cache;
  // Callers usually hand the same collateral object again (the daemon's cache): recognising it by
  // identity skips even the hashing.
  private final AtomicReference<Last> last = new AtomicReference<>();

  private record Last(QuoteCollateral collateral, TrustAnchor anchor, VerifiedCollateral verified) {}

  public CollateralVerifier() {
    this(DEFAULT_CAPACITY);
  }

  public CollateralVerifier(int capacity) {
    this.cache = new BoundedCache<>(capacity);
  }

  /**
   * Verifies {@code collateral} for quotes of {@code tee} at {@code at} against {@code anchor}.
   *
   * @return the verified, parsed collateral
   * @throws DcapException the first check that failed: CRL, chain, signature, format, TEE type
   *     (TCB info id, QE identity id) and finally time
   */
  public VerifiedCollateral verify(QuoteCollateral collateral, TeeType tee, Instant at, TrustAnchor anchor)
      throws DcapException {
    VerifiedCollateral v = verifyUntimed(collateral, anchor);
    checkTcbInfoFor(v.tcbInfo(), tee);
    checkQeIdentityFor(v.qeIdentity(), tee);
    Optional<Failure> late = v.checkTime(at);
    if (late.isPresent()) {
      throw late.get().toException();
    }
    return v;
  }

  /** Everything but the TEE type and time checks; memoised. */
  VerifiedCollateral verifyUntimed(QuoteCollateral collateral, TrustAnchor anchor) throws DcapException {
    Last l = last.get();
    if (l != null && l.collateral == collateral && l.anchor == anchor) {
      return l.verified;
    }
    Bytes key = contentKey(collateral, anchor);
    VerifiedCollateral v = cache.get(key);
    if (v == null) {
      v = verifyCold(collateral, anchor);
      cache.put(key, v);
    }
    last.set(new Last(collateral, anchor, v));
    return v;
  }

  /**
   * TCB info must describe the quote's TEE (QVL 4.1.2.4.9): TDX needs version 3 with id TDX; SGX
   * needs id SGX (version 2 has no id and is SGX only).
   */
  static void checkTcbInfoFor(TcbInfo tcbInfo, TeeType tee) throws DcapException {
    if (tcbInfo.id() != tee) {
      throw new DcapException(
          FailureCode.TCB_INFO_MISMATCH, "TCB info id is " + tcbInfo.id() + " but the quote's TEE is " + tee);
    }
    if (tee == TeeType.TDX && tcbInfo.version() < 3) {
      throw new DcapException(FailureCode.TCB_INFO_MISMATCH, "TDX needs TCB info version 3, not " + tcbInfo.version());
    }
  }

  /** The QE identity must be the quote's QE (QVL 4.1.2.4.14): {@code QE} for SGX, {@code TD_QE} for TDX. */
  static void checkQeIdentityFor(QeIdentity qeIdentity, TeeType tee) throws DcapException {
    QeIdentity.Id want = tee == TeeType.TDX ? QeIdentity.Id.TD_QE : QeIdentity.Id.QE;
    if (qeIdentity.id() != want) {
      throw new DcapException(
          FailureCode.QE_IDENTITY_MISMATCH, "QE identity id is " + qeIdentity.id() + " but a " + tee + " quote needs " + want);
    }
  }

  private static VerifiedCollateral verifyCold(QuoteCollateral c, TrustAnchor anchor) throws DcapException {
    List<Validity> validities = new ArrayList<>();
    X509Certificate root = anchor.certificate();
    validities.add(Validity.certificate("root CA certificate '" + Pki.cn(root) + "'", root));

    // 1. Root CA CRL: issued and signed by the trusted root.
    X509CRL rootCrl = Pki.readCrl(c.rootCaCrl(), "root CA CRL");
    Pki.verifyCrl(rootCrl, root, anchor.key(), "root CA CRL");
    validities.add(Pki.crlValidity(rootCrl, "root CA CRL"));

    // 2. PCK CRL issuer chain (PCK CA + root) and the PCK CRL it signs.
    List<X509Certificate> crlChain = Pki.readChain(c.pckCrlIssuerChain(), "PCK CRL issuer chain");
    X509Certificate ca = pckCrlIssuer(crlChain, anchor, validities);
    if (Pki.revoked(rootCrl, ca)) {
      throw new DcapException(
          FailureCode.INTERMEDIATE_CA_REVOKED, "PCK CRL issuer '" + Pki.cn(ca) + "' (serial " + ca.getSerialNumber().toString(16) + ") is on the root CA CRL");
    }
    Ecdsa.Key caKey = Ecdsa.certificateKey(ca);
    X509CRL pckCrl = Pki.readCrl(c.pckCrl(), "PCK CRL");
    Pki.verifyCrl(pckCrl, ca, caKey, "PCK CRL");
    validities.add(Pki.crlValidity(pckCrl, "PCK CRL"));

    // 3. TCB info: signing chain, signature over the exact text, then parse.
    Ecdsa.Key tcbKey = signingChain(c.tcbInfoIssuerChain(), "TCB info issuer chain", anchor, rootCrl, validities);
    if (!Ecdsa.verifyRaw(tcbKey, c.tcbInfo().getBytes(StandardCharsets.UTF_8), c.tcbInfoSignature())) {
      throw new DcapException(FailureCode.TCB_INFO_INVALID_SIGNATURE, "TCB info signature does not verify with the TCB signing key");
    }
    TcbInfo tcbInfo = TcbInfo.parse(c.tcbInfo());
    validities.add(Validity.collateral("TCB info", tcbInfo.issueDate(), tcbInfo.nextUpdate()));

    // 4. QE identity: the same.
    Ecdsa.Key qeKey = signingChain(c.qeIdentityIssuerChain(), "QE identity issuer chain", anchor, rootCrl, validities);
    if (!Ecdsa.verifyRaw(qeKey, c.qeIdentity().getBytes(StandardCharsets.UTF_8), c.qeIdentitySignature())) {
      throw new DcapException(FailureCode.QE_IDENTITY_INVALID_SIGNATURE, "QE identity signature does not verify with the TCB signing key");
    }
    QeIdentity qeIdentity = QeIdentity.parse(c.qeIdentity());
    validities.add(Validity.collateral("QE identity", qeIdentity.issueDate(), qeIdentity.nextUpdate()));

    return new VerifiedCollateral(c.id(), anchor, tcbInfo, qeIdentity, rootCrl, pckCrl, ca, caKey, validities);
  }

  /** The PCK CA of a two-certificate PCK CRL issuer chain, checked up to the anchor; failures are {@code CRL_INVALID}. */
  private static X509Certificate pckCrlIssuer(List<X509Certificate> chain, TrustAnchor anchor, List<Validity> validities)
      throws DcapException {
    String what = "PCK CRL issuer chain";
    if (chain.size() != 2) {
      throw new DcapException(FailureCode.CRL_INVALID, what + " has " + chain.size() + " certificates, not 2");
    }
    X509Certificate chainRoot = selfIssued(chain, what, FailureCode.CRL_INVALID);
    X509Certificate ca = chain.get(0) == chainRoot ? chain.get(1) : chain.get(0);
    if (CaType.fromCommonName(Pki.cn(ca)) == null) {
      throw new DcapException(FailureCode.CRL_INVALID, what + " CA '" + Pki.cn(ca) + "' is neither Intel PCK CA");
    }
    checkRoot(chainRoot, anchor, what, FailureCode.CRL_INVALID, validities);
    if (!Pki.issuedBy(ca, chainRoot) || !Ecdsa.verifyCertificate(ca, anchor.key())) {
      throw new DcapException(FailureCode.CRL_INVALID, what + " CA '" + Pki.cn(ca) + "' is not signed by the trusted root");
    }
    if (Ecdsa.certificateKey(ca) == null) {
      throw new DcapException(FailureCode.CRL_INVALID, what + " CA '" + Pki.cn(ca) + "' has no P-256 key");
    }
    validities.add(Validity.certificate("PCK CRL issuer certificate '" + Pki.cn(ca) + "'", ca));
    return ca;
  }

  /**
   * Checks a TCB signing chain (signing certificate + root, in either order, as Intel's samples
   * have both) and returns the signing key; failures are {@code TCB_SIGNING_CHAIN_UNTRUSTED}.
   */
  private static Ecdsa.Key signingChain(
      String pem, String what, TrustAnchor anchor, X509CRL rootCrl, List<Validity> validities) throws DcapException {
    FailureCode untrusted = FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED;
    List<X509Certificate> chain = Pki.readChain(pem, what);
    if (chain.size() != 2) {
      throw new DcapException(untrusted, what + " has " + chain.size() + " certificates, not 2");
    }
    X509Certificate chainRoot = selfIssued(chain, what, untrusted);
    X509Certificate signer = chain.get(0) == chainRoot ? chain.get(1) : chain.get(0);
    if (!Pki.cn(signer).contains(Pki.TCB_SIGNING_CN_PHRASE)) {
      throw new DcapException(untrusted, what + " signer '" + Pki.cn(signer) + "' is not an Intel SGX TCB Signing certificate");
    }
    checkRoot(chainRoot, anchor, what, untrusted, validities);
    if (!Pki.issuedBy(signer, chainRoot) || !Ecdsa.verifyCertificate(signer, anchor.key())) {
      throw new DcapException(untrusted, what + " signer '" + Pki.cn(signer) + "' is not signed by the trusted root");
    }
    if (Pki.revoked(rootCrl, signer)) {
      throw new DcapException(untrusted, what + " signer '" + Pki.cn(signer) + "' is on the root CA CRL");
    }
    Ecdsa.Key key = Ecdsa.certificateKey(signer);
    if (key == null) {
      throw new DcapException(untrusted, what + " signer '" + Pki.cn(signer) + "' has no P-256 key");
    }
    validities.add(Validity.certificate(what + " signer '" + Pki.cn(signer) + "'", signer));
    return key;
  }

  private static X509Certificate selfIssued(List<X509Certificate> chain, String what, FailureCode code) throws DcapException {
    X509Certificate found = null;
    for (X509Certificate c : chain) {
      if (Pki.selfIssued(c)) {
        if (found != null) {
          throw new DcapException(code, what + " has more than one self-issued certificate");
        }
        found = c;
      }
    }
    if (found == null) {
      throw new DcapException(code, what + " has no root certificate");
    }
    return found;
  }

  private static void checkRoot(
      X509Certificate chainRoot, TrustAnchor anchor, String what, FailureCode code, List<Validity> validities)
      throws DcapException {
    if (!Pki.cn(chainRoot).contains(Pki.ROOT_CN_PHRASE)) {
      throw new DcapException(code, what + " root '" + Pki.cn(chainRoot) + "' is not an SGX Root CA");
    }
    if (!Pki.isAnchor(chainRoot, anchor)) {
      throw new DcapException(code, what + " root is not the trusted root (" + anchor + ")");
    }
    if (!Pki.der(chainRoot).equals(Pki.der(anchor.certificate()))) {
      validities.add(Validity.certificate(what + " root", chainRoot));
    }
  }

  /** SHA-256 over the anchor and every field, each length-prefixed so fields cannot run into each other. */
  static Bytes contentKey(QuoteCollateral c, TrustAnchor anchor) {
    MessageDigest sha = Ecdsa.sha256();
    anchor.fingerprint().updateDigest(sha);
    field(sha, c.pckCrlIssuerChain());
    field(sha, c.rootCaCrl());
    field(sha, c.pckCrl());
    field(sha, c.tcbInfoIssuerChain());
    field(sha, c.tcbInfo());
    field(sha, c.tcbInfoSignature());
    field(sha, c.qeIdentityIssuerChain());
    field(sha, c.qeIdentity());
    field(sha, c.qeIdentitySignature());
    field(sha, c.pckCertificateChain().orElse(null));
    return Bytes.of(sha.digest());
  }

  private static void field(MessageDigest sha, String s) {
    if (s == null) {
      lengthPrefix(sha, -1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    lengthPrefix(sha, b.length);
    sha.update(b);
  }

  private static void field(MessageDigest sha, Bytes b) {
    lengthPrefix(sha, b.length());
    b.updateDigest(sha);
  }

  private static void lengthPrefix(MessageDigest sha, int length) {
    sha.update((byte) (length >>> 24));
    sha.update((byte) (length >>> 16));
    sha.update((byte) (length >>> 8));
    sha.update((byte) length);
  }
}
