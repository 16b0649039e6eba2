package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.EnclaveTcbLevel;
import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.collateral.TdxModule;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.quote.CertificationData;
import dev.dcapd.verifier.quote.QeReportCertificationData;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteLayout;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.quote.TeeType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies DCAP quotes against collateral at a given instant, as Intel's QVL/QvE does, and
 * answers with a {@link Verdict}. Pure: no I/O, no clock. Bad evidence never throws; the failure is
 * in the verdict.
 *
 * <p>Steps, in Intel's order (reference §a.1-a.3): PCK chain (the quote's own, see {@code
 * verifyPckChain}; names, issuers, signatures, root = trust anchor, which QvE pins before anything
 * else); collateral (CRLs, signing chains, TCB info and
 * QE identity signatures, see {@link CollateralVerifier}); the PCK CRL against the chain, revocation
 * of the PCK CA and leaf; TCB info
 * id against the TEE type; FMSPC and PCE-ID against TCB info; TDX module identity; QE report
 * signature by the PCK key; QE report data binding of the attestation key; QE identity; quote
 * signature; TCB levels and status convergence. Time comes last: Intel's QvE only flags expired
 * collateral and still answers, so a quote that fails for another reason reports that reason;
 * otherwise anything outside its validity at the instant fails the verdict (see {@link Validity}).
 *
 * <p>Costly results whose inputs repeat are memoised by content hash: verified collateral, verified
 * PCK chains, and a platform's QE report signature; a warm verification of a new quote from a
 * known platform costs one ECDSA verify plus parsing and hashing. Thread-safe.
 */
public final class QuoteVerifier {
  /** Default number of PCK chains (platforms) and QE reports remembered. */
  public static final int DEFAULT_PLATFORM_CAPACITY = 16_384;

  private static final int QE_REPORT_DATA_BINDING_SIZE = 32;

  private final TrustAnchor anchor;
  private final CollateralVerifier collaterals;
  private final PckChainVerifier chains;
  // A platform's proven QE report (signature by its PCK key, binding of its attestation key), with
  // the attestation key decoded once: BouncyCastle keeps precomputed multiples on a point object it
  // sees repeatedly, which makes the one verification left on the warm path several times faster.
  private final BoundedCache<Bytes, Ecdsa.Key> qeReports;

  private QuoteVerifier(TrustAnchor anchor, CollateralVerifier collaterals, int platformCapacity) {
    this.anchor = Objects.requireNonNull(anchor, "anchor");
    this.collaterals = Objects.requireNonNull(collaterals, "collaterals");
    this.chains = new PckChainVerifier(anchor, platformCapacity);
    this.qeReports = new BoundedCache<>(platformCapacity);
  }

  /** A verifier trusting only the pinned Intel SGX Root CA. */
  public static QuoteVerifier intel() {
    return new QuoteVerifier(TrustAnchor.intel(), new CollateralVerifier(), DEFAULT_PLATFORM_CAPACITY);
  }

  /** A verifier trusting {@code anchor} (Intel's, or one made by {@code TrustAnchor.insecure...}). */
  public static QuoteVerifier withTrustAnchor(TrustAnchor anchor) {
    return new QuoteVerifier(anchor, new CollateralVerifier(), DEFAULT_PLATFORM_CAPACITY);
  }

  /** A verifier sharing a collateral verifier (and its memo) with other code, e.g. a collateral cache. */
  public static QuoteVerifier create(TrustAnchor anchor, CollateralVerifier collaterals, int platformCapacity) {
    return new QuoteVerifier(anchor, collaterals, platformCapacity);
  }

  public TrustAnchor trustAnchor() {
    return anchor;
  }

  public CollateralVerifier collateralVerifier() {
    return collaterals;
  }

  /** Judges {@code quote} against {@code collateral} at {@code at}. */
  public Verdict verify(Quote quote, QuoteCollateral collateral, Instant at) {
    Objects.requireNonNull(quote, "quote");
    Objects.requireNonNull(collateral, "collateral");
    Objects.requireNonNull(at, "at");
    Run run = new Run(quote, collateral, at);
    try {
      run.steps();
      return run.verdict(null);
    } catch (DcapException e) {
      return run.verdict(Failure.of(e));
    }
  }

