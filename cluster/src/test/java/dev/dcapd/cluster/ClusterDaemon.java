package dev.dcapd.cluster;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.Daemon;
import dev.dcapd.daemon.DaemonConfig;
import dev.dcapd.daemon.store.cassandra.CassandraLocation;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.RecentItem;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.VerifyRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One daemon of several on a Cassandra keyspace: its own data directory and gRPC port, the
 * collateral folder and trust root the test gives, and the clock it reads "now" from.
 */
final class ClusterDaemon implements AutoCloseable {
  private final Daemon daemon;
  private final ManagedChannel channel;

  private ClusterDaemon(Daemon daemon) {
    this.daemon = daemon;
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", daemon.grpcAddress().orElseThrow().getPort())
        .usePlaintext().build();
  }

  static ClusterDaemon start(Path dir, CassandraLocation store, Path collateralDir, Path rootPem, Clock clock)
      throws IOException {
    Files.createDirectories(dir);
    DaemonConfig config = new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(),
        dir.resolve("data"), List.of(), Optional.of(collateralDir), Optional.of(rootPem), Optional.empty(), false,
        Optional.empty(), 4, 256, 1 << 17, 16 << 20, Duration.ofSeconds(5), Duration.ofSeconds(2))
        .withCassandra(Optional.of(store));
    return new ClusterDaemon(Daemon.start(config, clock));
  }

  Daemon daemon() {
    return daemon;
  }

  AttestationServiceBlockingStub stub() {
    return AttestationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Everything Recent lists, newest first, through every page. */
  List<RecentItem> recent() {
    List<RecentItem> out = new ArrayList<>();
    String token = "";
    do {
      RecentResponse r = stub().recent(RecentRequest.newBuilder().setLimit(100).setPageToken(token).build());
      out.addAll(r.getItemsList());
      token = r.getNextPageToken();
    } while (!token.isEmpty());
    return out;
  }

  static VerifyRequest upload(byte[] quote) {
    return VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(quote)).build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    daemon.close();
  }
}
