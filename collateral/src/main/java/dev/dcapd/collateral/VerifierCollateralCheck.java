package dev.dcapd.collateral;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.VerifiedCollateral;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/**
 * The collateral check the daemon and CLI use: the verifier's own {@link CollateralVerifier}
 * (chains to the trust anchor, CRLs, signatures over the exact text, version and id rules, time),
 * plus the two facts only a fetcher knows to ask — that it is for the FMSPC and PCK CA requested.
 * Sharing the verifier's instance means collateral proven here is not proven again per quote.
 */
public final class VerifierCollateralCheck implements CollateralCheck {
  private final CollateralVerifier verifier;
  private final TrustAnchor anchor;

  public VerifierCollateralCheck(CollateralVerifier verifier, TrustAnchor anchor) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.anchor = Objects.requireNonNull(anchor, "anchor");
  }

  /** A check trusting only the pinned Intel SGX Root CA, with a verifier of its own. */
  public static VerifierCollateralCheck intelRoot() {
    return new VerifierCollateralCheck(new CollateralVerifier(), TrustAnchor.intel());
  }

  /** INSECURE: a check trusting {@code root} instead of Intel's (tests, and the testkit's PKI). */
  public static VerifierCollateralCheck insecureTrustRoot(X509Certificate root) {
    return new VerifierCollateralCheck(new CollateralVerifier(), TrustAnchor.insecureCustomRoot(root));
  }

  @Override
  public CheckedCollateral check(QuoteCollateral collateral, TeeType tee, Bytes fmspc, CaType ca, Instant at)
      throws DcapException {
    // First whether it is what was asked for (a source serving another platform is the likeliest
    // mistake), then everything the verifier proves.
    TcbInfo claimed = TcbInfo.parse(collateral.tcbInfo());
    if (!claimed.fmspc().equals(fmspc)) {
      throw new DcapException(FailureCode.TCB_INFO_MISMATCH,
          "the TCB info is for FMSPC " + claimed.fmspc().hex() + ", not " + fmspc.hex());
    }
    VerifiedCollateral v = verifier.verify(collateral, tee, at, anchor);
    String issuer = PckCertChain.commonName(v.pckCrlIssuer().getSubjectX500Principal());
    if (!ca.commonName().equals(issuer)) {
      throw new DcapException(FailureCode.CRL_INVALID,
          "the PCK CRL is issued by '" + issuer + "', not by the " + ca.commonName());
    }
    return new CheckedCollateral(collateral, at, v.validFrom(), v.earliestExpiry());
  }
}
