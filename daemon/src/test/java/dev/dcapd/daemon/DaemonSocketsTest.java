package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.ErrorReasons;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.Vectors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole daemon on real sockets: TCP, a Unix socket, TLS, health, metrics and the message limit. */
class DaemonSocketsTest {
  private static final Instant TDX_AT = Instant.ofEpochSecond(1752919234L);

  @TempDir Path dir;
  private Daemon daemon;
  private ManagedChannel channel;
  private EpollEventLoopGroup loop;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (loop != null) {
      loop.shutdownGracefully();
    }
  }

  private DaemonConfig config(Optional<Listeners.Tls> tls, Optional<Path> unix) throws Exception {
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(collateral.resolve("tdx.json"), Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    return TestStores.on(new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), unix, dir.resolve("data"), List.of(),
        Optional.of(collateral), Optional.empty(), Optional.of(new InetSocketAddress("127.0.0.1", 0)), true, tls,
        4, 64, DaemonServer.DEFAULT_MAX_MESSAGE_BYTES, 16 << 20, Duration.ofSeconds(2), Duration.ofSeconds(2)));
  }

  private static VerifyRequest upload(byte[] q) {
    return VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(q)).build();
  }

  @Test
  void tcpWithHealthMetricsAndTheMessageLimit() throws Exception {
    daemon = Daemon.start(config(Optional.empty(), Optional.empty()), Clock.fixed(TDX_AT, ZoneOffset.UTC));
    InetSocketAddress addr = daemon.grpcAddress().orElseThrow();
    channel = NettyChannelBuilder.forAddress(addr).usePlaintext().build();
    var stub = AttestationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);

    VerifyResponse v = stub.verify(upload(Vectors.bytes("dcap-qvl/tdx_quote")));
    assertTrue(v.getSuccess(), v.getVerdict().toString());
    assertEquals("UpToDate", v.getVerdict().getTcbStatus());
    assertTrue(stub.get(GetRequest.newBuilder().setChecksum(v.getChecksum()).build()).getVerified());

    HealthCheckResponse health = HealthGrpc.newBlockingStub(channel)
        .check(HealthCheckRequest.newBuilder().setService("dcapd.v1.AttestationService").build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());

    byte[] tooBig = new byte[DaemonServer.DEFAULT_MAX_MESSAGE_BYTES + 1];
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.verify(upload(tooBig)));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());

    InetSocketAddress m = daemon.metricsAddress().orElseThrow();
    String metrics = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.getPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    // The Prometheus client writes labels in name order and values as Java doubles (1.0, 1.6777216E7).
    assertTrue(metrics.contains("dcapd_verifications_total{failure_code=\"\",outcome=\"success\",tcb_status=\"UpToDate\"} 1.0\n"),
        metrics);
    assertTrue(metrics.contains("dcapd_records_stored_total 1.0\n"), metrics);
    assertTrue(metrics.contains("dcapd_collateral_requests_total{result=\"fetch\""), metrics);
    if (TestStores.cassandraFor(dir.resolve("data")).isEmpty()) {
      // RocksDB's own gauges.
      assertTrue(metrics.contains("dcapd_block_cache_capacity_bytes " + (double) (16 << 20) + "\n"), metrics);
      assertTrue(metrics.lines().anyMatch(l -> l.matches("dcapd_block_cache_bytes [0-9.E]+")), metrics);
    }
    assertTrue(daemon.describe().startsWith("dcapd serving grpc 127.0.0.1:" + addr.getPort()));
  }

  @Test
  void unixSocket() throws Exception {
    Path socket = dir.resolve("run/dcapd.sock");
    daemon = Daemon.start(config(Optional.empty(), Optional.of(socket)), Clock.fixed(TDX_AT, ZoneOffset.UTC));
    loop = new EpollEventLoopGroup(1);
    channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(loop)
        .usePlaintext()
        .build();
    VerifyResponse v = AttestationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .verify(upload(Vectors.bytes("dcap-qvl/tdx_quote")));
    assertTrue(v.getSuccess());
    daemon.close();
    daemon = null;
    assertFalse(Files.exists(socket), "the socket file is removed on shutdown");
  }

  @Test
  void tls() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=localhost");
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.TWO,
        new Date(System.currentTimeMillis() - 60_000), new Date(System.currentTimeMillis() + 86_400_000L), name, kp.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    Path certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    Files.writeString(certFile, pem(cert));
    Files.writeString(keyFile, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(kp.getPrivate(), null)));
    daemon = Daemon.start(config(Optional.of(new Listeners.Tls(certFile, keyFile)), Optional.empty()),
        Clock.fixed(TDX_AT, ZoneOffset.UTC));
    channel = NettyChannelBuilder.forAddress(daemon.grpcAddress().orElseThrow())
        .overrideAuthority("localhost")
        .sslContext(GrpcSslContexts.forClient().trustManager(certFile.toFile()).build())
        .build();
    VerifyResponse v = AttestationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .verify(upload(Vectors.bytes("dcap-qvl/tdx_quote")));
    assertTrue(v.getSuccess());

    ManagedChannel plain = NettyChannelBuilder.forAddress(daemon.grpcAddress().orElseThrow()).usePlaintext().build();
    try {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> AttestationServiceGrpc.newBlockingStub(plain).withDeadlineAfter(5, TimeUnit.SECONDS)
              .verify(upload(Vectors.bytes("dcap-qvl/tdx_quote"))));
      assertTrue(e.getStatus().getCode() == Status.Code.UNAVAILABLE || e.getStatus().getCode() == Status.Code.INTERNAL,
          e.getStatus().toString());
    } finally {
      plain.shutdownNow();
    }
  }

  @Test
  void expiredOfflineCollateralIsUnavailable() throws Exception {
    daemon = Daemon.start(config(Optional.empty(), Optional.empty()),
        Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC));
    channel = NettyChannelBuilder.forAddress(daemon.grpcAddress().orElseThrow()).usePlaintext().build();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> AttestationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .verify(upload(Vectors.bytes("dcap-qvl/tdx_quote"))));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals("COLLATERAL_UNAVAILABLE", ErrorReasons.reason(e));
  }

  private static String pem(Object o) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }
}
