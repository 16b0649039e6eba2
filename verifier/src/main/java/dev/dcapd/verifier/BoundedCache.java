package dev.dcapd.verifier;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A thread-safe map of at most {@code capacity} entries, evicting the oldest insertion first: the
 * memo for anything built once and asked for per request (proven chains and collateral, a
 * platform's answer parts, chains read from the store). Holds only what has been built
 * successfully; a caller never puts a failure in.
 */
public final class BoundedCache<K, V> {
  private final int capacity;
  private final ConcurrentHashMap<K, V> map;
  private final ConcurrentLinkedQueue<K> order = new ConcurrentLinkedQueue<>();

  public BoundedCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.map = new ConcurrentHashMap<>(Math.min(capacity, 1024) * 2);
  }

  /** The value for {@code key}, or {@code null}. */
  public V get(K key) {
    return map.get(key);
  }

  /** Adds {@code value} unless {@code key} has one already, then evicts the oldest beyond capacity. */
  public void put(K key, V value) {
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

  public int size() {
    return map.size();
  }

  public void clear() {
    map.clear();
    order.clear();
  }
}
