package dev.dcapd.daemon;

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
    Duration shutdownGrace) {

  public DaemonConfig {
    Objects.requireNonNull(grpc, "grpc");
    Objects.requireNonNull(unixSocket, "unixSocket");
    Objects.requireNonNull(dataDir, "dataDir");
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
    if (blockCacheBytes < 1 << 20) {
      throw new IllegalArgumentException("the block cache must be at least 1 MiB");
    }
  }
}
