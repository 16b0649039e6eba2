package dev.dcapd.daemon;

import dev.dcapd.collateral.CollateralFetcher;
import dev.dcapd.collateral.CollateralKey;
import dev.dcapd.collateral.CollateralService;
import dev.dcapd.collateral.CollateralSource;
import dev.dcapd.collateral.HttpGetter;
import dev.dcapd.collateral.InMemoryCollateralCache;
import dev.dcapd.collateral.OfflineDirectorySource;
import dev.dcapd.collateral.PcsClient;
import dev.dcapd.collateral.RetryPolicy;
import dev.dcapd.collateral.VerifierCollateralCheck;
import dev.dcapd.daemon.api.AttestationServiceImpl;
import dev.dcapd.daemon.api.Attestations;
import dev.dcapd.daemon.api.Judge;
import dev.dcapd.daemon.api.Reappraiser;
import dev.dcapd.daemon.http.HttpApi;
import dev.dcapd.daemon.token.ResultTokens;
import dev.dcapd.daemon.http.ReportPages;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.daemon.store.QuoteStore;
import dev.dcapd.daemon.store.StoreException;
import dev.dcapd.daemon.store.cassandra.CassandraStore;
import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.policy.PolicyFormatException;
import dev.dcapd.verifier.policy.PolicyJson;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** A running daemon: the store, the verifier, the collateral cache and its listeners. */
public final class Daemon implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dcapd");

  private final DaemonConfig config;
  private final AttestationStore store;
  /** This daemon's name in the leases of a store others share: host, process and start. */
  private final String owner = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID();
  /** Looks at the shared collateral cache for what other daemons installed (a shared store only). */
  private ScheduledExecutorService collateralSync;
  /** Sets gRPC health from whether the store takes writes ({@link #HEALTH_EVERY}). */
  private ScheduledExecutorService healthWatch;
  private final List<DaemonServer> servers = new ArrayList<>();
  private final List<Listeners.Listener> listeners = new ArrayList<>();
  private final Metrics metrics = new Metrics();
  /** Calls that may wait (collateral fetches, synced writes, Check), shared by every listener. */
  private final ExecutorService workers;
  private final TrustAnchor anchor;
  private final Policy policy;
  /** The ECDSA engine installed at start, as the start-up line names it. */
  private final String ecdsaEngine;
  private volatile Reappraiser reappraiser;
  private AttestationServiceImpl service;
  private MetricsEndpoint metricsEndpoint;
  private HttpApi httpApi;
  private ResultTokens tokens;
  private boolean closed;

  private Daemon(DaemonConfig config, AttestationStore store, TrustAnchor anchor, Policy policy, String ecdsaEngine) {
    this.ecdsaEngine = ecdsaEngine;
    this.workers = DaemonServer.workerPool(config.workers());
    this.config = config;
    this.store = store;
    this.anchor = anchor;
    this.policy = policy;
  }

  /**
   * The policy every quote is judged by: the file given, else the default (out-of-date platforms
   * and debug refused); with the insecure options, debug or the daemon's own insecure root
   * accepted, and named in the policy's name.
   */
  static Policy policy(DaemonConfig config, TrustAnchor anchor) throws IOException {
    Policy p;
    if (config.policy().isPresent()) {
      try {
        p = PolicyJson.parse(config.policy().get());
      } catch (PolicyFormatException e) {
        throw new IOException("policy " + config.policy().get() + ": " + e.getMessage(), e);
      }
    } else {
      p = Policy.daemonDefault();
    }
    return p.withInsecureOptions(config.insecureAllowDebug(), anchor.insecure());
  }

  /** Opens the store, builds the service and starts every listener. */
  public static Daemon start(DaemonConfig config, Clock clock) throws IOException {
    // Loading the native ECDSA engine takes a few hundred milliseconds; do it while RocksDB opens.
    CompletableFuture<String> engine = CompletableFuture.supplyAsync(config.ecdsaEngine()::install, task -> {
      Thread t = new Thread(task, "ecdsa-engine-load");
      t.setDaemon(true);
      t.start();
    });
    byte[] customRoot = config.insecureTrustRoot().isPresent()
        ? Files.readAllBytes(config.insecureTrustRoot().get()) : null;
    TrustAnchor anchor = customRoot != null ? TrustAnchor.insecureCustomRoot(customRoot) : TrustAnchor.intel();
    Policy policy = policy(config, anchor);
    // The token keys live in the data directory whatever the store (RocksDB creates it itself).
    Files.createDirectories(config.dataDir());
    AttestationStore store = openStore(config);
    Daemon d;
    try {
      String ecdsa;
      try {
        ecdsa = engine.join();
      } catch (CompletionException e) {
        throw new IOException(e.getCause().getMessage(), e.getCause());
      }
      d = new Daemon(config, store, anchor, policy, ecdsa);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    try {
      d.startListeners(clock);
      return d;
    } catch (IOException | RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /** RocksDB in the data directory, or the Cassandra keyspace the configuration names. */
  private static AttestationStore openStore(DaemonConfig config) throws IOException {
    try {
      return config.cassandra().isPresent()
          ? CassandraStore.open(config.cassandra().get())
          : QuoteStore.open(config.dataDir(), config.syncWrites(), config.blockCacheBytes());
    } catch (StoreException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private void startListeners(Clock clock) throws IOException {
    CollateralVerifier collateralVerifier = new CollateralVerifier();
    QuoteVerifier verifier = QuoteVerifier.create(anchor, collateralVerifier, QuoteVerifier.DEFAULT_PLATFORM_CAPACITY);
    List<CollateralSource> sources = new ArrayList<>();
    config.collateralDir().ifPresent(dir -> sources.add(new MeteredSource(new OfflineDirectorySource(dir), metrics)));
    HttpGetter http = HttpGetter.create(RetryPolicy.DEFAULT.withRequestTimeout(config.collateralTimeout()));
    for (String url : config.pccs()) {
      sources.add(new MeteredSource(PcsClient.builder(url, http).build(), metrics));
    }
    CollateralFetcher fetcher = new CollateralFetcher(sources, new VerifierCollateralCheck(collateralVerifier, anchor), clock);
    InMemoryCollateralCache cache = InMemoryCollateralCache.builder(fetcher)
        .clock(clock)
        .store(new CollateralCacheStore(store, anchor.fingerprint().hex(), owner))
        // New collateral for a platform re-appraises its stored quotes in the background: once per
        // collateral, however many daemons sharing the store install it.
        .onInstall((key, previous, installed) -> {
          Reappraiser r = reappraiser;
          String platform = CollateralCacheStore.cacheKey(key);
          if (r != null && store.claim("reappraise/" + platform + "/" + installed.checked().id(), owner, REAPPRAISAL_ONCE)) {
            r.schedule(platform, "new collateral for " + platform);
          }
        })
        .build();
    CollateralService collateral = new CollateralService(cache);
    metrics.gauge("dcapd_records", "Records in the store (the store's estimate).", store::estimatedRecordCount);
    if (store instanceof QuoteStore rocks) {
      metrics.gauge("dcapd_block_cache_bytes", "RocksDB block cache in use.", rocks::blockCacheUsage);
      metrics.gauge("dcapd_block_cache_capacity_bytes", "RocksDB block cache capacity.", rocks::blockCacheCapacity);
    }
    CollateralProvider provider = new ServiceCollateralProvider(collateral, metrics,
        key -> store.shared() && adoptQuietly(cache, key));
    if (store.shared()) {
      collateralSync = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dcapd-collateral-sync");
        t.setDaemon(true);
        return t;
      });
      long every = COLLATERAL_SYNC.toMillis();
      collateralSync.scheduleWithFixedDelay(() -> cache.entries().keySet().forEach(k -> adoptQuietly(cache, k)),
          every, every, TimeUnit.MILLISECONDS);
    }
    Attestations attestations = new Attestations(store, new Judge(verifier, provider, policy), clock, metrics);
    String version = Daemon.class.getPackage().getImplementationVersion();
    tokens = ResultTokens.open(config.dataDir(), config.tokens(), "dcapd " + (version == null ? "dev" : version), clock,
        config.peers().challengesPerPeer());
    service = new AttestationServiceImpl(attestations, tokens, workers, config.peers().watchersPerPeer());
    reappraiser = new Reappraiser(store, attestations, clock, owner, config.reappraisalRate()).start();
    metrics.gauge("dcapd_reappraisals_in_progress", "Re-appraisal jobs in progress (each a platform or the whole store).", reappraiser::inProgress);
    judgeAgainIfRootOrPolicyChanged();

    if (config.grpc().isPresent()) {
      Listeners.Listener tcp = Listeners.tcp(config.grpc().get(), config.tls(), config.peers());
      listeners.add(tcp);
      servers.add(new DaemonServer(tcp.builder(), service, metrics, config.maxInFlight(), config.maxMessageBytes())
          .start());
    }
    if (config.unixSocket().isPresent()) {
      Listeners.Listener unix = Listeners.unix(config.unixSocket().get(), config.peers());
      listeners.add(unix);
      servers.add(new DaemonServer(unix.builder(), service, metrics, config.maxInFlight(), config.maxMessageBytes())
          .start());
    }
    if (!servers.isEmpty()) {
      healthWatch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dcapd-health");
        t.setDaemon(true);
        return t;
      });
      long every = HEALTH_EVERY.toMillis();
      healthWatch.scheduleWithFixedDelay(this::reportHealth, every, every, TimeUnit.MILLISECONDS);
    }
    if (config.metrics().isPresent()) {
      metricsEndpoint = new MetricsEndpoint(config.metrics().get(), metrics);
    }
    if (config.http().isPresent()) {
      httpApi = HttpApi.start(config.http().get(), attestations, service.messages(), tokens, metrics.registry(),
          config.maxMessageBytes(), new ReportPages(attestations, service.messages(), config.maxMessageBytes()),
          config.maxInFlight());
    }
    if (anchor.insecure()) {
      LOG.log(System.Logger.Level.WARNING, "INSECURE: trusting root {0} instead of the Intel SGX Root CA; every verdict says so",
          anchor.fingerprint().hex());
    }
  }

  /** How often gRPC health is set from whether the store takes writes (a full disk: NOT_SERVING). */
  static final Duration HEALTH_EVERY = Duration.ofSeconds(1);
  private boolean reportedServing = true;

  private void reportHealth() {
    try {
      boolean serving = store.writable();
      if (serving != reportedServing) {
        servers.forEach(s -> s.serving(serving));
        reportedServing = serving;
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot tell whether the store takes writes: {0}", e.toString());
    }
  }

  /**
   * How often a daemon on a shared store looks for collateral another daemon installed. Until it
   * does, it judges new quotes by the collateral it holds (current, but perhaps not the newest); a
   * record another daemon judged by newer collateral makes it look at once.
   */
  static final Duration COLLATERAL_SYNC = Duration.ofSeconds(5);
  /** How long the claim to re-appraise after one collateral install is remembered. */
  private static final Duration REAPPRAISAL_ONCE = Duration.ofDays(7);

  private static boolean adoptQuietly(InMemoryCollateralCache cache, CollateralKey key) {
    try {
      return cache.adoptStored(key);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "collateral for {0} not read from the shared store: {1}", key, e.toString());
      return false;
    }
  }

  /**
   * A store last served under another trust root or policy (or by a daemon that did not record
   * them) has verdicts that prove nothing now: every record is judged again in the background, and
   * until then each read judges its record on demand and listings do not show it as verified.
   */
  private void judgeAgainIfRootOrPolicyChanged() {
    String root = anchor.fingerprint().hex();
    Optional<String> storedRoot = store.meta(META_TRUST_ROOT);
    Optional<String> storedPolicy = store.meta(META_POLICY);
    boolean hasRecords = !store.checksums(AttestationStore.ALL_PLATFORMS, Optional.empty(), 1).isEmpty();
    String reason = null;
    if (storedRoot.isPresent() && !storedRoot.get().equals(root)) {
      reason = "trust root changed";
    } else if (storedPolicy.isPresent() && !storedPolicy.get().equals(policy.sha256())) {
      reason = "policy changed";
    } else if (storedRoot.isEmpty() && hasRecords) {
      reason = "judged before verdicts named their trust root";
    }
    if (reason != null && hasRecords
        && store.claim("reappraise/" + AttestationStore.ALL_PLATFORMS + "/" + root + "/" + policy.sha256(), owner, REAPPRAISAL_ONCE)) {
      LOG.log(System.Logger.Level.WARNING, "the store in {0} was last served under trust root {1}, policy {2}; every "
          + "stored verdict is judged again under {3}, policy {4} ({5})", config.dataDir(), storedRoot.orElse("unknown"),
          storedPolicy.orElse("unknown"), root, policy.name() + " " + policy.sha256(), reason);
      reappraiser.schedule(AttestationStore.ALL_PLATFORMS, reason);
    }
    store.putMeta(META_TRUST_ROOT, root);
    store.putMeta(META_POLICY, policy.sha256());
  }

  private static final String META_TRUST_ROOT = "trust_root";
  private static final String META_POLICY = "policy_sha256";

  public Policy policy() {
    return policy;
  }

  /** Open {@code WatchVerdicts} streams. */
  public int watchers() {
    return service.watchers();
  }

  /** The TCP address actually bound (port 0 resolves here). */
  public Optional<InetSocketAddress> grpcAddress() {
    if (config.grpc().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of((InetSocketAddress) servers.get(0).server().getListenSockets().get(0));
  }

  /** The HTTP listener's bound address, if it serves one. */
  public Optional<InetSocketAddress> httpAddress() {
    return Optional.ofNullable(httpApi).map(HttpApi::address);
  }

  public Optional<InetSocketAddress> metricsAddress() {
    return Optional.ofNullable(metricsEndpoint).map(MetricsEndpoint::address);
  }

  /** The signer of attestation result tokens and its keys. */
  public ResultTokens tokens() {
    return tokens;
  }

  public TrustAnchor trustAnchor() {
    return anchor;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** The one start-up line: where the daemon listens and what it trusts. */
  public String describe() {
    StringBuilder sb = new StringBuilder("dcapd serving");
    grpcAddress().ifPresent(a -> sb.append(" grpc ").append(a.getHostString()).append(':').append(a.getPort())
        .append(config.tls().isPresent() ? " (tls)" : ""));
    config.unixSocket().ifPresent(p -> sb.append(" unix:").append(p));
    httpAddress().ifPresent(a -> sb.append(config.http().orElseThrow().tls().isPresent() ? " https://" : " http://").append(a.getHostString()).append(':').append(a.getPort()).append('/'));
    metricsAddress().ifPresent(a -> sb.append(" metrics http://").append(a.getHostString()).append(':').append(a.getPort())
        .append("/metrics"));
    sb.append(config.cassandra().isPresent() ? " store " + store.describe() : " data " + config.dataDir());
    sb.append(anchor.insecure() ? " INSECURE root " + anchor.fingerprint().hex() : " root Intel SGX Root CA");
    sb.append(" policy ").append(policy.name()).append(' ').append(policy.sha256(), 0, 12);
    if (config.insecureAllowDebug()) {
      sb.append(" INSECURE debug allowed");
    }
    sb.append(" ecdsa ").append(ecdsaEngine);
    long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    sb.append(" (ready ").append(sinceJvmStart).append(" ms after JVM start)");
    return sb.toString();
  }

  /** Stops accepting calls, drains those in flight, then flushes and closes the store. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (healthWatch != null) {
      healthWatch.shutdownNow();
    }
    if (httpApi != null) {
      httpApi.close();
    }
    for (DaemonServer s : servers) {
      try {
        s.stop(config.shutdownGrace().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (reappraiser != null) {
      reappraiser.close();
    }
    if (collateralSync != null) {
      collateralSync.shutdownNow();
    }
    workers.shutdown();
    try {
      workers.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    listeners.forEach(Listeners.Listener::release);
    if (metricsEndpoint != null) {
      metricsEndpoint.close();
    }
    store.close();
    config.unixSocket().ifPresent(p -> {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
