package dev.dcapd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Target parsing and the retry schedule (the calls themselves are tested against a live daemon in the daemon module). */
class TargetAndRetryTest {
  @Test
  void targets() {
    Target tcp = Target.parse("127.0.0.1:50051");
    assertEquals("127.0.0.1", tcp.host());
    assertEquals(50051, tcp.port());
    assertFalse(tcp.unix());
    assertEquals("::1", Target.parse("[::1]:7").host());
    assertEquals("[::1]:7", Target.parse("[::1]:7").toString());
    Target unix = Target.parse("unix:/run/dcapd.sock");
    assertTrue(unix.unix());
    assertEquals(Path.of("/run/dcapd.sock"), unix.socket());
    assertEquals(Path.of("/run/dcapd.sock"), Target.parse("unix:///run/dcapd.sock").socket());
    for (String bad : new String[] {"localhost", "host:", ":80", "host:0", "host:65536", "host:http", "unix:"}) {
      assertThrows(IllegalArgumentException.class, () -> Target.parse(bad), bad);
    }
  }

  @Test
  void backoffGrowsToItsCap() {
    RetryPolicy p = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofMillis(500), 2.0);
    assertEquals(Duration.ofMillis(100), p.backoff(1));
    assertEquals(Duration.ofMillis(200), p.backoff(2));
    assertEquals(Duration.ofMillis(400), p.backoff(3));
    assertEquals(Duration.ofMillis(500), p.backoff(4));
    assertEquals(Duration.ofMillis(500), p.backoff(40));
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ofMillis(1), Duration.ofMillis(1), 2));
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(1), 2));
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1), 0.5));
  }
}
