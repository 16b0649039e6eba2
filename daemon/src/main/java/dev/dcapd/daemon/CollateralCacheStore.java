package dev.dcapd.daemon;

import dev.dcapd.collateral.CollateralKey;
import dev.dcapd.collateral.CollateralStore;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.proto.store.v1.CachedCollateral;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Keeps the collateral cache's entries in the store's {@code collateral_cache} family, so a
 * restarted daemon serves from what it had (after checking it again) instead of refetching. On a
 * store daemons share, it is their common cache: a lease per key lets one of them fetch it at a time.
 */
public final class CollateralCacheStore implements CollateralStore {
  /** How long a fetch lease holds if its daemon dies mid-fetch. */
  static final Duration FETCH_LEASE = Duration.ofSeconds(30);

  private final AttestationStore store;
  private final String trustRoot;
  private final String owner;

  /**
   * @param trustRoot hex SHA-256 of the root entries are checked under; entries saved under another are not loaded
   * @param owner this daemon's name in leases
   */
  public CollateralCacheStore(AttestationStore store, String trustRoot, String owner) {
    this.store = store;
    this.trustRoot = trustRoot;
    this.owner = owner;
  }

  @Override
  public boolean shared() {
    return store.shared();
  }

  @Override
  public boolean claimFetch(CollateralKey key) {
    return !store.shared() || store.claim("fetch/" + cacheKey(key), owner, FETCH_LEASE);
  }

  @Override
  public void releaseFetch(CollateralKey key) {
    if (store.shared()) {
      store.release("fetch/" + cacheKey(key), owner);
    }
  }

  static String cacheKey(CollateralKey key) {
    return key.tee().name() + "/" + key.fmspc().hex() + "/" + key.ca().pcsName();
  }

  @Override
  public Optional<Stored> load(CollateralKey key) throws IOException {
    Optional<CachedCollateral> entry = store.cachedCollateral(cacheKey(key));
    if (entry.isEmpty() || !entry.get().getTrustRoot().equals(trustRoot)) {
      return Optional.empty();
    }
    Optional<String> json = store.collateralJson(entry.get().getCollateralId());
    if (json.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Stored(QuoteCollateral.fromJson(json.get()), entry.get().getSource(),
          micros(entry.get().getFetchedAtMicros()), micros(entry.get().getEarliestExpiryMicros())));
    } catch (DcapException e) {
      throw new IOException("cached collateral " + entry.get().getCollateralId() + " cannot be read", e);
    }
  }

  @Override
  public void save(CollateralKey key, Stored entry) {
    CachedCollateral c = CachedCollateral.newBuilder()
        .setCollateralId(entry.collateral().id())
        .setFetchedAtMicros(ChronoUnit.MICROS.between(Instant.EPOCH, entry.fetchedAt()))
        .setEarliestExpiryMicros(ChronoUnit.MICROS.between(Instant.EPOCH, entry.earliestExpiry()))
        .setSource(entry.source())
        .setTrustRoot(trustRoot)
        .build();
    store.putCachedCollateral(cacheKey(key), c, entry.collateral().toJson());
  }

  private static Instant micros(long m) {
    return Instant.EPOCH.plus(m, ChronoUnit.MICROS);
  }
}
