package dev.dcapd.verifier.verify;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A thread-safe map of at most {@code capacity} entries, evicting the oldest insertion first.
 * Holds only what has been proven; a caller never puts a failure in.
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
