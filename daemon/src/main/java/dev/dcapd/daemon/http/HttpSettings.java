package dev.dcapd.daemon.http;

import dev.dcapd.daemon.Listeners;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The HTTP listener of {@code --http}: Phala's attestation API, report pages, metrics and health.
 *
 * @param address where to listen (port 0 picks a free port)
 * @param requestsPerSecond requests one client address may make per second before it is answered 429
 * @param tls the certificate chain and key to serve https with ({@code --http-tls-cert},
 *     {@code --http-tls-key}); absent: plain http
 * @param idleTimeout how long a connection may send nothing ({@code --http-idle-timeout}): an
 *     upload whose body stops is answered 408 and closed after it
 * @param minDataRate the bytes per second a request body must arrive at, on average from its
 *     start once the first second is past ({@code --http-min-data-rate}): slower is answered 408
 */
public record HttpSettings(InetSocketAddress address, int requestsPerSecond, Optional<Listeners.Tls> tls,
    Duration idleTimeout, long minDataRate) {
  /** The default {@code --http-rate}: generous for people and scripts, a bound for floods. */
  public static final int DEFAULT_REQUESTS_PER_SECOND = 200;
  /** The default {@code --http-idle-timeout}. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  /** The default {@code --http-min-data-rate}: a quote (a few KiB) comes in within seconds even on a poor link. */
  public static final long DEFAULT_MIN_DATA_RATE = 1024;

  /** Plain http. */
  public HttpSettings(InetSocketAddress address, int requestsPerSecond) {
    this(address, requestsPerSecond, Optional.empty());
  }

  /** The default idle timeout and minimum data rate. */
  public HttpSettings(InetSocketAddress address, int requestsPerSecond, Optional<Listeners.Tls> tls) {
    this(address, requestsPerSecond, tls, DEFAULT_IDLE_TIMEOUT, DEFAULT_MIN_DATA_RATE);
  }

  public HttpSettings {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (requestsPerSecond < 1) {
      throw new IllegalArgumentException("the HTTP rate must be at least 1 request per second");
    }
    if (idleTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("the HTTP idle timeout must be at least a second");
    }
    if (minDataRate < 1) {
      throw new IllegalArgumentException("the HTTP minimum data rate must be at least 1 byte per second");
    }
  }
}
