package dev.dcapd.daemon;

import dev.dcapd.collateral.PcsClient;
import dev.dcapd.daemon.crypto.EcdsaChoice;
import dev.dcapd.daemon.http.HttpSettings;
import dev.dcapd.daemon.token.TokenSettings;
import dev.dcapd.daemon.store.QuoteStore;
import dev.dcapd.daemon.store.StoreException;
import dev.dcapd.daemon.store.cassandra.CassandraLocation;
import dev.dcapd.daemon.store.cassandra.CassandraSchema;
import dev.dcapd.daemon.store.cassandra.CassandraStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The {@code dcapd} launcher. Every {@code serve} option can also come from the environment
 * ({@code --grpc} as {@code DCAPD_GRPC}, {@code --sync-writes} as {@code DCAPD_SYNC_WRITES}) or
 * from a properties file named by {@code --config FILE} / {@code DCAPD_CONFIG} ({@code grpc=...});
 * flags win over the environment, the environment over the file.
 */
@Command(name = "dcapd", mixinStandardHelpOptions = true, description = "The dcapd attestation daemon.",
    subcommands = {Dcapd.Serve.class, Dcapd.Schema.class})
public final class Dcapd implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (serve, schema)");
  }

  public static void main(String[] args) {
    LogFormat.install();
    int code = execute(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Parses and runs; returns the exit code (serve returns only when the daemon has stopped). */
  static int execute(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Dcapd());
    cl.setOut(out);
    cl.setErr(err);
    try {
      cl.setDefaultValueProvider(new EnvironmentAndFile(env, configFile(args, env)));
    } catch (IOException e) {
      err.println("dcapd: " + e.getMessage());
      return 2;
    }
    cl.setParameterExceptionHandler((ex, a) -> {
      err.println("dcapd: " + ex.getMessage());
      return 2;
    });
    cl.setExecutionExceptionHandler((ex, c, r) -> {
      err.println("dcapd: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return 2;
    });
    return cl.execute(args);
  }

  private static Optional<Path> configFile(String[] args, Map<String, String> env) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Optional.of(Path.of(args[i + 1]));
      }
      if (args[i].startsWith("--config=")) {
        return Optional.of(Path.of(args[i].substring("--config=".length())));
      }
    }
    return Optional.ofNullable(env.get("DCAPD_CONFIG")).map(Path::of);
  }

  /** Option defaults from {@code DCAPD_*} variables, then from the config file. */
  static final class EnvironmentAndFile implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> env;
    private final Properties file = new Properties();

    EnvironmentAndFile(Map<String, String> env, Optional<Path> config) throws IOException {
      this.env = env;
      if (config.isPresent()) {
        try (InputStream in = Files.newInputStream(config.get())) {
          file.load(in);
        } catch (IOException e) {
          throw new IOException("cannot read config file " + config.get() + ": " + e.getMessage(), e);
        }
      }
    }

    @Override
    public String defaultValue(ArgSpec arg) {
      if (!(arg instanceof OptionSpec o) || o.longestName().equals("--config")) {
        return arg.defaultValue();
      }
      String key = o.longestName().replaceFirst("^--", "");
      String fromEnv = env.get("DCAPD_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
      if (fromEnv != null) {
        return fromEnv;
      }
      String fromFile = file.getProperty(key);
      return fromFile != null ? fromFile : arg.defaultValue();
    }
  }

  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the daemon until SIGTERM or SIGINT.")
  static final class Serve implements Callable<Integer> {
    @Option(names = "--grpc", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:50051",
        description = "TCP address for gRPC (default ${DEFAULT-VALUE}); 'none' for Unix socket only.")
    String grpc;

    @Option(names = "--unix", paramLabel = "PATH", description = "Also listen on this Unix socket.")
    Path unix;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = DEFAULT_DATA,
        description = "Data directory: the RocksDB store and the token keys (default ${DEFAULT-VALUE}); "
            + "--store rocksdb:DIR names the same directory, so the two may not differ.")
    Path data;

    @Option(names = "--store", paramLabel = "STORE",
        description = "rocksdb:DIR (default: rocksdb in --data), or cassandra://HOST:PORT[,HOST:PORT...]/KEYSPACE?dc=DC&rf=N"
            + "[&read=local_one][&timeout=PT5S]: a keyspace several daemons share (README, Deployment).")
    String store;

    @Option(names = "--pccs", paramLabel = "URL", split = ",",
        description = "PCS or PCCS base URL, repeatable, tried in order. Default: Intel PCS, then Phala's PCCS "
            + "(unless --collateral-dir is given alone).")
    List<String> pccs;

    @Option(names = "--collateral-dir", paramLabel = "DIR", description = "Folder of QuoteCollateralV3 JSON files, tried first.")
    Path collateralDir;

    @Option(names = "--insecure-trust-root", paramLabel = "PEM",
        description = "INSECURE: trust this root instead of the Intel SGX Root CA (testing only; reported in every verdict).")
    Path insecureTrustRoot;

    @Option(names = "--policy", paramLabel = "FILE",
        description = "Policy file (JSON, docs/policy.md) every quote is judged by; default: refuse out-of-date platforms and debug TDs and enclaves.")
    Path policy;

    @Option(names = "--insecure-allow-debug",
        description = "INSECURE: accept debug TDs and enclaves, whose memory their host can read and write (testing only).")
    boolean insecureAllowDebug;

    @Option(names = "--reappraisal-rate", paramLabel = "N", defaultValue = "" + DaemonConfig.DEFAULT_REAPPRAISAL_RATE,
        description = "Stored quotes judged again per second at most when new collateral, trust root or policy "
            + "changes what their verdicts rest on (default ${DEFAULT-VALUE}).")
    int reappraisalRate;

    @Option(names = "--ecdsa-engine", paramLabel = "ENGINE", defaultValue = "auto",
        description = "ECDSA engine: auto (AWS-LC where it loads, else BouncyCastle), aws-lc (or refuse to start), "
            + "bouncycastle (default ${DEFAULT-VALUE}).")
    String ecdsaEngine;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics at http://HOST:PORT/metrics.")
    String metrics;

    @Option(names = "--http", paramLabel = "HOST:PORT",
        description = "Serve Phala's attestation API, report pages, /metrics and /healthz over HTTP here (off unless given).")
    String http;

    @Option(names = "--http-tls-cert", paramLabel = "PEM",
        description = "Serve --http over TLS (1.2+) with this PEM certificate chain, the server's certificate first.")
    Path httpTlsCert;

    @Option(names = "--http-tls-key", paramLabel = "PEM",
        description = "The private key of --http-tls-cert: PEM, PKCS#8 or SEC1 EC / PKCS#1 RSA, unencrypted.")
    Path httpTlsKey;

    @Option(names = "--http-rate", paramLabel = "N", defaultValue = "" + HttpSettings.DEFAULT_REQUESTS_PER_SECOND,
        description = "HTTP requests per second one client address may make before it is answered 429 (default ${DEFAULT-VALUE}).")
    int httpRate;

    @Option(names = "--http-idle-timeout", paramLabel = "DURATION", defaultValue = "PT30S",
        description = "How long an HTTP connection may send nothing; an upload that stops is answered 408 (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration httpIdleTimeout;

    @Option(names = "--http-min-data-rate", paramLabel = "BYTES", defaultValue = "" + HttpSettings.DEFAULT_MIN_DATA_RATE,
        description = "Bytes per second an HTTP request body must average after its first second, else 408 (default ${DEFAULT-VALUE}).")
    long httpMinDataRate;

    @Option(names = "--token-key", paramLabel = "FILE",
        description = "P-256 private key (PEM or JWK) that signs attestation result tokens; default: one generated in the data directory.")
    Path tokenKey;

    @Option(names = "--token-lifetime", paramLabel = "DURATION", defaultValue = "PT5M",
        description = "How long a result token is valid (ISO-8601, default ${DEFAULT-VALUE}, at most a day).")
    Duration tokenLifetime;

    @Option(names = "--rotate-token-key",
        description = "Start signing with a new token key; the old one stays in the JWKS until its tokens expire.")
    boolean rotateTokenKey;

    @Option(names = "--sync-writes", description = "fsync every upload before acknowledging it.")
    boolean syncWrites;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "TLS certificate chain for the TCP listener.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "TLS private key (PKCS#8 PEM).")
    Path tlsKey;

    @Option(names = "--workers", defaultValue = "0", description = "Threads for calls that may wait on a collateral source, a synced write or a Cassandra store (default: 4 per core, 16 on Cassandra).")
    int workers;

    @Option(names = "--max-in-flight", defaultValue = "512", description = "Calls running or queued before RESOURCE_EXHAUSTED (default ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--max-watchers-per-peer", paramLabel = "N", defaultValue = "" + PeerLimits.DEFAULT_WATCHERS_PER_PEER,
        description = "WatchVerdicts streams one client address may hold open, of " + PeerLimits.TOTAL_WATCHERS
            + " in all (default ${DEFAULT-VALUE}); behind a proxy every client is the proxy's address.")
    int maxWatchersPerPeer;

    @Option(names = "--max-challenges-per-peer", paramLabel = "N", defaultValue = "" + PeerLimits.DEFAULT_CHALLENGES_PER_PEER,
        description = "Token nonces (GetChallenge, POST /api/v1/challenge) one client address may hold open, neither used "
            + "nor expired, before more are refused (default ${DEFAULT-VALUE}).")
    int maxChallengesPerPeer;

    @Option(names = "--max-message-bytes", defaultValue = "131072", description = "Largest request accepted (default ${DEFAULT-VALUE}).")
    int maxMessageBytes;

    @Option(names = "--block-cache-mib", defaultValue = "" + QuoteStore.DEFAULT_BLOCK_CACHE_MIB,
        description = "RocksDB's cache of decompressed blocks, in MiB (default ${DEFAULT-VALUE}); size it to the stored quotes read often.")
    long blockCacheMib;

    @Option(names = "--collateral-timeout", defaultValue = "PT10S", description = "Per-request timeout for collateral servers (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration collateralTimeout;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with option defaults (key = long option name).")
    Path config;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    DaemonConfig toConfig() {
      if ((tlsCert == null) != (tlsKey == null)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
      }
      if ((httpTlsCert == null) != (httpTlsKey == null)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--http-tls-cert and --http-tls-key go together");
      }
      if (httpTlsCert != null && http == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--http-tls-cert and --http-tls-key need --http HOST:PORT");
      }
      Optional<Listeners.Tls> httpTls = httpTlsCert == null ? Optional.empty()
          : Optional.of(new Listeners.Tls(httpTlsCert, httpTlsKey));
      Optional<CassandraLocation> cassandra = Optional.empty();
      Path dataDir = data;
      if (store != null && CassandraLocation.names(store)) {
        try {
          cassandra = Optional.of(CassandraLocation.parse(store));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--store: " + e.getMessage());
        }
      } else if (store != null && store.startsWith(ROCKSDB)) {
        dataDir = Path.of(store.substring(ROCKSDB.length()));
        if (dataDir.toString().isEmpty()) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--store rocksdb:DIR names no directory");
        }
        // One directory holds the RocksDB store and the token keys: a --data (flag, environment or
        // file) naming another would be silently ignored, so the two must agree.
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        boolean dataGiven = parsed != null && parsed.hasMatchedOption("--data") || !data.equals(Path.of(DEFAULT_DATA));
        if (dataGiven && !same(data, dataDir)) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--store rocksdb:" + dataDir + " and --data " + data
              + " name different directories: the store and the token keys live in one, give it once (--data DIR)");
        }
      } else if (store != null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--store is rocksdb:DIR or cassandra://…, got '" + store + "'");
      }
      List<String> sources = pccs != null ? pccs : collateralDir != null
          ? List.of() : List.of(PcsClient.INTEL_PCS_URL, PcsClient.PHALA_PCCS_URL);
      try {
        return new DaemonConfig(
            "none".equals(grpc) ? Optional.empty() : Optional.of(Listeners.hostPort(grpc)),
            Optional.ofNullable(unix),
            dataDir,
            new ArrayList<>(sources),
            Optional.ofNullable(collateralDir),
            Optional.ofNullable(insecureTrustRoot),
            Optional.ofNullable(metrics).map(Listeners::hostPort),
            syncWrites,
            tlsCert == null ? Optional.empty() : Optional.of(new Listeners.Tls(tlsCert, tlsKey)),
            // Calls on a shared store wait on the network more than on the CPU: more threads.
            workers > 0 ? workers : (cassandra.isPresent() ? 16 : 4) * Runtime.getRuntime().availableProcessors(),
            maxInFlight,
            maxMessageBytes,
            blockCacheMib > Long.MAX_VALUE >> 20 ? Long.MAX_VALUE : blockCacheMib << 20,
            collateralTimeout,
            Duration.ofSeconds(10))
            .withPolicy(Optional.ofNullable(policy), insecureAllowDebug)
            .withReappraisalRate(reappraisalRate)
            .withEcdsaEngine(EcdsaChoice.parse(ecdsaEngine))
            .withHttp(Optional.ofNullable(http).map(h -> new HttpSettings(Listeners.hostPort(h), httpRate, httpTls,
                httpIdleTimeout, httpMinDataRate)))
            .withTokens(new TokenSettings(Optional.ofNullable(tokenKey), tokenLifetime, rotateTokenKey))
            .withCassandra(cassandra)
            .withPeers(new PeerLimits(maxWatchersPerPeer, maxChallengesPerPeer, PeerLimits.DEFAULT_KEEPALIVE_TIME,
                PeerLimits.DEFAULT_KEEPALIVE_TIMEOUT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }

    @Override
    public Integer call() throws Exception {
      DaemonConfig cfg = toConfig();
      Daemon daemon;
      try {
        daemon = Daemon.start(cfg, Clock.systemUTC());
      } catch (IOException e) {
        spec.commandLine().getErr().println("dcapd: cannot start: " + e.getMessage());
        return 2;
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        daemon.close();
        stopped.countDown();
      }, "dcapd-shutdown"));
      spec.commandLine().getOut().println(daemon.describe());
      spec.commandLine().getOut().flush();
      stopped.await();
      return 0;
    }
  }

  static final String ROCKSDB = "rocksdb:";
  static final String DEFAULT_DATA = "./dcapd-data";

  private static boolean same(Path a, Path b) {
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }

  @Command(name = "schema", mixinStandardHelpOptions = true,
      description = "The store's schema in a Cassandra keyspace.", subcommands = {Schema.Apply.class})
  static final class Schema implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (apply)");
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Create the keyspace and tables that are missing, once, before daemons that share them start.")
    static final class Apply implements Callable<Integer> {
      @Option(names = "--store", paramLabel = "STORE", required = true,
          description = "cassandra://HOST:PORT[,HOST:PORT...]/KEYSPACE?dc=DC&rf=N")
      String store;

      @CommandLine.Spec CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() {
        CassandraLocation at;
        try {
          at = CassandraLocation.parse(store);
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--store: " + e.getMessage());
        }
        try {
          boolean created = CassandraStore.applySchema(at);
          spec.commandLine().getOut().println((created ? "applied" : "already at") + " dcapd schema "
              + CassandraSchema.VERSION + " in " + at);
          return 0;
        } catch (StoreException e) {
          spec.commandLine().getErr().println("dcapd: " + e.getMessage());
          return e.unavailable() ? 3 : 2;
        }
      }
    }
  }
}
