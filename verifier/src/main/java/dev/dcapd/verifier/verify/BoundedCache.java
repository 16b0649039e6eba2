package dev.dcapd.verifier.verify;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A thread-safe map of at most {@code capacity} entries, evicting the oldest insertion first.
 * Holds only what has been proven; a caller never puts a failure in.
 *
 * <p>Hand-written on purpose, where {@code collateral/} and {@code daemon/} use Caffeine: the
 * verifier depends on BouncyCastle and Jackson only (DESIGN.md), and everything it depends on
 * reaches every user of the client library and the sidecar, who are promised the verifier and
 * nothing else. What it memoises is keyed by content hash and never goes stale (time is checked at
 * every call), so it needs no expiry, no loading and no frequency-aware eviction; a hit is one
 * {@link ConcurrentHashMap#get}, which the warm path (one ECDSA verify per quote) can afford.
 */
final class BoundedCache<K, V> {
  private final int capacity;
  private final ConcurrentHashMap<K, V> map;
  private final ConcurrentLinkedQueue<K> order = new ConcurrentLinkedQueue<>();

  BoundedCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.map = new ConcurrentHashMap<>(Math.min(capacity, 1024) * 2);
  }

  V get(K key) {
    return map.get(key);
  }

  void put(K key, V value) {
    if (map.putIfAbsent(key, value) == null) {
      order.add(key);
      while (map.size() > capacity) {
        K oldest = order.poll();
        if (oldest == null) {
          break;
        }
        map.remove(oldest);
      }
    }
  }

  int size() {
    return map.size();
  }

  void clear() {
    map.clear();
    order.clear();
  }
}
