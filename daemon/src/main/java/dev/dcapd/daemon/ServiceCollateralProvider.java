package dev.dcapd.daemon;

import dev.dcapd.collateral.CollateralService;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** The daemon's collateral: a {@link CollateralService} over its cache, with each lookup counted. */
public final class ServiceCollateralProvider implements CollateralProvider {
  private final CollateralService collateral;
  private final Metrics metrics;

  public ServiceCollateralProvider(CollateralService collateral, Metrics metrics) {
    this.collateral = Objects.requireNonNull(collateral, "collateral");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  @Override
  public QuoteCollateral forQuote(Quote quote, Instant at) throws DcapException {
    metrics.collateral("lookup", "cache");
    return collateral.forQuote(quote, at);
  }

  @Override
  public Optional<QuoteCollateral> cached(Quote quote, Instant at) {
    Optional<QuoteCollateral> c = collateral.cachedForQuote(quote, at);
    if (c.isPresent()) {
      metrics.collateral("lookup", "cache");
    }
    return c;
  }

  @Override
  public Optional<String> currentId(Quote quote, Instant now) {
    return collateral.cachedIdForQuote(quote, now);
  }

  @Override
  public QuoteCollateral forQuoteAt(Quote quote, Instant at) throws DcapException {
    metrics.collateral("lookup", "caller_instant");
    return collateral.forQuoteAt(quote, at);
  }
}
