package dev.dcapd.daemon;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon's metrics, on a registry of its own (several daemons may share a JVM in tests), which
 * {@link MetricsEndpoint} serves.
 */
public final class Metrics {
  /** Upper bounds in seconds: a Get takes well under a millisecond, a first Verify with a fetch seconds. */
  private static final double[] LATENCY_BUCKETS =
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  // No exemplars: the daemon has no tracer, and sampling them costs on every call.
  private final Counter verifications = Counter.builder()
      .name("dcapd_verifications_total")
      .help("Quotes verified, by outcome, TCB status and failure code.")
      .labelNames("outcome", "tcb_status", "failure_code")
      .withoutExemplars()
      .register(registry);
  private final Histogram verifyDuration = Histogram.builder()
      .name("dcapd_verify_duration_seconds")
      .help("Time to judge one quote, collateral lookup included.")
      .classicOnly()
      .classicUpperBounds(LATENCY_BUCKETS)
      .withoutExemplars()
      .register(registry);
  private final Counter collateralRequests = Counter.builder()
      .name("dcapd_collateral_requests_total")
      .help("Collateral lookups (cache), fetches and failures, by source.")
      .labelNames("result", "source")
      .withoutExemplars()
      .register(registry);
  private final Counter verdictChanges = Counter.builder()
      .name("dcapd_verdict_changes_total")
      .help("Stored verdicts that changed on re-appraisal, by old and new status and cause.")
      .labelNames("from", "to", "cause")
      .withoutExemplars()
      .register(registry);
  private final Counter recordsStored = Counter.builder()
      .name("dcapd_records_stored_total")
      .help("New records stored.")
      .withoutExemplars()
      .register(registry);
  private final Counter rejected = Counter.builder()
      .name("dcapd_rpc_rejected_total")
      .help("Calls refused with RESOURCE_EXHAUSTED, by reason.")
      .labelNames("reason")
      .withoutExemplars()
      .register(registry);
  private final Counter grpcHandled = Counter.builder()
      .name("dcapd_grpc_server_handled_total")
      .help("gRPC calls completed, by full method name and status code.")
      .labelNames("method", "code")
      .withoutExemplars()
      .register(registry);
  private final Histogram grpcHandling = Histogram.builder()
      .name("dcapd_grpc_server_handling_seconds")
      .help("Time from a unary gRPC call's start to its status, by full method name.")
      .labelNames("method")
      .classicOnly()
      .classicUpperBounds(LATENCY_BUCKETS)
      .withoutExemplars()
      .register(registry);

  public Metrics() {
    // Each collector on its own rather than JvmMetrics.register(), which keeps every registry it
    // was given in a static set and counts allocations through GC listeners that are never removed:
    // one more set of both for each daemon a JVM starts.
    JvmMemoryMetrics.builder().register(registry);
    JvmBufferPoolMetrics.builder().register(registry);
    JvmGarbageCollectorMetrics.builder().register(registry);
    JvmThreadsMetrics.builder().register(registry);
    JvmClassLoadingMetrics.builder().register(registry);
    JvmRuntimeInfoMetric.builder().register(registry);
    ProcessMetrics.builder().register(registry);
  }

  /** One verification: its outcome, TCB status (may be empty) and failure code (may be empty). */
  public void verification(boolean success, String tcbStatus, String failureCode, long nanos) {
    verifications.labelValues(success ? "success" : "failure", tcbStatus, failureCode).inc();
    verifyDuration.observe(nanos / 1e9);
  }

  /** A collateral lookup: {@code result} is hit, fetch or failure; {@code source} names where. */
  public void collateral(String result, String source) {
    collateralRequests.labelValues(result, source).inc();
  }

  /**
   * A stored quote's verdict changed, from one status to another (a TCB status or a failure
   * code, a bounded set), for a reason whose kind ({@code new collateral}, {@code collateral
   * expired}, {@code trust root changed}, ...) is the text before any {@code " for "} or {@code ";"}.
   */
  public void verdictChange(String from, String to, String reason) {
    String cause = reason.split(" for |;", 2)[0].replace(' ', '_');
    verdictChanges.labelValues(from, to, cause).inc();
  }

  /** A new record was stored. */
  public void recordStored() {
    recordsStored.inc();
  }

  /** A call refused for lack of capacity. */
  public void rejected() {
    rejected("capacity");
  }

  /** A call refused with RESOURCE_EXHAUSTED for {@code reason}, such as {@code watchers_per_peer}. */
  public void rejected(String reason) {
    rejected.labelValues(reason).inc();
  }

  /**
   * A gRPC call ended with {@code code} ({@link io.grpc.Status.Code}'s name); {@code nanos} is its
   * handling time, or negative not to time it (a stream lives as long as its client wants).
   */
  void grpcHandled(String method, String code, long nanos) {
    grpcHandled.labelValues(method, code).inc();
    if (nanos >= 0) {
      grpcHandling.labelValues(method).observe(nanos / 1e9);
    }
  }

  /** A gauge read when the metrics are scraped, such as {@code dcapd_records}. */
  public void gauge(String name, LongSupplier supplier) {
    gauge(name, null, supplier);
  }

  /** A gauge read when the metrics are scraped, with its {@code # HELP} text. */
  public void gauge(String name, String help, LongSupplier supplier) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(g -> g.call(supplier.getAsLong()))
        .register(registry);
  }

  /** The registry {@link MetricsEndpoint} serves. */
  public PrometheusRegistry registry() {
    return registry;
  }

  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * The current value of a counter series, written as in the text format with its labels in any
   * order, such as {@code dcapd_rpc_rejected_total{reason="capacity"}}; 0 if it was never counted.
   * For tests and logs.
   */
  public long counter(String series) {
    int brace = series.indexOf('{');
    String name = brace < 0 ? series : series.substring(0, brace);
    List<String> pairs = new ArrayList<>();
    if (brace >= 0) {
      Matcher m = LABEL.matcher(series.substring(brace + 1, series.lastIndexOf('}')));
      while (m.find()) {
        pairs.add(m.group(1));
        pairs.add(unescape(m.group(2)));
      }
    }
    Labels labels = Labels.of(pairs.toArray(String[]::new));
    for (MetricSnapshot s : registry.scrape()) {
      if (s instanceof CounterSnapshot c && (c.getMetadata().getPrometheusName() + "_total").equals(name)) {
        for (CounterSnapshot.CounterDataPointSnapshot p : c.getDataPoints()) {
          if (p.getLabels().equals(labels)) {
            return (long) p.getValue();
          }
        }
      }
    }
    return 0;
  }

  /** A label value as the text format escapes it ({@code \\}, {@code \"}, {@code \n}), unescaped. */
  private static String unescape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char next = s.charAt(++i);
        sb.append(next == 'n' ? '\n' : next);
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Everything on the registry in the Prometheus text format (0.0.4), as a scrape without an Accept header gets it. */
  public String render() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
