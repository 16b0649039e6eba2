package dev.dcapd.daemon.testing;

import dev.dcapd.daemon.Daemon;
import dev.dcapd.daemon.DaemonConfig;
import dev.dcapd.daemon.Listeners;
import dev.dcapd.daemon.PeerLimits;
import dev.dcapd.daemon.http.HttpSettings;
import dev.dcapd.verifier.Vectors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * A real daemon on 127.0.0.1 and a Unix socket, judging at dcap-qvl tdx_quote's instant with the
 * collateral of dcap-qvl's TDX and SGX quotes in an offline folder: the TDX quote verifies UpToDate,
 * the SGX quote (whose collateral is valid then too) ConfigurationAndSWHardeningNeeded. It can be stopped and
 * started again on the same port and data.
 */
public final class LiveDaemon implements AutoCloseable {
  /** dcap-qvl tdx_quote's verification instant (its README). */
  public static final Instant TDX_AT = Instant.ofEpochSecond(1752919234L);
  public static final byte[] TDX = Vectors.bytes("dcap-qvl/tdx_quote");
  public static final String TDX_CHECKSUM = "c42f9164325024bca2757bc8819b11879a0a369132ea4e2b7c85df4805ea72db";
  public static final byte[] SGX = Vectors.bytes("dcap-qvl/sgx_quote");
  private static final int MESSAGE_BYTES = 131072;

  private final Path dir;
  private final int maxMessageBytes;
  private final Optional<Listeners.Tls> tls;
  private int port;
  /** The HTTP listener's port: -1 for none, 0 until first bound. */
  private int httpPort = -1;
  private int httpRate = HttpSettings.DEFAULT_REQUESTS_PER_SECOND;
  private Optional<Listeners.Tls> httpTls = Optional.empty();
  private PeerLimits peers = PeerLimits.DEFAULTS;
  private Duration httpIdleTimeout = HttpSettings.DEFAULT_IDLE_TIMEOUT;
  private long httpMinDataRate = HttpSettings.DEFAULT_MIN_DATA_RATE;
  private Daemon daemon;

  private LiveDaemon(Path dir, int maxMessageBytes, Optional<Listeners.Tls> tls) {
    this.dir = dir;
    this.maxMessageBytes = maxMessageBytes;
    this.tls = tls;
  }

  public static LiveDaemon start(Path dir) throws IOException {
    return start(dir, MESSAGE_BYTES, Optional.empty());
  }

  /** A daemon that also serves HTTP (Phala's API, pages, metrics) on 127.0.0.1. */
  public static LiveDaemon startWithHttp(Path dir) throws IOException {
    return startWithHttp(dir, HttpSettings.DEFAULT_REQUESTS_PER_SECOND);
  }

  /** A daemon that also serves HTTP, allowing each client address {@code requestsPerSecond}. */
  public static LiveDaemon startWithHttp(Path dir, int requestsPerSecond) throws IOException {
    return start(dir, MESSAGE_BYTES, Optional.empty(), true, requestsPerSecond);
  }

  /**
   * A daemon that also serves HTTP, allowing each client address {@code requestsPerSecond}, with
   * this idle timeout ({@code --http-idle-timeout}) and minimum body rate ({@code --http-min-data-rate}).
   */
  public static LiveDaemon startWithHttp(Path dir, int requestsPerSecond, Duration idleTimeout, long minDataRate)
      throws IOException {
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    for (String name : List.of("tdx_quote_collateral.json", "sgx_quote_collateral.json")) {
      Files.writeString(collateral.resolve(name), Vectors.text("dcap-qvl/" + name), StandardCharsets.UTF_8);
    }
    LiveDaemon d = new LiveDaemon(dir, MESSAGE_BYTES, Optional.empty());
    d.httpPort = 0;
    d.httpRate = requestsPerSecond;
    d.httpIdleTimeout = idleTimeout;
    d.httpMinDataRate = minDataRate;
    d.startAgain();
    return d;
  }

