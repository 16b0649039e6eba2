package dev.dcapd.daemon.http;

import dev.dcapd.daemon.Listeners;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * The HTTP listener of {@code --http}: Phala's attestation API, report pages, metrics and health.
 *
 * @param address where to listen (port 0 picks a free port)
 * @param requestsPerSecond requests one client address may make per second before it is answered 429
 * @param tls the certificate chain and key to serve https with ({@code --http-tls-cert},
 *     {@code --http-tls-key}); absent: plain http
 */
public record HttpSettings(InetSocketAddress address, int requestsPerSecond, Optional<Listeners.Tls> tls) {
  /** The default {@code --http-rate}: generous for people and scripts, a bound for floods. */
  public static final int DEFAULT_REQUESTS_PER_SECOND = 200;

  /** Plain http. */
  public HttpSettings(InetSocketAddress address, int requestsPerSecond) {
    this(address, requestsPerSecond, Optional.empty());
  }

  public HttpSettings {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(tls, "tls");
    if (requestsPerSecond < 1) {
      throw new IllegalArgumentException("the HTTP rate must be at least 1 request per second");
    }
  }
}
