package dev.dcapd.collateral;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;

/**
 * Decides whether collateral a source delivered may be cached and used: that it is for the TEE,
 * FMSPC and CA asked for, that its chains, CRLs and signatures hold, and that it is current at
 * the instant. Nothing is cached or returned that has not passed.
 */
@FunctionalInterface
public interface CollateralCheck {
  /**
   * Returns the collateral with its validity window, or throws the failure code that explains
   * why it cannot be trusted.
   */
  CheckedCollateral check(QuoteCollateral collateral, TeeType tee, Bytes fmspc, CaType ca, Instant at)
      throws DcapException;

  /** {@link #check} with the parts of a key. */
  default CheckedCollateral check(QuoteCollateral collateral, CollateralKey key, Instant at) throws DcapException {
    return check(collateral, key.tee(), key.fmspc(), key.ca(), at);
  }
}