  /**
   * The first step of {@link #verify} alone: the quote's own PCK chain checked against the trust
   * anchor (names, issuers, signatures, a root that is the anchor, the leaf's extension of the
   * shape its CA issues), memoised with the chains {@code verify} checks, so a chain checked here
   * is not checked again there, nor the other way round. Nothing in it needs collateral or an
   * instant: revocation and dates are {@code verify}'s, with the collateral. Callers ask it before
   * they fetch collateral for a quote, so that a quote no genuine platform made never makes them
   * ask. A quote that carries no chain (certification data types 1-4) passes: only collateral can
   * name its chain.
   *
   * @throws DcapException the failure {@code verify} would answer for this chain, whatever the
   *     collateral ({@code PCK_CHAIN_UNTRUSTED}, {@code PCK_CERTIFICATE_MALFORMED},
   *     {@code PCK_CERT_UNSUPPORTED_FORMAT})
   */
  public void checkPckChain(Quote quote) throws DcapException {
    CertificationData cd = quote.certificationData();
    if (cd.type() != CertificationData.TYPE_PCK_CERT_CHAIN) {
      return;
    }
    Bytes chainBytes = cd.data();
    chains.verify(chainBytes, PckChainVerifier.chainKey(chainBytes));
  }

  /** One verification's state: the evidence gathered so far. */
  private final class Run {
    private final Quote quote;
    private final QuoteCollateral collateral;
    private final Instant at;
    private final byte[] raw;
    private VerifiedCollateral verified;
    private VerifiedPckChain chain;
    private final List<Validity> validities = new ArrayList<>();
    private Optional<EnclaveTcbLevel> qeLevel = Optional.empty();
    private TcbEvaluator.Result tcb;

    Run(Quote quote, QuoteCollateral collateral, Instant at) {
      this.quote = quote;
      this.collateral = collateral;
      this.at = at;
      this.raw = quote.raw().toByteArray();
    }

    void steps() throws DcapException {
      TeeType tee = quote.teeType();
      Bytes chainKey = verifyPckChain();
      verified = collaterals.verifyUntimed(collateral, anchor);
      checkRevocation();
      CollateralVerifier.checkTcbInfoFor(verified.tcbInfo(), tee);
      checkPlatformIdentity();
      if (quote.body() instanceof TdReport td) {
        checkTdxModule(td);
      }
      QeReportCertificationData qe = quote.qeReportCertificationData();
      int qeReportStart = qeReportOffset();
      Ecdsa.Key attestationKey = verifyQeReport(qe, qeReportStart, chainKey);
      checkQeIdentity(qe, qeReportStart);
      verifyQuoteSignature(attestationKey);
      tcb = TcbEvaluator.evaluate(verified.tcbInfo(), chain.extension(), quote.body(), qeLevel);
      if (tcb.status() == TcbStatus.REVOKED) {
        throw new DcapException(FailureCode.TCB_REVOKED, "the platform's TCB level is Revoked");
      }
      validities.addAll(verified.validities());
      validities.addAll(chain.validities());
      Optional<Failure> late = VerifiedCollateral.checkTime(validities, false, at);
      if (late.isPresent()) {
        throw late.get().toException();
      }
    }

