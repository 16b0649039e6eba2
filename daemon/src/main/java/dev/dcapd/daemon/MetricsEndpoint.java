package dev.dcapd.daemon;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** Serves {@link Metrics} as Prometheus text at {@code /metrics} on a small HTTP listener. */
public final class MetricsEndpoint implements AutoCloseable {
  private final HttpServer http;

  public MetricsEndpoint(InetSocketAddress address, Metrics metrics) throws IOException {
    http = HttpServer.create(address, 16);
    http.createContext("/metrics", exchange -> {
      byte[] body = metrics.render().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
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
