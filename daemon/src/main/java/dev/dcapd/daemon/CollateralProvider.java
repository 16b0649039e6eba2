package dev.dcapd.daemon;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TeeType;
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

  /**
   * The id ({@link QuoteCollateral#id()}) of what {@link #cached} answers, without waiting: how
   * a stored verdict is shown to rest on the platform's current collateral. Empty when not held.
   */
  default Optional<String> currentId(Quote quote, Instant now) {
    return cached(quote, now).map(QuoteCollateral::id);
  }

  /**
   * Whether {@code collateralId} is the id of the collateral {@link #cached} answers now for
   * {@code quote}, whose platform ({@code tee}, {@code fmspc}, {@code ca}: as a stored record names
   * it) the caller already knows. The same answer as comparing with {@link #currentId}; a provider
   * may answer it without reading the quote's PCK chain.
   */
  default boolean isCurrent(String collateralId, TeeType tee, Bytes fmspc, String ca, Quote quote, Instant now) {
    return currentId(quote, now).map(collateralId::equals).orElse(false);
  }

  /**
   * Collateral current at a caller's instant, for that caller alone: what is fetched for it never
   * replaces the collateral that {@link #forQuote} answers for now.
   */
  default QuoteCollateral forQuoteAt(Quote quote, Instant at) throws DcapException {
    return forQuote(quote, at);
  }
}