    /**
     * The PCK chain: the quote's own (certification data type 5, nested in type 6 for v4/v5), as
     * Intel's QvE takes it, whatever the collateral's {@code pck_certificate_chain} says; that one
     * is used only for a quote that carries no chain (types 1-4: PPID or leaf only), which could
     * not be verified otherwise. A type-5 chain that is malformed or untrusted fails as it is:
     * another chain in the collateral never stands in for the one the quote names.
     */
    private Bytes verifyPckChain() throws DcapException {
      Bytes chainBytes;
      CertificationData cd = quote.certificationData();
      if (cd.type() == CertificationData.TYPE_PCK_CERT_CHAIN) {
        chainBytes = cd.data();
      } else if (collateral.pckCertificateChain().isPresent()) {
        chainBytes = Bytes.of(collateral.pckCertificateChain().get().getBytes(StandardCharsets.US_ASCII));
      } else {
        throw new DcapException(
            FailureCode.UNSUPPORTED_CERTIFICATION_DATA,
            "certification data type " + cd.type() + " carries no PCK chain and the collateral has none");
      }
      Bytes key = PckChainVerifier.chainKey(chainBytes);
      chain = chains.verify(chainBytes, key);
      return key;
    }

    /** QVL {@code PckCertVerifier} 9-10 and 4.1.2.4.6-7: the CRLs against the chain, then revocation by serial. */
    private void checkRevocation() throws DcapException {
      // The PCK CRL must be the leaf issuer's (QVL 4.1.2.4.6) and signed by the chain's CA.
      if (!verified.pckCrl().getIssuerX500Principal().equals(chain.leaf().getIssuerX500Principal())) {
        throw new DcapException(
            FailureCode.CRL_INVALID,
            "the PCK CRL is issued by '" + verified.pckCrl().getIssuerX500Principal() + "', not by the PCK leaf's issuer '"
                + chain.leaf().getIssuerX500Principal() + "'");
      }
      if (!chain.intermediateKey().equals(verified.pckCrlIssuerKey())) {
        throw new DcapException(
            FailureCode.CRL_INVALID, "the PCK CRL is not signed by the key of the quote's PCK CA '" + Pki.cn(chain.intermediate()) + "'");
      }
      if (Pki.revoked(verified.rootCaCrl(), chain.intermediate())) {
        throw new DcapException(
            FailureCode.INTERMEDIATE_CA_REVOKED,
            "PCK CA '" + Pki.cn(chain.intermediate()) + "' (serial " + chain.intermediate().getSerialNumber().toString(16) + ") is on the root CA CRL");
      }
      if (Pki.revoked(verified.pckCrl(), chain.leaf())) {
        throw new DcapException(
            FailureCode.PCK_REVOKED, "PCK leaf (serial " + chain.leaf().getSerialNumber().toString(16) + ") is on the PCK CRL");
      }
    }

    /** QVL 4.1.2.4.10: FMSPC and PCE-ID of the PCK against TCB info. */
    private void checkPlatformIdentity() throws DcapException {
      PckExtension pck = chain.extension();
      TcbInfo tcbInfo = verified.tcbInfo();
      if (!pck.fmspc().equals(tcbInfo.fmspc())) {
        throw new DcapException(
            FailureCode.TCB_INFO_MISMATCH, "PCK FMSPC " + pck.fmspc().hex() + " is not the TCB info's " + tcbInfo.fmspc().hex());
      }
      if (!pck.pceId().equals(tcbInfo.pceId())) {
        throw new DcapException(
            FailureCode.TCB_INFO_MISMATCH, "PCK PCE-ID " + pck.pceId().hex() + " is not the TCB info's " + tcbInfo.pceId().hex());
      }
    }

    /**
     * QVL 4.1.2.4.11: MRSIGNERSEAM and SEAM attributes against {@code tdxModule}, or against module
     * identity {@code TDX_%02X} of {@code tee_tcb_svn[1]} when that is not 0. Like QVL, the SEAM
     * attributes must be exactly the expected ones and zero (go-tdx-guest applies the mask instead;
     * on Intel's data, all zero with a full mask, the two agree).
     */
    private void checkTdxModule(TdReport td) throws DcapException {
      TcbInfo tcbInfo = verified.tcbInfo();
      TdxModule expected =
          tcbInfo.tdxModule().orElseThrow(() -> new DcapException(FailureCode.TCB_INFO_MISMATCH, "TDX TCB info has no tdxModule"));
      String source = "tdxModule";
      int major = td.teeTcbSvn().unsigned(TcbEvaluator.TEE_TCB_SVN_MODULE_MAJOR);
      if (major > 0) {
        var identity = TcbEvaluator.moduleIdentity(tcbInfo, major);
        expected = identity.module();
        source = identity.id();
      }
      if (!td.mrSignerSeam().equals(expected.mrSigner())) {
        throw new DcapException(FailureCode.TDX_MODULE_MISMATCH, "MRSIGNERSEAM is not the mrsigner of " + source);
      }
      if (!td.seamAttributes().equals(expected.attributes()) || !td.seamAttributes().isAllZero()) {
        throw new DcapException(
            FailureCode.TDX_MODULE_MISMATCH, "SEAM attributes " + td.seamAttributes().hex() + " are not the zero attributes of " + source);
      }
    }

