package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;

/**
 * One place collateral can come from (a PCS or PCCS server, a directory). A source only
 * delivers; whether what it delivered can be trusted is decided by a {@link CollateralCheck}.
 */
public interface CollateralSource {
  /** A short name for log lines and error reports, e.g. the base URL. */
  String name();

  /**
   * The collateral this source holds for {@code key}, without a PCK certificate chain.
   *
   * @throws DcapException {@code COLLATERAL_UNAVAILABLE} when the source cannot answer,
   *     {@code COLLATERAL_MALFORMED} when its answer cannot be read
   */
  QuoteCollateral fetch(CollateralKey key) throws DcapException;
}
