package dev.dcapd.daemon;

import dev.dcapd.daemon.token.ResultTokens;
import java.time.Duration;
import java.util.Objects;

/**
 * What one client may hold of what every client shares, and how soon a silent one loses it. A peer
 * is a client's IP address (gRPC and HTTP alike; behind a proxy, the proxy's); every Unix-socket
 * client is one local peer, as grpc-java does not tell the server a socket's credentials.
 *
 * @param watchersPerPeer {@code WatchVerdicts} streams one peer may hold open
 *     ({@code --max-watchers-per-peer}; the daemon holds {@value #TOTAL_WATCHERS} in all)
 * @param challengesPerPeer nonces from {@code GetChallenge} / {@code POST /api/v1/challenge} one peer
 *     may hold open, neither used nor expired ({@code --max-challenges-per-peer})
 * @param keepAliveTime how long a connection may be silent before the server pings it (at least
 *     {@link #MIN_KEEPALIVE_TIME}, gRPC's floor)
 * @param keepAliveTimeout how long the server waits for the ping's answer before it closes the
 *     connection and ends its streams
 */
public record PeerLimits(int watchersPerPeer, int challengesPerPeer, Duration keepAliveTime, Duration keepAliveTimeout) {
  /** Streams open at once, all peers together. */
  public static final int TOTAL_WATCHERS = 256;
  public static final int DEFAULT_WATCHERS_PER_PEER = 16;
  public static final int DEFAULT_CHALLENGES_PER_PEER = ResultTokens.DEFAULT_CHALLENGES_PER_PEER;
  /** A dead peer's streams are ended within about 40 seconds. */
  public static final Duration DEFAULT_KEEPALIVE_TIME = Duration.ofSeconds(30);
  public static final Duration DEFAULT_KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);
  /** gRPC pings no sooner than this, whatever it is asked. */
  public static final Duration MIN_KEEPALIVE_TIME = Duration.ofSeconds(10);
  public static final PeerLimits DEFAULTS = new PeerLimits(DEFAULT_WATCHERS_PER_PEER, DEFAULT_CHALLENGES_PER_PEER,
      DEFAULT_KEEPALIVE_TIME, DEFAULT_KEEPALIVE_TIMEOUT);

  public PeerLimits {
    Objects.requireNonNull(keepAliveTime, "keepAliveTime");
    Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
    if (watchersPerPeer < 1 || watchersPerPeer > TOTAL_WATCHERS) {
      throw new IllegalArgumentException("the WatchVerdicts streams per peer must be between 1 and " + TOTAL_WATCHERS);
    }
    if (challengesPerPeer < 1) {
      throw new IllegalArgumentException("the open challenges per peer must be at least 1");
    }
    if (keepAliveTime.compareTo(MIN_KEEPALIVE_TIME) < 0 || keepAliveTimeout.isNegative() || keepAliveTimeout.isZero()) {
      throw new IllegalArgumentException("the keepalive time must be at least " + MIN_KEEPALIVE_TIME.toSeconds()
          + " s and its timeout positive");
    }
  }
}
