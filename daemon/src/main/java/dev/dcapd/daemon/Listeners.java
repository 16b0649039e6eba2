package dev.dcapd.daemon;

import dev.dcapd.proto.HostPort;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Server builders for the daemon's listeners: TCP, or a Unix socket, with optional TLS. */
public final class Listeners {
  private Listeners() {}

  /** Parses {@code HOST:PORT} (IPv6 hosts in brackets). */
  public static InetSocketAddress hostPort(String value) {
    HostPort address = HostPort.parse(value, 0);
    return new InetSocketAddress(address.host(), address.port());
  }

  /**
   * Transport threads per listener: one per core. They run the calls themselves (see
   * {@link DaemonServer}), so more threads than cores only adds context switches; gRPC's default of
   * two per core cost about a fifth of Get's throughput on two cores.
   */
  static int transportThreads() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** A TCP listener, on epoll where the platform has it, with the default keepalive. */
  public static Listener tcp(InetSocketAddress address, Optional<Tls> tls) throws IOException {
    return tcp(address, tls, PeerLimits.DEFAULTS);
  }

  /**
   * Pings a connection silent for {@link PeerLimits#keepAliveTime()} and closes it, ending its
   * streams, when the ping is not answered within {@link PeerLimits#keepAliveTimeout()}: a peer
   * that vanished without closing its connection (a crash, a cut network) frees its
   * {@code WatchVerdicts} streams. Clients may ping as often as every {@link #CLIENT_PING_EVERY}
   * while they have calls open.
   */
  static void keepAlive(NettyServerBuilder b, PeerLimits limits) {
    b.keepAliveTime(limits.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(limits.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveTime(CLIENT_PING_EVERY.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** How often a client may ping (gRPC's default is 5 minutes; a watcher behind a NAT wants less). */
  static final Duration CLIENT_PING_EVERY = Duration.ofSeconds(20);

  /** A TCP listener, on epoll where the platform has it. */
  public static Listener tcp(InetSocketAddress address, Optional<Tls> tls, PeerLimits limits) throws IOException {
    NettyServerBuilder b = NettyServerBuilder.forAddress(address);
    keepAlive(b, limits);
    if (tls.isPresent()) {
      b.sslContext(GrpcSslContexts.forServer(tls.get().certificateChain().toFile(), tls.get().privateKey().toFile()).build());
    }
    EventLoopGroup boss;
    EventLoopGroup workers;
    if (Epoll.isAvailable()) {
      boss = new EpollEventLoopGroup(1);
      workers = new EpollEventLoopGroup(transportThreads());
      b.channelType(EpollServerSocketChannel.class);
    } else {
      boss = new NioEventLoopGroup(1);
      workers = new NioEventLoopGroup(transportThreads());
      b.channelType(NioServerSocketChannel.class);
    }
    b.bossEventLoopGroup(boss).workerEventLoopGroup(workers);
    return new Listener(b, boss, workers);
  }

  /**
   * A Unix-socket listener (Linux, epoll). A stale socket file left by a previous run is removed;
   * the event loops are shut down with the server by the caller through {@link Listener}.
   */
  public static Listener unix(Path socket) throws IOException {
    return unix(socket, PeerLimits.DEFAULTS);
  }

  /** As {@link #unix(Path)}, with the keepalive of {@code limits}. */
  public static Listener unix(Path socket, PeerLimits limits) throws IOException {
    Files.deleteIfExists(socket);
    Path parent = socket.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    EventLoopGroup boss = new EpollEventLoopGroup(1);
    EventLoopGroup workers = new EpollEventLoopGroup(transportThreads());
    NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(new File(socket.toString())))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers);
    keepAlive(b, limits);
    return new Listener(b, boss, workers);
  }

  /** PEM files for TLS. */
  public record Tls(Path certificateChain, Path privateKey) {}

  /** A server builder and the event loops to release after the server stops. */
  public record Listener(ServerBuilder<?> builder, EventLoopGroup boss, EventLoopGroup workers) {
    public void release() {
      boss.shutdownGracefully();
      workers.shutdownGracefully();
    }
  }
}
