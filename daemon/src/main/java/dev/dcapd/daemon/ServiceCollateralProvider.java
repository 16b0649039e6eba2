package dev.dcapd.daemon;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dcapd.collateral.CachedCollateral;
import dev.dcapd.collateral.CollateralKey;
import dev.dcapd.collateral.CollateralService;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/** The daemon's collateral: a {@link CollateralService} over its cache, with each lookup counted. */
public final class ServiceCollateralProvider implements CollateralProvider {
  /** How many collateral ids are remembered with the cache entry they were derived from. */
  static final int DERIVED_LIMIT = 4096;

  private final CollateralService collateral;
  private final Metrics metrics;
  /**
   * A collateral id (the platform's collateral with one quote's PCK chain) and the cache entry it
   * was derived from, by identity. The cache installs a new entry object for anything it installs
   * and never installs an older one, so an id found here with the entry held now rests on it.
   */
  private final Cache<String, CachedCollateral> derived = Caffeine.newBuilder().maximumSize(DERIVED_LIMIT).build();

  /** Installs newer collateral another daemon sharing the store installed; true if it did. */
  private final Predicate<CollateralKey> adoptFromPeers;

  public ServiceCollateralProvider(CollateralService collateral, Metrics metrics) {
    this(collateral, metrics, key -> false);
  }

  /**
   * @param adoptFromPeers asked when a record names collateral other than the entry held: on a
   *     store daemons share, another may have installed newer collateral and judged the record by
   *     it, and judging it again by the older entry held here would roll the record back
   */
  public ServiceCollateralProvider(CollateralService collateral, Metrics metrics, Predicate<CollateralKey> adoptFromPeers) {
    this.collateral = Objects.requireNonNull(collateral, "collateral");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.adoptFromPeers = Objects.requireNonNull(adoptFromPeers, "adoptFromPeers");
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

  /**
   * Reads: the record's platform names the cache entry without parsing the quote's PCK chain; an id
   * already derived from that very entry is current. Otherwise the id is derived again from the
   * quote, and remembered with the entry looked up <em>before</em> deriving it, so that a race with
   * an install can only tie it to the older entry, which never comes back.
   */
  @Override
  public boolean isCurrent(String collateralId, TeeType tee, Bytes fmspc, String ca, Quote quote, Instant now) {
    CaType caType = CaType.fromPcsName(ca);
    if (caType == null || fmspc.length() != CollateralKey.FMSPC_LENGTH) {
      return CollateralProvider.super.isCurrent(collateralId, tee, fmspc, ca, quote, now);
    }
    CollateralKey key = new CollateralKey(tee, fmspc, caType);
    Optional<CachedCollateral> entry = collateral.peek(key, now);
    if (entry.isPresent() && derived.getIfPresent(collateralId) == entry.get()) {
      return true;
    }
    if (entry.isPresent() && derivedFrom(entry.get(), collateralId, quote, now)) {
      return true;
    }
    if (!adoptFromPeers.test(key)) {
      return false;
    }
    entry = collateral.peek(key, now);
    return entry.isPresent() && derivedFrom(entry.get(), collateralId, quote, now);
  }

  /** Whether the quote's collateral derived from the entry held is {@code collateralId} (remembered if so). */
  private boolean derivedFrom(CachedCollateral entry, String collateralId, Quote quote, Instant now) {
    Optional<String> id = currentId(quote, now);
    if (id.isEmpty() || !id.get().equals(collateralId)) {
      return false;
    }
    derived.put(collateralId, entry);
    return true;
  }

  @Override
  public QuoteCollateral forQuoteAt(Quote quote, Instant at) throws DcapException {
    metrics.collateral("lookup", "caller_instant");
    return collateral.forQuoteAt(quote, at);
  }
}
