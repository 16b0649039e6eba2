package dev.dcapd.collateral;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.quote.TeeType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A self-contained collateral check for the fetch path: the collateral is for the TEE, FMSPC and
 * CA asked for; the TCB signing and PCK CA chains lead to the trusted root; the TCB info and QE
 * identity signatures verify over their exact text; both CRLs are signed by their issuers and
 * carry the required extensions; no intermediate is on the root CA CRL; and every part is current
 * at the instant.
 *
 * <p>It checks what a source can get wrong, not a quote: TCB levels, QE identity policy and the
 * PCK leaf are the verifier's business. Checks run cheapest and most telling first, so a source
 * that answers for another platform is reported as {@code TCB_INFO_MISMATCH} even if that
 * answer is also out of date.
 */
public final class BasicCollateralCheck implements CollateralCheck {
  /** SHA-256 of the DER of the Intel SGX Root CA certificate. */
  public static final Bytes INTEL_ROOT_SHA256 =
      Bytes.fromHex("44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");

  private static final String TCB_SIGNING_CN = "Intel SGX TCB Signing";
  private static final String SIGNATURE_ALGORITHM = "SHA256withECDSAinP1363Format";
  private static final int RAW_SIGNATURE_LENGTH = 64;
  private static final String CRL_NUMBER_OID = "2.5.29.20";
  private static final String AUTHORITY_KEY_IDENTIFIER_OID = "2.5.29.35";
  private static final String TDX_TCB_INFO_ID = "TDX";
  private static final String SGX_TCB_INFO_ID = "SGX";
  private static final String SGX_QE_ID = "QE";
  private static final String TDX_QE_ID = "TD_QE";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Bytes trustedRootSha256;

  private BasicCollateralCheck(Bytes trustedRootSha256) {
    this.trustedRootSha256 = trustedRootSha256;
  }

  /** The check that trusts only the pinned Intel SGX Root CA. */
  public static BasicCollateralCheck intelRoot() {
    return new BasicCollateralCheck(INTEL_ROOT_SHA256);
  }

  /** A check that trusts {@code root} instead of Intel's (test PKIs only). */
  public static BasicCollateralCheck insecureTrustRoot(X509Certificate root) {
    try {
      return new BasicCollateralCheck(sha256(root.getEncoded()));
    } catch (CertificateException e) {
      throw new IllegalArgumentException("the root cannot be encoded", e);
    }
  }

  @Override
  public CheckedCollateral check(QuoteCollateral c, TeeType tee, Bytes fmspc, CaType ca, Instant at)
      throws DcapException {
    Objects.requireNonNull(c, "collateral");
    Objects.requireNonNull(at, "at");
    Window window = new Window(at);

    // 1. Is this collateral for what was asked?
    JsonNode tcbInfo = json(c.tcbInfo(), "TCB info");
    checkTcbInfoIdentity(tcbInfo, tee, fmspc);
    window.collateral("TCB info", date(tcbInfo, "issueDate", "TCB info"), date(tcbInfo, "nextUpdate", "TCB info"));
    JsonNode qeIdentity = json(c.qeIdentity(), "QE identity");
    String qeId = text(qeIdentity, "id", "QE identity");
    String expectedQeId = tee == TeeType.TDX ? TDX_QE_ID : SGX_QE_ID;
    if (!expectedQeId.equals(qeId)) {
      throw new DcapException(FailureCode.QE_IDENTITY_MISMATCH,
          "the QE identity is '" + qeId + "', a " + tee + " quote needs '" + expectedQeId + "'");
    }
    window.collateral("QE identity",
        date(qeIdentity, "issueDate", "QE identity"), date(qeIdentity, "nextUpdate", "QE identity"));

    // 2. Chains to the trusted root.
    List<X509Certificate> tcbChain = certificates(c.tcbInfoIssuerChain(), "TCB info issuer chain");
    checkChain(tcbChain, FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED, "TCB info issuer chain");
    checkSigner(tcbChain.get(0), "TCB info issuer chain");
    List<X509Certificate> qeChain = certificates(c.qeIdentityIssuerChain(), "QE identity issuer chain");
    checkChain(qeChain, FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED, "QE identity issuer chain");
    checkSigner(qeChain.get(0), "QE identity issuer chain");
    List<X509Certificate> pckCaChain = certificates(c.pckCrlIssuerChain(), "PCK CRL issuer chain");
    checkChain(pckCaChain, FailureCode.PCK_CHAIN_UNTRUSTED, "PCK CRL issuer chain");
    String pckCaName = PckCertChain.commonName(pckCaChain.get(0).getSubjectX500Principal());
    if (!ca.commonName().equals(pckCaName)) {
      throw new DcapException(FailureCode.CRL_INVALID,
          "the PCK CRL is issued by '" + pckCaName + "', not by the " + ca.commonName() + " asked for");
    }
    X509Certificate root = tcbChain.get(tcbChain.size() - 1);
    for (List<X509Certificate> chain : List.of(tcbChain, qeChain, pckCaChain)) {
      for (X509Certificate cert : chain) {
        window.certificate(cert);
      }
    }

    // 3. Signatures over the exact signed text.
    verifySignature(tcbChain.get(0).getPublicKey(), c.tcbInfo(), c.tcbInfoSignature(),
        FailureCode.TCB_INFO_INVALID_SIGNATURE, "TCB info");
    verifySignature(qeChain.get(0).getPublicKey(), c.qeIdentity(), c.qeIdentitySignature(),
        FailureCode.QE_IDENTITY_INVALID_SIGNATURE, "QE identity");

    // 4. CRLs signed by their issuers, and the intermediates not revoked.
    X509CRL rootCrl = crl(c.rootCaCrl(), "root CA CRL");
    checkCrl(rootCrl, root, "root CA CRL");
    window.collateral("root CA CRL", rootCrl.getThisUpdate().toInstant(), rootCrl.getNextUpdate().toInstant());
    X509CRL pckCrl = crl(c.pckCrl(), "PCK CRL");
    checkCrl(pckCrl, pckCaChain.get(0), "PCK CRL");
    window.collateral("PCK CRL", pckCrl.getThisUpdate().toInstant(), pckCrl.getNextUpdate().toInstant());
    for (int i = 0; i < pckCaChain.size() - 1; i++) {
      if (rootCrl.isRevoked(pckCaChain.get(i))) {
        throw new DcapException(FailureCode.INTERMEDIATE_CA_REVOKED,
            "the " + pckCaName + " certificate is on the root CA CRL");
      }
    }
    for (X509Certificate signer : List.of(tcbChain.get(0), qeChain.get(0))) {
      if (rootCrl.isRevoked(signer)) {
        throw new DcapException(FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED, "the TCB signing certificate is on the root CA CRL");
      }
    }

    // 5. Everything current at the instant.
    return window.close(c);
  }

