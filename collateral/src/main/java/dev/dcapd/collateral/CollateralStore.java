package dev.dcapd.collateral;

import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a cache keeps its entries across restarts (the daemon backs it with its store). What comes
 * back from {@link #load} is checked again before use: a store is not trusted with validity.
 *
 * <p>A store several caches share (daemons on one database) also says which of them fetches a
 * key: {@link #claimFetch} is true for one at a time, and the others take what it saves.
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

  /** Whether other caches save to and load from this store too. */
  default boolean shared() {
    return false;
  }

  /**
   * Whether this cache may fetch {@code key} from the sources now: false while another cache
   * sharing the store holds the fetch (it expires if that one dies). Always true for a store that
   * is not shared.
   */
  default boolean claimFetch(CollateralKey key) {
    return true;
  }

  /** Ends a fetch {@link #claimFetch} allowed, once what it fetched is saved (or it failed). */
  default void releaseFetch(CollateralKey key) {}

  void save(CollateralKey key, Stored entry) throws IOException;
}
