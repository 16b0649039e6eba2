package dev.dcapd.daemon;

import dev.dcapd.daemon.crypto.EcdsaChoice;
import dev.dcapd.daemon.http.HttpSettings;
import dev.dcapd.daemon.store.cassandra.CassandraLocation;
import dev.dcapd.daemon.token.TokenSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a daemon is started with.
 *
 * @param grpc TCP listener, if any
 * @param unixSocket Unix-socket listener, if any
 * @param pccs collateral servers (PCS or PCCS) in the order they are tried
 * @param collateralDir an offline folder of {@code QuoteCollateralV3} files, tried first
 * @param insecureTrustRoot a PEM root to trust instead of Intel's (tests, load generation)
 * @param maxInFlight calls running or queued before RESOURCE_EXHAUSTED
 * @param blockCacheBytes capacity of RocksDB's cache of decompressed blocks
 * @param policy a policy file ({@code docs/policy.md}) that judges every quote; absent: the default
 *     policy, which refuses debug TDs and enclaves
 * @param insecureAllowDebug accept debug TDs and enclaves (tests only: their memory is the host's)
 * @param reappraisalRate stored quotes judged again per second at most, in the background, when
 *     new collateral, a new trust root or a new policy changes what their verdicts rest on
 * @param ecdsaEngine the engine the verifier hands ECDSA arithmetic to
 * @param http the HTTP listener (Phala's API, report pages, metrics), if any
 * @param tokens how signed attestation results are made
 * @param cassandra the Cassandra keyspace the store is in (shared with other daemons); absent: RocksDB
 *     in {@code dataDir}. The data directory keeps the token keys either way.
 * @param peers what one client may hold ({@code WatchVerdicts} streams, open challenges) and the
 *     keepalive that ends a vanished client's streams
 */
public record DaemonConfig(
    Optional<InetSocketAddress> grpc,
    Optional<Path> unixSocket,
    Path dataDir,
    List<String> pccs,
    Optional<Path> collateralDir,
    Optional<Path> insecureTrustRoot,
    Optional<InetSocketAddress> metrics,
    boolean syncWrites,
    Optional<Listeners.Tls> tls,
    int workers,
    int maxInFlight,
    int maxMessageBytes,
    long blockCacheBytes,
    Duration collateralTimeout,
    Duration shutdownGrace,
    Optional<Path> policy,
    boolean insecureAllowDebug,
    int reappraisalRate,
    EcdsaChoice ecdsaEngine,
    Optional<HttpSettings> http,
    TokenSettings tokens,
    Optional<CassandraLocation> cassandra,
    PeerLimits peers) {

  /** The default {@code --reappraisal-rate}: a million stored quotes judged again in under 20 minutes. */
  public static final int DEFAULT_REAPPRAISAL_RATE = 1000;

  /** The default policy: out-of-date platforms and debug refused. */
  public DaemonConfig(Optional<InetSocketAddress> grpc, Optional<Path> unixSocket, Path dataDir, List<String> pccs,
      Optional<Path> collateralDir, Optional<Path> insecureTrustRoot, Optional<InetSocketAddress> metrics,
      boolean syncWrites, Optional<Listeners.Tls> tls, int workers, int maxInFlight, int maxMessageBytes,
      long blockCacheBytes, Duration collateralTimeout, Duration shutdownGrace) {
    this(grpc, unixSocket, dataDir, pccs, collateralDir, insecureTrustRoot, metrics, syncWrites, tls, workers,
        maxInFlight, maxMessageBytes, blockCacheBytes, collateralTimeout, shutdownGrace, Optional.empty(), false,
        DEFAULT_REAPPRAISAL_RATE, EcdsaChoice.AUTO, Optional.empty(), TokenSettings.DEFAULTS, Optional.empty(),
        PeerLimits.DEFAULTS);
  }

  /** This configuration with another policy. */
  public DaemonConfig withPolicy(Optional<Path> policyFile, boolean allowDebug) {
    return new DaemonConfig(grpc, unixSocket, dataDir, pccs, collateralDir, insecureTrustRoot, metrics, syncWrites,
        tls, workers, maxInFlight, maxMessageBytes, blockCacheBytes, collateralTimeout, shutdownGrace, policyFile,
        allowDebug, reappraisalRate, ecdsaEngine, http, tokens, cassandra, peers);
  }

  /** This configuration with another re-appraisal rate. */
  public DaemonConfig withReappraisalRate(int quotesPerSecond) {
    return new DaemonConfig(grpc, unixSocket, dataDir, pccs, collateralDir, insecureTrustRoot, metrics, syncWrites,
        tls, workers, maxInFlight, maxMessageBytes, blockCacheBytes, collateralTimeout, shutdownGrace, policy,
        insecureAllowDebug, quotesPerSecond, ecdsaEngine, http, tokens, cassandra, peers);
  }

  /** This configuration with another ECDSA engine. */
  public DaemonConfig withEcdsaEngine(EcdsaChoice engine) {
    return new DaemonConfig(grpc, unixSocket, dataDir, pccs, collateralDir, insecureTrustRoot, metrics, syncWrites,
        tls, workers, maxInFlight, maxMessageBytes, blockCacheBytes, collateralTimeout, shutdownGrace, policy,
        insecureAllowDebug, reappraisalRate, engine, http, tokens, cassandra, peers);
  }

  /** This configuration with an HTTP listener, or none. */
  public DaemonConfig withHttp(Optional<HttpSettings> listener) {
    return new DaemonConfig(grpc, unixSocket, dataDir, pccs, collateralDir, insecureTrustRoot, metrics, syncWrites,
        tls, workers, maxInFlight, maxMessageBytes, blockCacheBytes, collateralTimeout, shutdownGrace, policy,
        insecureAllowDebug, reappraisalRate, ecdsaEngine, listener, tokens, cassandra, peers);
  }

  /** This configuration with other token settings. */
  public DaemonConfig withTokens(TokenSettings settings) {
    return new DaemonConfig(grpc, unixSocket, dataDir, pccs, collateralDir, insecureTrustRoot, metrics, syncWrites,
        tls, workers, maxInFlight, maxMessageBytes, blockCacheBytes, collateralTimeout, shutdownGrace, policy,
        insecureAllowDebug, reappraisalRate, ecdsaEngine, http, settings, cassandra, peers);
  }

  /** This configuration with the store in a Cassandra keyspace, or in RocksDB (empty). */
  public DaemonConfig withCassandra(Optional<CassandraLocation> location) {
    return new DaemonConfig(grpc, unixSocket, dataDir, pccs, collateralDir, insecureTrustRoot, metrics, syncWrites,
        tls, workers, maxInFlight, maxMessageBytes, blockCacheBytes, collateralTimeout, shutdownGrace, policy,
        insecureAllowDebug, reappraisalRate, ecdsaEngine, http, tokens, location, peers);
  }

  /** This configuration with other per-client bounds and keepalive. */
  public DaemonConfig withPeers(PeerLimits limits) {
    return new DaemonConfig(grpc, unixSocket, dataDir, pccs, collateralDir, insecureTrustRoot, metrics, syncWrites,
        tls, workers, maxInFlight, maxMessageBytes, blockCacheBytes, collateralTimeout, shutdownGrace, policy,
        insecureAllowDebug, reappraisalRate, ecdsaEngine, http, tokens, cassandra, limits);
  }

  public DaemonConfig {
    Objects.requireNonNull(grpc, "grpc");
    Objects.requireNonNull(unixSocket, "unixSocket");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(ecdsaEngine, "ecdsaEngine");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(tokens, "tokens");
    Objects.requireNonNull(cassandra, "cassandra");
    Objects.requireNonNull(peers, "peers");
    pccs = List.copyOf(pccs);
    if (grpc.isEmpty() && unixSocket.isEmpty()) {
      throw new IllegalArgumentException("the daemon needs a TCP address or a Unix socket to listen on");
    }
    if (pccs.isEmpty() && collateralDir.isEmpty()) {
      throw new IllegalArgumentException("the daemon needs a collateral source: --pccs URL or --collateral-dir DIR");
    }
    if (workers < 1 || maxInFlight < 1 || maxMessageBytes < 1024) {
      throw new IllegalArgumentException("workers and max in-flight must be positive, the message limit at least 1 KiB");
    }
    if (reappraisalRate < 1) {
      throw new IllegalArgumentException("the re-appraisal rate must be at least 1 quote per second");
    }
    if (blockCacheBytes < 1 << 20) {
      throw new IllegalArgumentException("the block cache must be at least 1 MiB");
    }
  }
}