    private int qeReportOffset() {
      int offset = quote.signedLength() + QuoteLayout.AUTH_DATA_SIZE_FIELD + QuoteLayout.SIGNATURE_SIZE + QuoteLayout.ATTESTATION_KEY_SIZE;
      if (quote.version() >= 4) {
        offset += QuoteLayout.CERT_DATA_TYPE_FIELD + QuoteLayout.CERT_DATA_SIZE_FIELD;
      }
      return offset;
    }

    /**
     * QVL 4.1.2.4.12-13: the PCK key signs the 384-byte QE report, whose report data binds the
     * attestation key. Memoised per platform (chain), QE report, signature, auth data and key.
     *
     * @return the attestation key
     */
    private Ecdsa.Key verifyQeReport(QeReportCertificationData qe, int qeReportStart, Bytes chainKey) throws DcapException {
      MessageDigest sha = Ecdsa.sha256();
      chainKey.updateDigest(sha);
      sha.update(raw, qeReportStart, QuoteLayout.ENCLAVE_REPORT_SIZE);
      qe.qeReportSignature().updateDigest(sha);
      quote.signatureData().attestationKey().updateDigest(sha);
      qe.qeAuthData().updateDigest(sha);
      Bytes memoKey = Bytes.of(sha.digest());
      Ecdsa.Key known = qeReports.get(memoKey);
      if (known != null) {
        return known;
      }
      if (!Ecdsa.verifyRaw(chain.leafKey(), raw, qeReportStart, QuoteLayout.ENCLAVE_REPORT_SIZE, qe.qeReportSignature())) {
        throw new DcapException(FailureCode.INVALID_QE_REPORT_SIGNATURE, "the QE report signature does not verify with the PCK leaf key");
      }
      verifyQeReportData(qe);
      Ecdsa.Key key = Ecdsa.rawKey(quote.signatureData().attestationKey());
      if (key == null) {
        throw new DcapException(FailureCode.INVALID_QUOTE_SIGNATURE, "the attestation key is not a P-256 point");
      }
      qeReports.put(memoKey, key);
      return key;
    }

    /** QVL 4.1.2.4.13: the QE report data starts with SHA-256(attestation key ‖ QE auth data). */
    private void verifyQeReportData(QeReportCertificationData qe) throws DcapException {
      MessageDigest sha = Ecdsa.sha256();
      quote.signatureData().attestationKey().updateDigest(sha);
      qe.qeAuthData().updateDigest(sha);
      Bytes expected = Bytes.of(sha.digest());
      Bytes actual = qe.qeReport().reportData().slice(0, QE_REPORT_DATA_BINDING_SIZE);
      if (!expected.equals(actual)) {
        throw new DcapException(
            FailureCode.INVALID_QE_REPORT_DATA, "the QE report data is not SHA-256 of the attestation key and QE auth data");
      }
    }

