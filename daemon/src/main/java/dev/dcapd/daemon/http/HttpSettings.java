package dev.dcapd.daemon.http;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The HTTP listener of {@code --http}: Phala's attestation API, report pages, metrics and health.
 *
 * @param address where to listen (port 0 picks a free port)
 * @param requestsPerSecond requests one client address may make per second before it is answered 429
 */
public record HttpSettings(InetSocketAddress address, int requestsPerSecond) {
  /** The default {@code --http-rate}: generous for people and scripts, a bound for floods. */
  public static final int DEFAULT_REQUESTS_PER_SECOND = 200;

  public HttpSettings {
    Objects.requireNonNull(address, "address");
    if (requestsPerSecond < 1) {
      throw new IllegalArgumentException("the HTTP rate must be at least 1 request per second");
    }
  }
}
