package dev.dcapd.sidecar;

import dev.dcapd.sidecar.agent.AgentEndpoint;
import dev.dcapd.sidecar.agent.AgentException;
import dev.dcapd.sidecar.agent.SocketDiscovery;
import dev.dcapd.verifier.binding.KeyType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code dcap-sidecar}: runs the sidecar until SIGTERM. Every flag also reads an environment
 * variable (named in its help) so a compose file can configure it without a command line.
 */
@Command(name = "dcap-sidecar", mixinStandardHelpOptions = true,
    description = "Keeps the app next to it attested: quotes through the dstack guest agent, bound to an app key, verified by dcapd.")
public final class Main implements Callable<Integer> {
  static final int EXIT_BAD_INPUT = 2;
  /** {@code --simulate} without the simulator (the sidecar-sim module) on the class path. */
  static final int EXIT_NO_SIMULATOR = 3;
  /** Where the API token is written when no --state-dir is given. */
  static final String DEFAULT_STATE_DIR = "/var/lib/dcap-sidecar";

  @Option(names = "--agent", paramLabel = "ENDPOINT", defaultValue = "${env:DCAP_SIDECAR_AGENT}",
      description = "Guest agent: a socket path, unix:PATH or http://HOST:PORT (env DCAP_SIDECAR_AGENT). "
          + "Default: DSTACK_SIMULATOR_ENDPOINT, TAPPD_SIMULATOR_ENDPOINT, then /var/run/dstack.sock, /run/dstack.sock, "
          + "/var/run/dstack/dstack.sock, /run/dstack/dstack.sock and the same for tappd.sock.")
  String agent;

  @Option(names = "--agent-api", paramLabel = "dstack|tappd", defaultValue = "${env:DCAP_SIDECAR_AGENT_API}",
      description = "The API the agent speaks (env DCAP_SIDECAR_AGENT_API). Default: tappd for a socket named tappd*, else dstack.")
  String agentApi;

  @Option(names = "--agent-timeout", paramLabel = "DURATION", defaultValue = "${env:DCAP_SIDECAR_AGENT_TIMEOUT:-30s}",
      description = "Deadline for one agent call (env DCAP_SIDECAR_AGENT_TIMEOUT, default ${DEFAULT-VALUE}).")
  String agentTimeout;

  @Option(names = "--daemon", paramLabel = "HOST:PORT", defaultValue = "${env:DCAP_SIDECAR_DAEMON}",
      description = "dcapd's gRPC address (env DCAP_SIDECAR_DAEMON). Without it quotes are minted and checked locally only.")
  String daemon;

  @Option(names = "--daemon-timeout", paramLabel = "DURATION", defaultValue = "${env:DCAP_SIDECAR_DAEMON_TIMEOUT:-30s}",
      description = "Deadline for one submission (env DCAP_SIDECAR_DAEMON_TIMEOUT, default ${DEFAULT-VALUE}).")
  String daemonTimeout;

  @Option(names = "--listen", paramLabel = "unix:PATH|HOST:PORT", split = ",",
      defaultValue = "${env:DCAP_SIDECAR_LISTEN}",
      description = "Where the local API listens; repeatable, loopback TCP only (env DCAP_SIDECAR_LISTEN, comma-separated); "
          + "TCP callers send the API token written to --state-dir. "
          + "Default: unix:/var/run/dcap-sidecar.sock, or DIR/sidecar.sock with --simulate.")
  List<String> listen;

  @Option(names = "--key-type", paramLabel = "p256|secp256k1", defaultValue = "${env:DCAP_SIDECAR_KEY_TYPE:-p256}",
      description = "The app key's curve (env DCAP_SIDECAR_KEY_TYPE, default ${DEFAULT-VALUE}).")
  String keyType;

  @Option(names = "--derive-key", paramLabel = "PATH", defaultValue = "${env:DCAP_SIDECAR_DERIVE_KEY}",
      description = "Derive the app key through the agent's GetKey for PATH, so it survives restarts "
          + "(env DCAP_SIDECAR_DERIVE_KEY). Default: a fresh key generated in the TD at every start.")
  String deriveKey;

