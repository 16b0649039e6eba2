package dev.dcapd.daemon.testing;

import dev.dcapd.daemon.Daemon;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/** A blocking stub on a daemon's gRPC listener on 127.0.0.1, its channel closed with the test's {@link Closer}. */
public final class LoopbackStubs {
  private LoopbackStubs() {}

  /** A stub whose calls wait 30 s at most. */
  public static AttestationServiceBlockingStub stub(Daemon d, Closer open) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", d.grpcAddress().orElseThrow().getPort())
        .usePlaintext().build();
    open.add(ch::shutdownNow);
    return AttestationServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
  }
}
