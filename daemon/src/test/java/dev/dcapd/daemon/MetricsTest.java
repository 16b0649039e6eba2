package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The Prometheus text the daemon serves at {@code /metrics}. */
class MetricsTest {
  @Test
  void countersAndTheHistogramAreCumulative() {
    Metrics m = new Metrics();
    m.verification(true, "UpToDate", "", 2_000_000);
    m.verification(false, "", "QUOTE_SIGNATURE_INVALID", 40_000_000);
    m.recordStored();
    String text = m.render();
    assertTrue(text.contains("# TYPE dcapd_verifications_total counter\n"), text);
    assertTrue(text.contains("dcapd_verifications_total{outcome=\"failure\",tcb_status=\"\",failure_code=\"QUOTE_SIGNATURE_INVALID\"} 1\n"), text);
    assertTrue(text.contains("dcapd_verify_duration_seconds_bucket{le=\"0.0025\"} 1\n"), text);
    assertTrue(text.contains("dcapd_verify_duration_seconds_bucket{le=\"0.05\"} 2\n"), text);
    assertTrue(text.contains("dcapd_verify_duration_seconds_bucket{le=\"+Inf\"} 2\n"), text);
    assertTrue(text.contains("dcapd_verify_duration_seconds_count 2\n"), text);
    assertEquals(1, m.counter("dcapd_records_stored_total"));
  }

  @Test
  void gaugesAreReadWhenRenderedAndListedByName() {
    Metrics m = new Metrics();
    AtomicLong cached = new AtomicLong(5);
    m.gauge("dcapd_records", () -> 3);
    m.gauge("dcapd_block_cache_bytes", cached::get);
    cached.set(4096);
    List<String> lines = m.render().lines().dropWhile(l -> !l.contains("gauge")).toList();
    assertEquals(List.of(
        "# TYPE dcapd_block_cache_bytes gauge", "dcapd_block_cache_bytes 4096",
        "# TYPE dcapd_records gauge", "dcapd_records 3"), lines);
  }
}
