package dev.dcapd.daemon;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/** The daemon's counters and latency histogram, rendered in the Prometheus text format. */
public final class Metrics {
  private static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  private final AtomicLongArray bucketCounts = new AtomicLongArray(BUCKETS.length + 1);
  private final DoubleAdder latencySum = new DoubleAdder();
  private final LongAdder latencyCount = new LongAdder();
  /** Gauges by name, rendered in name order. */
  private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();

  /** One verification: its outcome, TCB status (may be empty) and failure code (may be empty). */
  public void verification(boolean success, String tcbStatus, String failureCode, long nanos) {
    count("dcapd_verifications_total{outcome=\"" + (success ? "success" : "failure") + "\",tcb_status=\""
        + tcbStatus + "\",failure_code=\"" + failureCode + "\"}");
    double seconds = nanos / 1e9;
    int i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]) {
      i++;
    }
    bucketCounts.incrementAndGet(i);
    latencySum.add(seconds);
    latencyCount.increment();
  }

  /** A collateral lookup: {@code result} is hit, fetch or failure; {@code source} names where. */
  public void collateral(String result, String source) {
    count("dcapd_collateral_requests_total{result=\"" + result + "\",source=\"" + source + "\"}");
  }

  /**
   * A stored quote's verdict changed, from one status to another (a TCB status or a failure
   * code, a bounded set), for a reason whose kind ({@code new collateral}, {@code collateral
   * expired}, {@code trust root changed}, ...) is the text before any {@code " for "} or {@code ";"}.
   */
  public void verdictChange(String from, String to, String reason) {
    String cause = reason.split(" for |;", 2)[0].replace(' ', '_');
    count("dcapd_verdict_changes_total{from=\"" + from + "\",to=\"" + to + "\",cause=\"" + cause + "\"}");
  }

  /** A new record was stored. */
  public void recordStored() {
    count("dcapd_records_stored_total");
  }

  /** A call refused for lack of capacity. */
  public void rejected() {
    count("dcapd_rpc_rejected_total{reason=\"capacity\"}");
  }

  /** A gauge read when the metrics are rendered, such as {@code dcapd_records}. */
  public void gauge(String name, LongSupplier supplier) {
    gauges.put(name, supplier);
  }

  private void count(String series) {
    counters.computeIfAbsent(series, k -> new LongAdder()).increment();
  }

  /** The current value of a counter series (for tests and logs). */
  public long counter(String series) {
    LongAdder a = counters.get(series);
    return a == null ? 0 : a.sum();
  }

  /** Prometheus text exposition format 0.0.4. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    Map<String, Long> sorted = new TreeMap<>();
    counters.forEach((k, v) -> sorted.put(k, v.sum()));
    String lastName = "";
    for (Map.Entry<String, Long> e : sorted.entrySet()) {
      String name = e.getKey().contains("{") ? e.getKey().substring(0, e.getKey().indexOf('{')) : e.getKey();
      if (!name.equals(lastName)) {
        sb.append("# TYPE ").append(name).append(" counter\n");
        lastName = name;
      }
      sb.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
    }
    sb.append("# TYPE dcapd_verify_duration_seconds histogram\n");
    long cumulative = 0;
    for (int i = 0; i < BUCKETS.length; i++) {
      cumulative += bucketCounts.get(i);
      sb.append("dcapd_verify_duration_seconds_bucket{le=\"").append(BUCKETS[i]).append("\"} ").append(cumulative).append('\n');
    }
    cumulative += bucketCounts.get(BUCKETS.length);
    sb.append("dcapd_verify_duration_seconds_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
    sb.append("dcapd_verify_duration_seconds_sum ").append(latencySum.sum()).append('\n');
    sb.append("dcapd_verify_duration_seconds_count ").append(latencyCount.sum()).append('\n');
    new TreeMap<>(gauges).forEach((name, supplier) ->
        sb.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(supplier.getAsLong()).append('\n'));
    return sb.toString();
  }
}
