package dev.dcapd.daemon;

import dev.dcapd.collateral.CollateralKey;
import dev.dcapd.collateral.CollateralSource;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;

/** Counts a collateral source's fetches and failures in the daemon's metrics. */
final class MeteredSource implements CollateralSource {
  private final CollateralSource source;
  private final Metrics metrics;

  MeteredSource(CollateralSource source, Metrics metrics) {
    this.source = source;
    this.metrics = metrics;
  }

  @Override
  public String name() {
    return source.name();
  }

  @Override
  public QuoteCollateral fetch(CollateralKey key) throws DcapException {
    try {
      QuoteCollateral c = source.fetch(key);
      metrics.collateral("fetch", source.name());
      return c;
    } catch (DcapException | RuntimeException e) {
      metrics.collateral("failure", source.name());
      throw e;
    }
  }

  @Override
  public String toString() {
    return source.toString();
  }
}
