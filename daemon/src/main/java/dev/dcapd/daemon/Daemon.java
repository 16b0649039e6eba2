package dev.dcapd.daemon;

import dev.dcapd.collateral.CollateralFetcher;
import dev.dcapd.collateral.CollateralService;
import dev.dcapd.collateral.CollateralSource;
import dev.dcapd.collateral.HttpGetter;
import dev.dcapd.collateral.InMemoryCollateralCache;
import dev.dcapd.collateral.OfflineDirectorySource;
import dev.dcapd.collateral.PcsClient;
import dev.dcapd.collateral.RetryPolicy;
import dev.dcapd.collateral.VerifierCollateralCheck;
import dev.dcapd.daemon.api.AttestationServiceImpl;
import dev.dcapd.daemon.store.QuoteStore;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.Ecdsa;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** A running daemon: the store, the verifier, the collateral cache and its listeners. */
public final class Daemon implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dcapd");

  private final DaemonConfig config;
  private final QuoteStore store;
  private final List<DaemonServer> servers = new ArrayList<>();
  private final List<Listeners.Listener> listeners = new ArrayList<>();
  private final Metrics metrics = new Metrics();
  /** Calls that may wait (collateral fetches, synced writes, Check), shared by every listener. */
  private final ExecutorService workers;
  private final TrustAnchor anchor;
  private MetricsEndpoint metricsEndpoint;
  private boolean closed;

  private Daemon(DaemonConfig config, QuoteStore store, TrustAnchor anchor) {
    this.workers = DaemonServer.workerPool(config.workers());
    this.config = config;
    this.store = store;
    this.anchor = anchor;
  }

  /** Opens the store, builds the service and starts every listener. */
  public static Daemon start(DaemonConfig config, Clock clock) throws IOException {
    // Loading the native ECDSA engine takes a few hundred milliseconds; do it while RocksDB opens.
    Thread engineLoad = new Thread(Ecdsa::engine, "ecdsa-engine-load");
    engineLoad.setDaemon(true);
    engineLoad.start();
    byte[] customRoot = config.insecureTrustRoot().isPresent()
        ? Files.readAllBytes(config.insecureTrustRoot().get()) : null;
    QuoteStore store = QuoteStore.open(config.dataDir(), config.syncWrites(), config.blockCacheBytes());
    Daemon d;
    try {
      d = new Daemon(config, store, customRoot != null ? TrustAnchor.insecureCustomRoot(customRoot) : TrustAnchor.intel());
    } catch (RuntimeException e) {
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
        .store(new RocksCollateralStore(store))
        .build();
    CollateralService collateral = new CollateralService(cache);
    metrics.gauge("dcapd_records", store::estimatedRecordCount);
    metrics.gauge("dcapd_block_cache_bytes", store::blockCacheUsage);
    metrics.gauge("dcapd_block_cache_capacity_bytes", store::blockCacheCapacity);
    CollateralProvider provider = new CollateralProvider() {
      @Override
      public QuoteCollateral forQuote(Quote quote, Instant at) throws DcapException {
        metrics.collateral("lookup", "cache");
        return collateral.forQuote(quote, at);
      }

      @Override
      public Optional<QuoteCollateral> cached(Quote quote, Instant at) {
        Optional<QuoteCollateral> c = collateral.cachedForQuote(quote, at);
        if (c.isPresent()) {
          metrics.collateral("lookup", "cache");
        }
        return c;
      }
    };
    AttestationServiceImpl service = new AttestationServiceImpl(store, verifier, provider, clock, metrics, workers);

    if (config.grpc().isPresent()) {
      Listeners.Listener tcp = Listeners.tcp(config.grpc().get(), config.tls());
      listeners.add(tcp);
      servers.add(new DaemonServer(tcp.builder(), service, metrics, config.maxInFlight(), config.maxMessageBytes())
          .start());
    }
    if (config.unixSocket().isPresent()) {
      Listeners.Listener unix = Listeners.unix(config.unixSocket().get());
      listeners.add(unix);
      servers.add(new DaemonServer(unix.builder(), service, metrics, config.maxInFlight(), config.maxMessageBytes())
          .start());
    }
    if (config.metrics().isPresent()) {
      metricsEndpoint = new MetricsEndpoint(config.metrics().get(), metrics);
    }
    if (anchor.insecure()) {
      LOG.log(System.Logger.Level.WARNING, "INSECURE: trusting root {0} instead of the Intel SGX Root CA; every verdict says so",
          anchor.fingerprint().hex());
    }
  }

  /** The TCP address actually bound (port 0 resolves here). */
  public Optional<InetSocketAddress> grpcAddress() {
    if (config.grpc().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of((InetSocketAddress) servers.get(0).server().getListenSockets().get(0));
  }

  public Optional<InetSocketAddress> metricsAddress() {
    return Optional.ofNullable(metricsEndpoint).map(MetricsEndpoint::address);
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
    metricsAddress().ifPresent(a -> sb.append(" metrics http://").append(a.getHostString()).append(':').append(a.getPort())
        .append("/metrics"));
    sb.append(" data ").append(config.dataDir());
    sb.append(anchor.insecure() ? " INSECURE root " + anchor.fingerprint().hex() : " root Intel SGX Root CA");
    sb.append(" ecdsa ").append(Ecdsa.engine());
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
    for (DaemonServer s : servers) {
      try {
        s.stop(config.shutdownGrace().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
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
