package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import java.time.Instant;

/** Answers "the collateral for this TEE, FMSPC and CA that is valid at this instant". */
public interface CollateralCache {
  /**
   * Checked collateral for {@code key} that is current at {@code at}, from the cache or fetched.
   *
   * @throws CollateralUnavailableException when no source gives such collateral and the cache
   *     holds none
   * @throws DcapException {@code COLLATERAL_UNAVAILABLE} in other cases of the same kind
   */
  CachedCollateral get(CollateralKey key, Instant at) throws DcapException;
}