  /** A daemon that also serves HTTP over TLS with these PEM files ({@code --http-tls-cert}, {@code --http-tls-key}). */
  public static LiveDaemon startWithHttps(Path dir, Listeners.Tls httpTls) throws IOException {
    return start(dir, MESSAGE_BYTES, Optional.empty(), true, HttpSettings.DEFAULT_REQUESTS_PER_SECOND, Optional.of(httpTls));
  }

  /** A daemon with HTTP whose per-client bounds and keepalive are {@code peers}. */
  public static LiveDaemon startWithPeers(Path dir, PeerLimits peers) throws IOException {
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    for (String name : List.of("tdx_quote_collateral.json", "sgx_quote_collateral.json")) {
      Files.writeString(collateral.resolve(name), Vectors.text("dcap-qvl/" + name), StandardCharsets.UTF_8);
    }
    LiveDaemon d = new LiveDaemon(dir, MESSAGE_BYTES, Optional.empty());
    d.httpPort = 0;
    d.peers = peers;
    d.startAgain();
    return d;
  }

  public static LiveDaemon start(Path dir, int maxMessageBytes, Optional<Listeners.Tls> tls) throws IOException {
    return start(dir, maxMessageBytes, tls, false, HttpSettings.DEFAULT_REQUESTS_PER_SECOND);
  }

  private static LiveDaemon start(Path dir, int maxMessageBytes, Optional<Listeners.Tls> tls, boolean http,
      int httpRate) throws IOException {
    return start(dir, maxMessageBytes, tls, http, httpRate, Optional.empty());
  }

  private static LiveDaemon start(Path dir, int maxMessageBytes, Optional<Listeners.Tls> tls, boolean http,
      int httpRate, Optional<Listeners.Tls> httpTls) throws IOException {
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    for (String name : List.of("tdx_quote_collateral.json", "sgx_quote_collateral.json")) {
      Files.writeString(collateral.resolve(name), Vectors.text("dcap-qvl/" + name), StandardCharsets.UTF_8);
    }
    LiveDaemon d = new LiveDaemon(dir, maxMessageBytes, tls);
    d.httpPort = http ? 0 : -1;
    d.httpRate = httpRate;
    d.httpTls = httpTls;
    d.startAgain();
    return d;
  }

  /** Starts the daemon (again): the first time on a free port, later on the same one. */
  public void startAgain() throws IOException {
    DaemonConfig config = new DaemonConfig(
        Optional.of(new InetSocketAddress("127.0.0.1", port)),
        Optional.of(socket()),
        dir.resolve("data"),
        List.of(),
        Optional.of(dir.resolve("collateral")),
        Optional.empty(),
        Optional.empty(),
        false,
        tls,
        2,
        64,
        maxMessageBytes,
        16 << 20,
        Duration.ofSeconds(5),
        Duration.ofSeconds(1))
        .withHttp(httpPort < 0 ? Optional.empty()
            : Optional.of(new HttpSettings(new InetSocketAddress("127.0.0.1", httpPort), httpRate, httpTls,
                httpIdleTimeout, httpMinDataRate)))
        .withPeers(peers);
    daemon = Daemon.start(TestStores.on(config), Clock.fixed(TDX_AT, ZoneOffset.UTC));
    port = daemon.grpcAddress().orElseThrow().getPort();
    daemon.httpAddress().ifPresent(a -> httpPort = a.getPort());
  }

  /** Stops the daemon; the port and data stay for {@link #startAgain()}. */
  public void stop() {
    if (daemon != null) {
      daemon.close();
      daemon = null;
    }
  }

  public String target() {
    return "127.0.0.1:" + port;
  }

  /** The HTTP listener's base URL, {@code http://127.0.0.1:PORT} ({@code https://} with TLS), for a daemon started with it. */
  public String httpUrl() {
    if (httpPort <= 0) {
      throw new IllegalStateException("this daemon serves no HTTP");
    }
    return (httpTls.isPresent() ? "https" : "http") + "://127.0.0.1:" + httpPort;
  }

  /** The running daemon. */
  public Daemon daemon() {
    return daemon;
  }

  public Path socket() {
    return dir.resolve("dcapd.sock");
  }

  public String unixTarget() {
    return "unix:" + socket();
  }

  @Override
  public void close() {
    stop();
  }
}
