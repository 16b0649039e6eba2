package dev.dcapd.sidecar;

import dev.dcapd.sidecar.agent.AgentEndpoint;
import dev.dcapd.verifier.Backoff;
import dev.dcapd.verifier.binding.KeyType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a sidecar is started with.
 *
 * @param agent the agent endpoint and the API it speaks ("dstack" or "tappd")
 * @param daemon the daemon's gRPC target, or empty to only mint and check locally
 * @param deriveKeyPath when present, the app key is derived by the agent for this path; else generated
 * @param interval how often the attestation is renewed
 * @param quoteBurst fresh nonce quotes allowed at once ...
 * @param quotePeriod ... and then one per this period
 * @param stateDir where the API token is written; needed by a TCP listener
 */
public record SidecarConfig(AgentEndpoint agent, String agentKind, Duration agentTimeout, Optional<String> daemon,
    Duration daemonTimeout, List<Listen> listen, KeyType keyType, Optional<String> deriveKeyPath, Duration interval,
    Backoff backoff, int quoteBurst, Duration quotePeriod, Optional<Path> stateDir) {
  /** The wait after a failed attestation: 1 s, doubling, at most a minute. */
  public static final Backoff DEFAULT_BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

  public SidecarConfig {
    Objects.requireNonNull(agent, "agent");
    if (!agentKind.equals("dstack") && !agentKind.equals("tappd")) {
      throw new IllegalArgumentException("the agent API is dstack or tappd, not " + agentKind);
    }
    listen = List.copyOf(listen);
    if (listen.isEmpty()) {
      throw new IllegalArgumentException("the local API needs somewhere to listen");
    }
    Objects.requireNonNull(stateDir, "stateDir");
    if (stateDir.isEmpty() && listen.stream().anyMatch(l -> l.tcp().isPresent())) {
      throw new IllegalArgumentException("a TCP listener needs a state directory for its API token");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the re-attestation interval must be positive");
    }
  }
}
