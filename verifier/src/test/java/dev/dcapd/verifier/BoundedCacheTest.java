package dev.dcapd.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The bounded memo every per-request cache uses. */
class BoundedCacheTest {
  @Test
  void keepsTheFirstValueAndEvictsTheOldestBeyondCapacity() {
    BoundedCache<String, Integer> c = new BoundedCache<>(2);
    c.put("a", 1);
    c.put("a", 9);
    assertEquals(1, c.get("a"), "a key keeps the value first put");
    c.put("b", 2);
    c.put("c", 3);
    assertEquals(2, c.size());
    assertNull(c.get("a"), "the oldest insertion goes first");
    assertEquals(2, c.get("b"));
    assertEquals(3, c.get("c"));
  }

  @Test
  void refusesANonPositiveCapacity() {
    assertThrows(IllegalArgumentException.class, () -> new BoundedCache<String, String>(0));
  }
}
