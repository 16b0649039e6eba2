package dev.dcapd.cluster;

import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** New collateral for a forged platform: Intel's next CRL, which revokes the case's PCK. */
final class Revocations {
  /** thisUpdate of the revoking CRL: after every forged case's instant. */
  static final Instant REVOKED_ON = Instant.parse("2026-06-01T00:00:00Z");

  private Revocations() {}

  static QuoteCollateral revoking(ForgedCase c) {
    QuoteCollateral a = c.collateral();
    byte[] crl = c.pki().pckCrl(c.spec().caType(), List.of(c.pckLeaf().getSerialNumber()), REVOKED_ON, Forge.NEXT_UPDATE);
    return new QuoteCollateral(a.pckCrlIssuerChain(), a.rootCaCrl(), Bytes.of(crl), a.tcbInfoIssuerChain(), a.tcbInfo(),
        a.tcbInfoSignature(), a.qeIdentityIssuerChain(), a.qeIdentity(), a.qeIdentitySignature(), Optional.empty());
  }
}
