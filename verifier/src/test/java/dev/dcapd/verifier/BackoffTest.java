package dev.dcapd.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void growsByItsMultiplierUpToItsCap() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(350));
    assertEquals(List.of(100L, 200L, 350L, 350L, 350L),
        List.of(1, 2, 3, 4, 1000).stream().map(a -> b.delay(a).toMillis()).toList());
    Backoff slow = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 1.5);
    assertEquals(List.of(100L, 150L, 225L), List.of(1, 2, 3).stream().map(a -> slow.delay(a).toMillis()).toList());
    assertEquals(Duration.ZERO, new Backoff(Duration.ZERO, Duration.ZERO).delay(5));
  }

  @Test
  void refusesWhatCannotBeABackoff() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofMillis(-1), Duration.ofMillis(1)));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofMillis(10), Duration.ofMillis(1)));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), 0.5));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)).delay(0));
  }
}
