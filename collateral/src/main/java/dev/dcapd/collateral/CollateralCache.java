package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import java.time.Instant;
import java.util.Optional;

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

  /**
   * Checked collateral current at a caller's instant (a {@code Check} in the past), for that call
   * only: nothing fetched for it replaces what {@link #get} answers for now.
   */
  default CachedCollateral getForInstant(CollateralKey key, Instant at) throws DcapException {
    throw new DcapException(dev.dcapd.verifier.FailureCode.COLLATERAL_UNAVAILABLE,
        "this cache answers for the current instant only");
  }

  /**
   * What {@link #get} would answer without waiting for a source or a disk: the entry held in
   * memory for {@code key} if it is current at {@code at}, else empty (and {@link #get} decides).
   * Callers on threads that must not block use it to choose between answering now and handing
   * the work to a thread that may.
   */
  default Optional<CachedCollateral> peek(CollateralKey key, Instant at) {
    return Optional.empty();
  }
}
