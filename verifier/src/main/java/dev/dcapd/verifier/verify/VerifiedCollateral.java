package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.TcbInfo;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Collateral whose signatures, chains and CRLs have been verified against a trust anchor, with
 * its TCB info and QE identity parsed. What it proves holds at every instant; whether it is
 * current at a given instant is {@link #checkTime}'s question.
 */
public final class VerifiedCollateral {
  private final String collateralId;
  private final TrustAnchor trustAnchor;
  private final TcbInfo tcbInfo;
  private final QeIdentity qeIdentity;
  private final X509CRL rootCaCrl;
  private final X509CRL pckCrl;
  private final X509Certificate pckCrlIssuer;
  private final Ecdsa.Key pckCrlIssuerKey;
  private final List<Validity> validities;
  private final Instant validFrom;
  private final Instant earliestExpiry;

  VerifiedCollateral(
      String collateralId,
      TrustAnchor trustAnchor,
      TcbInfo tcbInfo,
      QeIdentity qeIdentity,
      X509CRL rootCaCrl,
      X509CRL pckCrl,
      X509Certificate pckCrlIssuer,
      Ecdsa.Key pckCrlIssuerKey,
      List<Validity> validities) {
    this.collateralId = collateralId;
    this.trustAnchor = trustAnchor;
    this.tcbInfo = tcbInfo;
    this.qeIdentity = qeIdentity;
    this.rootCaCrl = rootCaCrl;
    this.pckCrl = pckCrl;
    this.pckCrlIssuer = pckCrlIssuer;
    this.pckCrlIssuerKey = pckCrlIssuerKey;
    this.validities = List.copyOf(validities);
    this.validFrom = this.validities.stream().map(Validity::notBefore).max(Instant::compareTo).orElseThrow();
    this.earliestExpiry = this.validities.stream().map(Validity::notAfter).min(Instant::compareTo).orElseThrow();
  }

  /** {@code QuoteCollateral.id()} of the collateral this came from. */
  public String collateralId() {
    return collateralId;
  }

  public TrustAnchor trustAnchor() {
    return trustAnchor;
  }

  public TcbInfo tcbInfo() {
    return tcbInfo;
  }

  public QeIdentity qeIdentity() {
    return qeIdentity;
  }

  public X509CRL rootCaCrl() {
    return rootCaCrl;
  }

  public X509CRL pckCrl() {
    return pckCrl;
  }

  /** The PCK CA certificate that signed the PCK CRL (from the PCK CRL issuer chain). */
  public X509Certificate pckCrlIssuer() {
    return pckCrlIssuer;
  }

  List<Validity> validities() {
    return validities;
  }

  Ecdsa.Key pckCrlIssuerKey() {
    return pckCrlIssuerKey;
  }

  /** The latest start among every piece: certificates' notBefore, CRLs' thisUpdate, issue dates. */
  public Instant validFrom() {
    return validFrom;
  }

  /**
   * The earliest end among every piece (Intel's "earliest expiration date"): certificates'
   * notAfter, CRLs' and TCB info's and QE identity's nextUpdate.
   */
  public Instant earliestExpiry() {
    return earliestExpiry;
  }

  /** Whether every piece is valid at {@code at} (boundaries included). */
  public boolean validAt(Instant at) {
    return !at.isBefore(validFrom) && !at.isAfter(earliestExpiry);
  }

  /** The failure of a piece not valid at {@code at} (see {@link #checkTime(List, boolean, Instant)}), if any. */
  public Optional<Failure> checkTime(Instant at) {
    return checkTime(validities, validAt(at), at);
  }

  /**
   * The failure for the piece that makes {@code at} invalid: of the pieces expired at {@code at},
   * the one that expired first; else of those not yet valid, the one that starts last.
   */
  static Optional<Failure> checkTime(List<Validity> validities, boolean allValid, Instant at) {
    if (allValid) {
      return Optional.empty();
    }
    Validity expired = null;
    Validity early = null;
    for (Validity v : validities) {
      if (at.isAfter(v.notAfter()) && (expired == null || v.notAfter().isBefore(expired.notAfter()))) {
        expired = v;
      }
      if (at.isBefore(v.notBefore()) && (early == null || v.notBefore().isAfter(early.notBefore()))) {
        early = v;
      }
    }
    Validity worst = expired != null ? expired : early;
    return worst == null ? Optional.empty() : worst.check(at);
  }
}