  @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "${env:DCAP_SIDECAR_INTERVAL:-1h}",
      description = "How often to re-attest (env DCAP_SIDECAR_INTERVAL, default ${DEFAULT-VALUE}).")
  String interval;

  @Option(names = "--quote-rate", paramLabel = "BURST/DURATION", defaultValue = "${env:DCAP_SIDECAR_QUOTE_RATE:-5/1s}",
      description = "Fresh nonce quotes allowed: BURST at once, then one per DURATION (env DCAP_SIDECAR_QUOTE_RATE, default ${DEFAULT-VALUE}).")
  String quoteRate;

  @Option(names = "--simulate", description = "Serve a testkit-backed guest agent in --state-dir and use it (no TDX needed). "
      + "Needs the simulator module, sidecar-sim, on the class path: the dcap-sidecar launcher adds it.")
  boolean simulate;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:DCAP_SIDECAR_STATE_DIR}",
      description = "The sidecar's folder (env DCAP_SIDECAR_STATE_DIR): the API token (api-token, owner-only) when a "
          + "listener is on TCP; with --simulate also the simulator's sockets, root.pem, collateral/. "
          + "Default: " + DEFAULT_STATE_DIR + " (--simulate needs it given).")
  Path stateDir;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "The simulator's seed (default ${DEFAULT-VALUE}).")
  long seed;

  private final PrintWriter out;

  Main(PrintWriter out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line; returns the exit code. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main(out));
    cl.setParameterExceptionHandler((ex, a) -> {
      err.println("dcap-sidecar: " + ex.getMessage());
      return EXIT_BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, c, p) -> {
      err.println("dcap-sidecar: " + (ex instanceof IllegalArgumentException || ex instanceof AgentException
          || ex instanceof IOException || ex instanceof NoSimulator ? ex.getMessage() : ex.toString()));
      return ex instanceof NoSimulator ? EXIT_NO_SIMULATOR : EXIT_BAD_INPUT;
    });
    return cl.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    AgentSimulator.Running simulator = null;
    if (simulate) {
      if (stateDir == null) {
        throw new IllegalArgumentException("--simulate needs --state-dir DIR");
      }
      simulator = startSimulator(stateDir, seed);
      out.println("dcap-sidecar: simulated guest agent on unix:" + simulator.dstackSocket() + " and unix:"
          + simulator.tappdSocket() + "; daemon flags: --insecure-trust-root " + simulator.rootPem()
          + " --collateral-dir " + simulator.collateralDir());
    }
    SidecarConfig config = config(simulator);
    Sidecar sidecar = Sidecar.start(config, Clock.systemUTC());
    CountDownLatch stop = new CountDownLatch(1);
    AgentSimulator.Running sim = simulator;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        sidecar.close();
        if (sim != null) {
          sim.close();
        }
      } catch (IOException ignored) {
        // shutting down anyway
      }
      stop.countDown();
    }));
    out.println(sidecar.describe());
    out.flush();
    stop.await();
    return 0;
  }

  /** Starts the simulator module's agent in {@code dir}, or says in one line why there is none. */
  static AgentSimulator.Running startSimulator(Path dir, long seed) throws NoSimulator, IOException {
    AgentSimulator simulator;
    try {
      simulator = AgentSimulator.find().orElseThrow(() -> new NoSimulator(
          "--simulate needs the simulator (the sidecar-sim module) on the class path, and this sidecar was started"
              + " without it; ./dcap-sidecar --simulate from the repository adds it"));
    } catch (ServiceConfigurationError | LinkageError e) {
      throw new NoSimulator("--simulate: the simulator on the class path did not load: " + e.getMessage());
    }
    try {
      return simulator.start(dir, seed);
    } catch (LinkageError e) {
      // sidecar-sim's jar without its own dependencies (the testkit) beside it.
      throw new NoSimulator("--simulate: the simulator's dependencies are missing from the class path: " + e.getMessage());
    }
  }

  /** --simulate was asked for and no simulator can be had. */
  static final class NoSimulator extends Exception {
    private static final long serialVersionUID = 1L;

    NoSimulator(String message) {
      super(message);
    }
  }

  SidecarConfig config(AgentSimulator.Running simulator) {
    AgentEndpoint endpoint;
    String kind;
    if (simulator != null && blank(agent)) {
      endpoint = AgentEndpoint.unix(simulator.dstackSocket());
      kind = "dstack";
    } else if (!blank(agent)) {
      endpoint = AgentEndpoint.parse(agent);
      kind = SocketDiscovery.kindOf(endpoint);
    } else {
      SocketDiscovery.Found found = SocketDiscovery.find().orElseThrow(() -> new IllegalArgumentException(
          "no guest agent found; tried " + SocketDiscovery.describeSearch() + " (use --agent or --simulate)"));
      endpoint = found.endpoint();
      kind = found.kind();
    }
    if (!blank(agentApi)) {
      kind = agentApi.strip().toLowerCase(Locale.ROOT);
    }
    List<Listen> listeners = new ArrayList<>();
    if (listen != null) {
      for (String l : listen) {
        if (!blank(l)) {
          listeners.add(Listen.parse(l.strip()));
        }
      }
    }
    if (listeners.isEmpty()) {
      listeners.add(Listen.unix(simulator != null ? stateDir.resolve("sidecar.sock") : Path.of("/var/run/dcap-sidecar.sock")));
    }
    String[] rate = quoteRate.split("/", 2);
    if (rate.length != 2) {
      throw new IllegalArgumentException("--quote-rate is BURST/DURATION, e.g. 5/1s");
    }
    int burst;
    try {
      burst = Integer.parseInt(rate[0].strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--quote-rate is BURST/DURATION, e.g. 5/1s");
    }
    return new SidecarConfig(endpoint, kind, duration(agentTimeout, "--agent-timeout"),
        blank(daemon) ? Optional.empty() : Optional.of(daemon.strip()), duration(daemonTimeout, "--daemon-timeout"),
        listeners, keyType(keyType), blank(deriveKey) ? Optional.empty() : Optional.of(deriveKey),
        duration(interval, "--interval"), SidecarConfig.DEFAULT_BACKOFF, burst, duration(rate[1], "--quote-rate"),
        Optional.of(stateDir != null ? stateDir : Path.of(DEFAULT_STATE_DIR)));
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  static KeyType keyType(String s) {
    return switch (s.strip().toLowerCase(Locale.ROOT)) {
      case "p256", "p-256", "secp256r1" -> KeyType.P256;
      case "secp256k1", "k256" -> KeyType.SECP256K1;
      default -> throw new IllegalArgumentException("--key-type is p256 or secp256k1, not " + s);
    };
  }

  /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}, or ISO-8601 ({@code PT30S}). */
  static Duration duration(String s, String flag) {
    String v = s.strip().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return positive(Duration.parse(v.toUpperCase(Locale.ROOT)), flag, s);
      }
      if (v.endsWith("ms")) {
        return positive(Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2))), flag, s);
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return positive(switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new NumberFormatException();
      }, flag, s);
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException(flag + ": not a duration (e.g. 30s, 5m, 1h): " + s);
    }
  }

  private static Duration positive(Duration d, String flag, String s) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(flag + " must be positive, not " + s);
    }
    return d;
  }
}