  private static void checkTcbInfoIdentity(JsonNode tcbInfo, TeeType tee, Bytes fmspc) throws DcapException {
    JsonNode idNode = tcbInfo.get("id");
    if (idNode == null) {
      // TCB info v2 predates the id field and exists for SGX only.
      if (tee != TeeType.SGX) {
        throw new DcapException(FailureCode.TCB_INFO_MISMATCH, "the TCB info has no id; a " + tee + " quote needs 'TDX'");
      }
    } else {
      String expected = tee == TeeType.TDX ? TDX_TCB_INFO_ID : SGX_TCB_INFO_ID;
      if (!idNode.isTextual() || !expected.equals(idNode.textValue())) {
        throw new DcapException(FailureCode.TCB_INFO_MISMATCH,
            "the TCB info is '" + idNode.asText() + "', a " + tee + " quote needs '" + expected + "'");
      }
    }
    String fmspcText = text(tcbInfo, "fmspc", "TCB info");
    Bytes actual;
    try {
      actual = Bytes.fromHex(fmspcText);
    } catch (IllegalArgumentException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the TCB info fmspc is not hex");
    }
    if (!actual.equals(fmspc)) {
      throw new DcapException(FailureCode.TCB_INFO_MISMATCH,
          "the TCB info is for FMSPC " + fmspcText + ", not " + fmspc.hex().toUpperCase(Locale.ROOT));
    }
  }

