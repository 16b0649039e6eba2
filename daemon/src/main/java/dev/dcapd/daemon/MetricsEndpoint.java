package dev.dcapd.daemon;

import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Serves a daemon's {@link Metrics} at {@code /metrics} on a small HTTP listener, through the
 * Prometheus client's handler: text format by default, OpenMetrics or gzip when the scraper asks.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private final HttpServer http;

  public MetricsEndpoint(InetSocketAddress address, Metrics metrics) throws IOException {
    http = HttpServer.create(address, 16);
    http.createContext("/metrics", new MetricsHandler(metrics.registry()));
    http.start();
  }

  /** The bound address (useful with port 0). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
