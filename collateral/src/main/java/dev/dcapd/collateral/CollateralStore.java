package dev.dcapd.collateral;

import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a cache keeps its entries across restarts (the daemon backs it with RocksDB). What comes
 * back from {@link #load} is checked again before use: a store is not trusted with validity.
 */
public interface CollateralStore {
  /** A store that keeps nothing. */
  CollateralStore NONE = new CollateralStore() {
    @Override
    public Optional<Stored> load(CollateralKey key) {
      return Optional.empty();
    }

    @Override
    public void save(CollateralKey key, Stored entry) {}
  };

  /** One entry: the collateral, where and when it was fetched, and its earliest expiry. */
  record Stored(QuoteCollateral collateral, String source, Instant fetchedAt, Instant earliestExpiry) {
    public Stored {
      Objects.requireNonNull(collateral, "collateral");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(fetchedAt, "fetchedAt");
      Objects.requireNonNull(earliestExpiry, "earliestExpiry");
    }
  }

  Optional<Stored> load(CollateralKey key) throws IOException;

  void save(CollateralKey key, Stored entry) throws IOException;
}
