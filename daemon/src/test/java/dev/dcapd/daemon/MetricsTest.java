package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The daemon's series, as the Prometheus client's text format writes them. */
class MetricsTest {
  @Test
  void countersAndTheHistogramAreCumulative() {
    Metrics m = new Metrics();
    m.verification(true, "UpToDate", "", 2_000_000);
    m.verification(false, "", "QUOTE_SIGNATURE_INVALID", 40_000_000);
    m.recordStored();
    List<String> lines = m.render().lines().toList();
    assertTrue(lines.contains("# TYPE dcapd_verifications_total counter"), m.render());
    assertTrue(lines.contains(
        "dcapd_verifications_total{failure_code=\"QUOTE_SIGNATURE_INVALID\",outcome=\"failure\",tcb_status=\"\"} 1.0"),
        m.render());
    assertTrue(lines.contains("dcapd_verify_duration_seconds_bucket{le=\"0.0025\"} 1"), m.render());
    assertTrue(lines.contains("dcapd_verify_duration_seconds_bucket{le=\"0.05\"} 2"), m.render());
    assertTrue(lines.contains("dcapd_verify_duration_seconds_bucket{le=\"+Inf\"} 2"), m.render());
    assertTrue(lines.contains("dcapd_verify_duration_seconds_count 2"), m.render());
    assertTrue(lines.contains("dcapd_records_stored_total 1.0"), m.render());
    assertEquals(1, m.counter("dcapd_records_stored_total"));
  }

  @Test
  void aCounterIsFoundByItsLabelsInAnyOrder() {
    Metrics m = new Metrics();
    m.verification(true, "UpToDate", "", 1);
    m.verdictChange("UpToDate", "PCK_REVOKED", "new collateral for 00906ED50000");
    assertEquals(1, m.counter("dcapd_verifications_total{outcome=\"success\",tcb_status=\"UpToDate\",failure_code=\"\"}"));
    assertEquals(1, m.counter("dcapd_verifications_total{tcb_status=\"UpToDate\",failure_code=\"\",outcome=\"success\"}"));
    assertEquals(0, m.counter("dcapd_verifications_total{outcome=\"failure\",tcb_status=\"UpToDate\",failure_code=\"\"}"));
    assertEquals(1, m.counter("dcapd_verdict_changes_total{from=\"UpToDate\",to=\"PCK_REVOKED\",cause=\"new_collateral\"}"));
    assertEquals(0, m.counter("dcapd_rpc_rejected_total{reason=\"capacity\"}"));
  }

  @Test
  void labelValuesAreEscaped() {
    Metrics m = new Metrics();
    m.collateral("fetch", "dir:/a \"b\"\\c\nd");
    assertTrue(m.render().contains("dcapd_collateral_requests_total{result=\"fetch\",source=\"dir:/a \\\"b\\\"\\\\c\\nd\"} 1.0\n"),
        m.render());
    assertEquals(1, m.counter("dcapd_collateral_requests_total{result=\"fetch\",source=\"dir:/a \\\"b\\\"\\\\c\\nd\"}"));
  }

  @Test
  void gaugesAreReadWhenScraped() {
    Metrics m = new Metrics();
    AtomicLong cached = new AtomicLong(5);
    m.gauge("dcapd_records", () -> 3);
    m.gauge("dcapd_block_cache_bytes", "RocksDB block cache in use.", cached::get);
    cached.set(4096);
    List<String> lines = m.render().lines().toList();
    assertTrue(lines.contains("dcapd_records 3.0"), m.render());
    assertTrue(lines.contains("# HELP dcapd_block_cache_bytes RocksDB block cache in use."), m.render());
    assertTrue(lines.contains("# TYPE dcapd_block_cache_bytes gauge"), m.render());
    assertTrue(lines.contains("dcapd_block_cache_bytes 4096.0"), m.render());
  }
}
