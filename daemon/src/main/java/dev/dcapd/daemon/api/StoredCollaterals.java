package dev.dcapd.daemon.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.util.Optional;

/**
 * The collateral records were judged against, by content id: thousands of records share one
 * (about 20 KB of JSON), so answers do not read and parse it again for each. Bounded.
 */
public final class StoredCollaterals {
  /** Far more platforms than a daemon serves at once; an entry is about 20 KB parsed. */
  static final int CAPACITY = 1024;

  /** Collateral stored under its content id. */
  public record Known(String id, QuoteCollateral model) {}

  private final AttestationStore store;
  private final Cache<String, Known> byId = Caffeine.newBuilder().maximumSize(CAPACITY).build();

  StoredCollaterals(AttestationStore store) {
    this.store = store;
  }

  /** Whether collateral with this id is stored (true for the empty id: nothing to store). */
  boolean isStored(String id) {
    return id.isEmpty() || byId.getIfPresent(id) != null || store.collateralJson(id).isPresent();
  }

  /** Keeps collateral just stored (or about to be) under its id. */
  void remember(String id, QuoteCollateral c) {
    byId.get(id, k -> new Known(k, c));
  }

  /** The collateral with this id, from memory or the store; empty for the empty id (judged without). */
  Optional<Known> known(String id) {
    if (id.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(byId.get(id, this::read));
  }

  private Known read(String id) {
    String json = store.collateralJson(id).orElseThrow(
        () -> AttestationFailure.internal("collateral " + id + " referenced by a record is missing from the store"));
    try {
      return new Known(id, QuoteCollateral.fromJson(json));
    } catch (DcapException e) {
      throw AttestationFailure.internal("stored collateral " + id + " cannot be read: " + e.getMessage());
    }
  }
}