  /** Each certificate is signed by the next, which is a CA; the last is the trusted root. */
  private void checkChain(List<X509Certificate> chain, FailureCode code, String what) throws DcapException {
    if (chain.size() < 2) {
      throw new DcapException(code, "the " + what + " has " + chain.size() + " certificate; signer and root are needed");
    }
    for (int i = 0; i < chain.size() - 1; i++) {
      X509Certificate cert = chain.get(i);
      X509Certificate issuer = chain.get(i + 1);
      if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())
          || issuer.getBasicConstraints() < 0
          || !signedBy(cert, issuer.getPublicKey())) {
        throw new DcapException(code, "the " + what + " is broken at certificate " + i);
      }
    }
    X509Certificate root = chain.get(chain.size() - 1);
    if (!root.getIssuerX500Principal().equals(root.getSubjectX500Principal()) || !signedBy(root, root.getPublicKey())) {
      throw new DcapException(code, "the " + what + " does not end in a self-signed root");
    }
    byte[] der;
    try {
      der = root.getEncoded();
    } catch (CertificateException e) {
      throw new DcapException(code, "the root of the " + what + " cannot be encoded");
    }
    if (!sha256(der).equals(trustedRootSha256)) {
      throw new DcapException(code, "the " + what + " ends in a root that is not trusted");
    }
  }

  private static void checkSigner(X509Certificate signer, String what) throws DcapException {
    String cn = PckCertChain.commonName(signer.getSubjectX500Principal());
    if (!TCB_SIGNING_CN.equals(cn)) {
      throw new DcapException(FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED,
          "the " + what + " starts with '" + cn + "', not the " + TCB_SIGNING_CN + " certificate");
    }
  }

  private static boolean signedBy(X509Certificate cert, PublicKey key) {
    try {
      cert.verify(key);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static void verifySignature(PublicKey key, String text, Bytes signature, FailureCode code, String what)
      throws DcapException {
    if (signature.length() != RAW_SIGNATURE_LENGTH) {
      throw new DcapException(code, "the " + what + " signature is " + signature.length() + " bytes, not r||s of 64");
    }
    boolean ok;
    try {
      Signature s = Signature.getInstance(SIGNATURE_ALGORITHM);
      s.initVerify(key);
      s.update(text.getBytes(StandardCharsets.UTF_8));
      ok = s.verify(signature.toByteArray());
    } catch (GeneralSecurityException | RuntimeException e) {
      ok = false;
    }
    if (!ok) {
      throw new DcapException(code, "the " + what + " signature does not verify with its issuer chain");
    }
  }

  private static void checkCrl(X509CRL crl, X509Certificate issuer, String what) throws DcapException {
    if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      throw new DcapException(FailureCode.CRL_INVALID, "the " + what + " is not issued by "
          + PckCertChain.commonName(issuer.getSubjectX500Principal()));
    }
    try {
      crl.verify(issuer.getPublicKey());
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new DcapException(FailureCode.CRL_INVALID, "the " + what + " signature does not verify");
    }
    if (crl.getExtensionValue(CRL_NUMBER_OID) == null || crl.getExtensionValue(AUTHORITY_KEY_IDENTIFIER_OID) == null) {
      throw new DcapException(FailureCode.CRL_INVALID, "the " + what + " lacks the CRL number or authority key id");
    }
    if (crl.getNextUpdate() == null) {
      throw new DcapException(FailureCode.CRL_INVALID, "the " + what + " has no nextUpdate");
    }
  }

  private static JsonNode json(String text, String what) throws DcapException {
    try {
      JsonNode n = JSON.readTree(text);
      if (n == null || !n.isObject()) {
        throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the " + what + " is not a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the " + what + " is not JSON");
    }
  }

  private static String text(JsonNode n, String field, String what) throws DcapException {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the " + what + " has no string '" + field + "'");
    }
    return v.textValue();
  }

  private static Instant date(JsonNode n, String field, String what) throws DcapException {
    String s = text(n, field, what);
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the " + what + " " + field + " is not a date");
    }
  }

  private static List<X509Certificate> certificates(String pem, String what) throws DcapException {
    try {
      return PckCertChain.readCertificates(pem);
    } catch (DcapException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the " + what + " cannot be read: " + e.getMessage());
    }
  }

  private static X509CRL crl(Bytes der, String what) throws DcapException {
    try {
      return (X509CRL) CertificateFactory.getInstance("X.509")
          .generateCRL(new ByteArrayInputStream(der.toByteArray()));
    } catch (CertificateException | CRLException | RuntimeException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the " + what + " cannot be read");
    }
  }

  private static Bytes sha256(byte[] data) {
    try {
      return Bytes.of(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  /** Collects validity periods and judges them all at one instant. */
  private static final class Window {
    private record Period(String what, Instant from, Instant to, boolean certificate) {}

    private final Instant at;
    private final List<Period> periods = new ArrayList<>();

    Window(Instant at) {
      this.at = at;
    }

    void collateral(String what, Instant from, Instant to) {
      periods.add(new Period(what, from, to, false));
    }

    void certificate(X509Certificate cert) {
      periods.add(new Period("certificate '" + PckCertChain.commonName(cert.getSubjectX500Principal()) + "'",
          cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), true));
    }

    CheckedCollateral close(QuoteCollateral c) throws DcapException {
      Instant from = Instant.MIN;
      Instant to = Instant.MAX;
      for (Period p : periods) {
        if (at.isAfter(p.to)) {
          throw new DcapException(p.certificate ? FailureCode.CERTIFICATE_EXPIRED : FailureCode.COLLATERAL_EXPIRED,
              "the " + p.what + " expired at " + p.to + ", before " + at);
        }
        if (at.isBefore(p.from)) {
          throw new DcapException(FailureCode.COLLATERAL_NOT_YET_VALID,
              "the " + p.what + " is valid from " + p.from + ", after " + at);
        }
        from = p.from.isAfter(from) ? p.from : from;
        to = p.to.isBefore(to) ? p.to : to;
      }
      return new CheckedCollateral(c, at, from, to);
    }
  }
}
