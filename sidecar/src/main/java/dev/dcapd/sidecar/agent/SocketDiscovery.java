package dev.dcapd.sidecar.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Finds the guest agent the way dstack's SDKs do: a simulator endpoint from the environment
 * ({@code DSTACK_SIMULATOR_ENDPOINT}, then {@code TAPPD_SIMULATOR_ENDPOINT}), else the first
 * socket that exists of {@code /var/run/X.sock}, {@code /run/X.sock}, {@code /var/run/dstack/X.sock},
 * {@code /run/dstack/X.sock}, trying the dstack socket before the legacy tappd one.
 */
public final class SocketDiscovery {
  public static final String DSTACK_ENV = "DSTACK_SIMULATOR_ENDPOINT";
  public static final String TAPPD_ENV = "TAPPD_SIMULATOR_ENDPOINT";

  /** A found agent: which API it speaks and where. */
  public record Found(String kind, AgentEndpoint endpoint) {
    /** A client for it. */
    public GuestAgent open(Duration timeout) {
      return kind.equals("tappd") ? new TappdAgent(endpoint, timeout) : new DstackAgent(endpoint, timeout);
    }
  }

  private SocketDiscovery() {}

  /** The socket paths tried for {@code name} ("dstack" or "tappd"), in order. */
  public static List<Path> candidates(String name) {
    String file = name + ".sock";
    return List.of(Path.of("/var/run", file), Path.of("/run", file), Path.of("/var/run/dstack", file),
        Path.of("/run/dstack", file));
  }

  /** The agent to use, from {@code env} and the sockets that exist. */
  public static Optional<Found> find(Map<String, String> env, Predicate<Path> exists) {
    String dstack = env.get(DSTACK_ENV);
    if (dstack != null && !dstack.isBlank()) {
      return Optional.of(new Found("dstack", AgentEndpoint.parse(dstack.strip())));
    }
    String tappd = env.get(TAPPD_ENV);
    if (tappd != null && !tappd.isBlank()) {
      return Optional.of(new Found("tappd", AgentEndpoint.parse(tappd.strip())));
    }
    for (String kind : List.of("dstack", "tappd")) {
      for (Path p : candidates(kind)) {
        if (exists.test(p)) {
          return Optional.of(new Found(kind, AgentEndpoint.unix(p)));
        }
      }
    }
    return Optional.empty();
  }

  /** {@link #find} with the process environment and the file system. */
  public static Optional<Found> find() {
    return find(System.getenv(), p -> Files.exists(p));
  }

  /** The kind an explicitly given socket speaks, from its file name (tappd.sock is tappd). */
  public static String kindOf(AgentEndpoint endpoint) {
    return endpoint.socket().map(p -> p.getFileName().toString().startsWith("tappd") ? "tappd" : "dstack").orElse("dstack");
  }

  /** Every path tried, for an error message that tells the user where we looked. */
  public static String describeSearch() {
    List<String> all = new ArrayList<>();
    for (String kind : List.of("dstack", "tappd")) {
      candidates(kind).forEach(p -> all.add(p.toString()));
    }
    return DSTACK_ENV + ", " + TAPPD_ENV + ", " + String.join(", ", all);
  }
}
