package dev.dcapd.daemon;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import java.time.Instant;
import java.util.Optional;

/** Where the daemon gets the collateral to judge a quote against. */
@FunctionalInterface
public interface CollateralProvider {
  /**
   * Collateral for the quote's platform (TEE type, FMSPC, PCK CA) valid at {@code at}.
   *
   * @throws DcapException {@code COLLATERAL_UNAVAILABLE} when no source could provide it; a
   *     failure of another kind when the quote itself names no platform (e.g. no PCK chain)
   */
  QuoteCollateral forQuote(Quote quote, Instant at) throws DcapException;

  /**
   * What {@link #forQuote} would answer, if it can be had without waiting (held in memory);
   * otherwise empty, and the caller asks {@code forQuote} on a thread that may wait.
   */
  default Optional<QuoteCollateral> cached(Quote quote, Instant at) {
    return Optional.empty();
  }
}