    /** QVL 4.1.2.4.14-15: the QE is the one the QE identity describes; its ISVSVN picks a level. */
    private void checkQeIdentity(QeReportCertificationData qe, int qeReportStart) throws DcapException {
      QeIdentity id = verified.qeIdentity();
      CollateralVerifier.checkQeIdentityFor(id, quote.teeType());
      // MISCSELECT compared byte-wise as the report stores it (u32 little-endian).
      for (int i = 0; i < QeIdentity.MISCSELECT_SIZE; i++) {
        int actual = raw[qeReportStart + QuoteLayout.ER_MISC_SELECT_START + i] & id.miscselectMask().get(i);
        if ((byte) actual != id.miscselect().get(i)) {
          throw new DcapException(FailureCode.QE_IDENTITY_MISMATCH, "QE report MISCSELECT does not match the QE identity");
        }
      }
      Bytes attributes = qe.qeReport().attributes();
      for (int i = 0; i < QeIdentity.ATTRIBUTES_SIZE; i++) {
        if ((byte) (attributes.get(i) & id.attributesMask().get(i)) != id.attributes().get(i)) {
          throw new DcapException(FailureCode.QE_IDENTITY_MISMATCH, "QE report ATTRIBUTES do not match the QE identity");
        }
      }
      if (!qe.qeReport().mrSigner().equals(id.mrSigner())) {
        throw new DcapException(FailureCode.QE_IDENTITY_MISMATCH, "QE report MRSIGNER is not the QE identity's " + id.mrSigner().hex());
      }
      if (qe.qeReport().isvProdId() != id.isvProdId()) {
        throw new DcapException(
            FailureCode.QE_IDENTITY_MISMATCH, "QE report ISVPRODID " + qe.qeReport().isvProdId() + " is not the QE identity's " + id.isvProdId());
      }
      // Intel walks the QE levels in JSON order and takes the first the QE's ISVSVN reaches.
      int isvSvn = qe.qeReport().isvSvn();
      for (EnclaveTcbLevel level : id.tcbLevels()) {
        if (isvSvn >= level.isvSvn()) {
          qeLevel = Optional.of(level);
          return;
        }
      }
    }

    /** QVL 4.1.2.4.16: the attestation key signs header and body (v5: and the body descriptor). */
    private void verifyQuoteSignature(Ecdsa.Key key) throws DcapException {
      if (!Ecdsa.verifyRaw(key, raw, 0, quote.signedLength(), quote.signatureData().quoteSignature())) {
        throw new DcapException(FailureCode.INVALID_QUOTE_SIGNATURE, "the quote signature does not verify with the attestation key");
      }
    }

    Verdict verdict(Failure failure) {
      Optional<Instant> earliest = Optional.empty();
      if (verified != null) {
        Instant e = verified.earliestExpiry();
        if (chain != null) {
          for (Validity v : chain.validities()) {
            e = v.notAfter().isBefore(e) ? v.notAfter() : e;
          }
        }
        earliest = Optional.of(e);
      }
      // QvE's collateral_expiration_status is set from the earliest expiry on (earliest <= instant),
      // while a piece fails only after its end (Validity, also Intel's): at exactly the earliest
      // expiry the verdict succeeds with the flag set, as QvE answers then.
      boolean expired = earliest.isPresent() && !at.isBefore(earliest.get());
      PckExtension pck = chain == null ? null : chain.extension();
      Verdict.Builder v = Verdict.builder()
          .failure(Optional.ofNullable(failure))
          .checksum(checksum())
          .quoteVersion(quote.version())
          .teeType(quote.teeType())
          .qeIdentityStatus(qeLevel.map(EnclaveTcbLevel::tcbStatus))
          .verifiedAt(at)
          .earliestExpiry(earliest)
          .collateralExpired(expired)
          .collateralId(verified != null ? verified.collateralId() : collateral.id())
          .insecureRoot(anchor.insecure());
      if (tcb != null) {
        v.tcbStatus(tcb.status()).advisoryIds(tcb.advisoryIds()).tcbDate(tcb.tcbDate());
      }
      if (pck != null) {
        v.fmspc(pck.fmspc()).pceId(pck.pceId());
      }
      if (chain != null) {
        v.caType(chain.caType());
      }
      return v.build();
    }

    private String checksum() {
      return quote.checksumHex();
    }
  }
}
