package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.WatchVerdictsRequest;
import dev.dcapd.verifier.Vectors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole daemon's {@code /metrics}, scraped over HTTP after real gRPC calls: the Prometheus
 * client's formats, calls by method and status code, escaped label values, JVM metrics.
 */
class DaemonMetricsTest {
  private static final Instant TDX_AT = Instant.ofEpochSecond(1752919234L);
  private static final String VERIFY = "dcapd.v1.AttestationService/Verify";

  @TempDir Path dir;
  /** An operator's collateral folder whose name a label carries: a quote, a backslash, a newline. */
  private Path collateral;
  private Daemon daemon;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    collateral = Files.createDirectories(dir.resolve("col\"lat\\eral\nfiles"));
    Files.writeString(collateral.resolve("tdx.json"), Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    DaemonConfig config = new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(),
        dir.resolve("data"), List.of(), Optional.of(collateral), Optional.empty(),
        Optional.of(new InetSocketAddress("127.0.0.1", 0)), false, Optional.empty(), 2, 64,
        DaemonServer.DEFAULT_MAX_MESSAGE_BYTES, 16 << 20, Duration.ofSeconds(2), Duration.ofSeconds(2));
    daemon = Daemon.start(TestStores.on(config), Clock.fixed(TDX_AT, ZoneOffset.UTC));
    channel = NettyChannelBuilder.forAddress(daemon.grpcAddress().orElseThrow()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    daemon.close();
  }

  private AttestationServiceGrpc.AttestationServiceBlockingStub stub() {
    return AttestationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static VerifyRequest upload(byte[] quote) {
    return VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(quote)).build();
  }

  private HttpResponse<String> scrape(String accept) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + daemon.metricsAddress().orElseThrow().getPort() + "/metrics"));
    if (accept != null) {
      r.header("Accept", accept);
    }
    HttpResponse<String> response = HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return response;
  }

  @Test
  void callsAreCountedByMethodAndStatusCode() throws Exception {
    assertTrue(stub().verify(upload(Vectors.bytes("dcap-qvl/tdx_quote"))).getSuccess());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub().verify(upload(new byte[] {1, 2, 3})));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());

    HttpResponse<String> response = scrape(null);
    assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
    List<String> lines = response.body().lines().toList();
    assertTrue(lines.contains("# TYPE dcapd_grpc_server_handled_total counter"), response.body());
    // The library writes labels in name order and every counter as a double.
    assertTrue(lines.contains("dcapd_grpc_server_handled_total{code=\"OK\",method=\"" + VERIFY + "\"} 1.0"), response.body());
    assertTrue(lines.contains("dcapd_grpc_server_handled_total{code=\"INVALID_ARGUMENT\",method=\"" + VERIFY + "\"} 1.0"),
        response.body());
    assertTrue(lines.contains("dcapd_grpc_server_handled_total{code=\"OK\",method=\"grpc.health.v1.Health/Check\"} 1.0"),
        response.body());
    assertTrue(lines.contains("# TYPE dcapd_grpc_server_handling_seconds histogram"), response.body());
    assertTrue(lines.contains("dcapd_grpc_server_handling_seconds_count{method=\"" + VERIFY + "\"} 2"), response.body());
    assertTrue(lines.contains("dcapd_grpc_server_handling_seconds_bucket{method=\"" + VERIFY + "\",le=\"+Inf\"} 2"),
        response.body());
    assertTrue(lines.contains(
        "dcapd_verifications_total{failure_code=\"\",outcome=\"success\",tcb_status=\"UpToDate\"} 1.0"), response.body());
    assertEquals(1, daemon.metrics().counter(
        "dcapd_grpc_server_handled_total{method=\"" + VERIFY + "\",code=\"INVALID_ARGUMENT\"}"));
  }

  @Test
  void aStreamTheClientCancelsIsCountedOnceAsCancelled() throws Exception {
    Context.CancellableContext watching = Context.current().withCancellation();
    watching.run(() -> AttestationServiceGrpc.newStub(channel).watchVerdicts(WatchVerdictsRequest.getDefaultInstance(),
        new StreamObserver<VerdictChange>() {
          @Override
          public void onNext(VerdictChange value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        }));
    String cancelled = "dcapd_grpc_server_handled_total{method=\"dcapd.v1.AttestationService/WatchVerdicts\",code=\"CANCELLED\"}";
    await(() -> daemon.watchers() == 1);
    assertEquals(0, daemon.metrics().counter(cancelled));
    watching.cancel(null);
    await(() -> daemon.metrics().counter(cancelled) == 1);
    await(() -> daemon.watchers() == 0);
    assertEquals(1, daemon.metrics().counter(cancelled));
    // A stream lives as long as its client: it is counted, not timed.
    assertTrue(scrape(null).body().lines().noneMatch(l -> l.contains("handling_seconds") && l.contains("WatchVerdicts")));
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(10);
    }
  }

  @Test
  void labelValuesAreEscaped() throws Exception {
    assertTrue(stub().verify(upload(Vectors.bytes("dcap-qvl/tdx_quote"))).getSuccess());
    String source = "dir:" + collateral;
    String escaped = source.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    String body = scrape(null).body();
    // One fetch for the upload, and maybe a second: the clock stands within the refresh margin of
    // the collateral's nextUpdate, so the cache also refreshes it once in the background, at a
    // moment of its own. The label's escaping is what is tested; the count is at least one.
    String series = "dcapd_collateral_requests_total{result=\"fetch\",source=\"" + escaped + "\"}";
    assertTrue(body.lines().anyMatch(l -> l.equals(series + " 1.0") || l.equals(series + " 2.0")), body);
    assertTrue(daemon.metrics().counter(series) >= 1);
  }

  @Test
  void openMetricsWhenTheScraperAsksForIt() throws Exception {
    HttpResponse<String> response = scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("application/openmetrics-text"));
    assertTrue(response.body().endsWith("# EOF\n"), response.body());
  }

  @Test
  void jvmAndProcessMetrics() throws Exception {
    List<String> lines = scrape(null).body().lines().toList();
    for (String prefix : List.of("jvm_memory_used_bytes{area=\"heap\"} ", "jvm_gc_collection_seconds_count{gc=",
        "jvm_threads_current ", "jvm_buffer_pool_used_bytes{pool=\"direct\"} ", "process_cpu_seconds_total ",
        "jvm_runtime_info{")) {
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(prefix)), prefix + " in\n" + String.join("\n", lines));
    }
    if (TestStores.cassandraFor(dir.resolve("data")).isEmpty()) {
      // RocksDB's own gauge.
      assertTrue(lines.contains("dcapd_block_cache_capacity_bytes " + (double) (16 << 20)), String.join("\n", lines));
    }
  }
}
