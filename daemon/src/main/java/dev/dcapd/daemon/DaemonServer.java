package dev.dcapd.daemon;

import dev.dcapd.daemon.api.AttestationServiceImpl;
import dev.dcapd.daemon.api.Peers;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC server around the attestation service: health, reflection, the capacity limit, each
 * call's peer ({@link Peers}) and per-method metrics. It takes a {@link ServerBuilder} so tests can use the in-process transport.
 *
 * <p>Calls run on the transport's own threads (one per core, see {@link Listeners}): the service
 * hands anything that may wait to its bounded worker pool ({@link #workerPool}), so a thread hop
 * is paid only where it buys something.
 */
public final class DaemonServer {
  /** Default maximum inbound message: a quote is about 5 KB, collateral in Check about 20 KB. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024;

  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();

  /**
   * @param maxInFlight calls running or queued before new ones get RESOURCE_EXHAUSTED
   */
  public DaemonServer(ServerBuilder<?> builder, AttestationServiceImpl service, Metrics metrics, int maxInFlight,
      int maxMessageBytes) {
    this.server = builder
        .directExecutor()
        .maxInboundMessageSize(maxMessageBytes)
        .addService(ServerInterceptors.intercept(service, new CapacityLimiter(maxInFlight, metrics), Peers.interceptor()))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        // On the server, not the service: it also sees the calls the capacity limit refuses.
        .intercept(new CallMetrics(metrics))
        .build();
  }

  /**
   * The pool for calls that may wait, {@code threads} strong. Its queue never holds more than the
   * capacity limit's calls: the limiter refuses the rest first.
   */
  public static ExecutorService workerPool(int threads) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "dcapd-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  public DaemonServer start() throws IOException {
    server.start();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus("dcapd.v1.AttestationService", ServingStatus.SERVING);
    return this;
  }

  /**
   * What gRPC health answers for the server and the attestation service: SERVING, or NOT_SERVING
   * while the store refuses writes (its disk is full).
   */
  public void serving(boolean serving) {
    ServingStatus s = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus("", s);
    health.setStatus("dcapd.v1.AttestationService", s);
  }

  /**
   * Stops accepting calls, lets those in flight finish for up to {@code graceMillis}, then cancels
   * the rest.
   */
  public void stop(long graceMillis) throws InterruptedException {
    health.enterTerminalState();
    server.shutdown();
    if (!server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
      server.shutdownNow();
      server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS);
    }
  }

  public Server server() {
    return server;
  }
}
