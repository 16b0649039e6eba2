package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.GetChallengeRequest;
import dev.dcapd.proto.v1.GetChallengeResponse;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.WatchVerdictsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client cannot take what every client shares: a peer (its IP address) holds at most its bound
 * of {@code WatchVerdicts} streams and of open challenges, while another peer (another loopback
 * address, 127.0.0.2) still gets both; a client that goes away frees its streams.
 */
class PeerBoundsTest {
  private static final int TD_REPORTDATA = 48 + 520;
  /** More streams than the daemon holds in all: a loop that is never refused fails the test. */
  private static final int STREAMS_TRIED = 300;
  /** More challenges than the daemon keeps in all (100,000). */
  private static final int CHALLENGES_TRIED = 110_000;

  @TempDir
  Path dir;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private LiveDaemon daemon;

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (daemon != null) {
      daemon.close();
    }
  }

  /** A channel to the daemon whose connections come from {@code localAddress}. */
  private ManagedChannel from(String localAddress) {
    InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(daemon.target().split(":")[1]));
    ManagedChannel c = NettyChannelBuilder.forAddress(server)
        .localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
          @Override
          public InetSocketAddress createSocketAddress(java.net.SocketAddress remote, io.grpc.Attributes attrs) {
            return new InetSocketAddress(localAddress, 0);
          }
        })
        .usePlaintext()
        .build();
    channels.add(c);
    return c;
  }

  /** A stream's end as the client saw it; open while not done. */
  private static final class Stream implements StreamObserver<VerdictChange> {
    final CompletableFuture<Throwable> ended = new CompletableFuture<>();

    @Override
    public void onNext(VerdictChange value) {}

    @Override
    public void onError(Throwable t) {
      ended.complete(t);
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
    }
  }

  /**
   * Opens streams over {@code channel} until one is refused (or {@link #STREAMS_TRIED}); returns how
   * many the daemon accepted and the refusal.
   */
  private Opened openUntilRefused(ManagedChannel channel) throws Exception {
    AttestationServiceGrpc.AttestationServiceStub stub = AttestationServiceGrpc.newStub(channel);
    int accepted = 0;
    for (int i = 0; i < STREAMS_TRIED; i++) {
      int before = daemon.daemon().watchers();
      Stream s = new Stream();
      stub.watchVerdicts(WatchVerdictsRequest.getDefaultInstance(), s);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (daemon.daemon().watchers() == before && !s.ended.isDone()) {
        assertTrue(System.nanoTime() < deadline, "stream " + i + " neither opened nor refused");
        Thread.sleep(1);
      }
      if (s.ended.isDone()) {
        return new Opened(accepted, s.ended.get());
      }
      accepted++;
    }
    return new Opened(accepted, null);
  }

  private record Opened(int accepted, Throwable refusal) {}

  @Test
  void onePeerAtItsStreamBoundLeavesStreamsForAnother() throws Exception {
    daemon = LiveDaemon.start(dir);
    Opened a = openUntilRefused(from("127.0.0.1"));
    assertNotNull(a.refusal(), "peer 127.0.0.1 opened " + a.accepted() + " streams and was never refused");
    assertEquals(PeerLimits.DEFAULT_WATCHERS_PER_PEER, a.accepted());
    assertExhausted("WATCHERS_PER_PEER", a.refusal());
    assertEquals(1, daemon.daemon().metrics().counter("dcapd_rpc_rejected_total{reason=\"watchers_per_peer\"}"));

    // Another address is another peer: it gets its streams.
    Opened b = openUntilRefused(from("127.0.0.2"));
    assertEquals(PeerLimits.DEFAULT_WATCHERS_PER_PEER, b.accepted());
    assertEquals(2 * PeerLimits.DEFAULT_WATCHERS_PER_PEER, daemon.daemon().watchers());
  }

  private static void assertExhausted(String reason, Throwable t) {
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(t).getCode(), String.valueOf(t));
    com.google.rpc.Status s = StatusProto.fromThrowable(t);
    assertNotNull(s, "no status details");
    String got = s.getDetailsList().stream().filter(d -> d.is(ErrorInfo.class)).map(d -> {
      try {
        return d.unpack(ErrorInfo.class).getReason();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }).findFirst().orElse("");
    assertEquals(reason, got);
  }

  @Test
  void onePeerFloodingChallengesDoesNotEvictAnothersNonce() throws Exception {
    daemon = LiveDaemon.start(dir);
    AttestationServiceGrpc.AttestationServiceBlockingStub a = AttestationServiceGrpc.newBlockingStub(from("127.0.0.1"));
    AttestationServiceGrpc.AttestationServiceBlockingStub b = AttestationServiceGrpc.newBlockingStub(from("127.0.0.2"));
    GetChallengeResponse kept = b.getChallenge(GetChallengeRequest.getDefaultInstance());
    int first = flood(a);
    // A nonce handed out while the flood goes on: the newest entries are the ones a full cache drops.
    GetChallengeResponse fresh = b.getChallenge(GetChallengeRequest.getDefaultInstance());
    int second = flood(a);
    for (GetChallengeResponse c : List.of(kept, fresh)) {
      byte[] quote = LiveDaemon.TDX.clone();
      System.arraycopy(c.getNonce().toByteArray(), 0, quote, TD_REPORTDATA, 32);
      // The token comes only with a nonce still open; an evicted one is NONCE_UNKNOWN.
      assertFalse(b.withDeadlineAfter(30, TimeUnit.SECONDS).verify(VerifyRequest.newBuilder()
          .setQuote(ByteString.copyFrom(quote)).setToken("ear").setNonce(c.getNonce()).build()).getToken().isEmpty());
    }
    assertEquals(PeerLimits.DEFAULT_CHALLENGES_PER_PEER, first, "open challenges peer 127.0.0.1 got");
    assertEquals(0, second);
    assertTrue(daemon.daemon().metrics().counter("dcapd_rpc_rejected_total{reason=\"challenges_per_peer\"}") >= 2);
  }

  @Test
  void everyUnixSocketClientIsOneLocalPeer() throws Exception {
    daemon = LiveDaemon.start(dir);
    EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
    try {
      for (int client = 0; client < 2; client++) {
        ManagedChannel c = NettyChannelBuilder.forAddress(new DomainSocketAddress(daemon.socket().toString()))
            .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop).usePlaintext().build();
        channels.add(c);
        Opened o = openUntilRefused(c);
        // grpc-java tells the server no credentials of a socket's peer: the first takes the local bound.
        assertEquals(client == 0 ? PeerLimits.DEFAULT_WATCHERS_PER_PEER : 0, o.accepted());
        assertExhausted("WATCHERS_PER_PEER", o.refusal());
      }
      // TCP from loopback is another peer.
      assertEquals(PeerLimits.DEFAULT_WATCHERS_PER_PEER, openUntilRefused(from("127.0.0.1")).accepted());
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClientShutDownAbruptlyFreesItsStreamsAtOnce() throws Exception {
    daemon = LiveDaemon.start(dir);
    ManagedChannel first = from("127.0.0.1");
    assertEquals(PeerLimits.DEFAULT_WATCHERS_PER_PEER, openUntilRefused(first).accepted());
    first.shutdownNow();
    // The connection closes: each stream is cancelled and frees its place, well before any keepalive.
    await(() -> daemon.daemon().watchers() == 0, 10, "the streams of a client that shut down end");
    assertEquals(PeerLimits.DEFAULT_WATCHERS_PER_PEER, openUntilRefused(from("127.0.0.1")).accepted());
  }

  @Test
  void aVanishedPeersStreamsEndWhenItsKeepalivePingGoesUnanswered() throws Exception {
    // gRPC pings no sooner than after 10 s of silence.
    daemon = LiveDaemon.startWithPeers(dir, new PeerLimits(4, 64, PeerLimits.MIN_KEEPALIVE_TIME, Duration.ofSeconds(1)));
    try (BlackholeProxy proxy = new BlackholeProxy(new InetSocketAddress("127.0.0.1",
        Integer.parseInt(daemon.target().split(":")[1])))) {
      ManagedChannel c = NettyChannelBuilder.forAddress(proxy.address()).usePlaintext().build();
      channels.add(c);
      assertEquals(4, openUntilRefused(c).accepted());
      // The peer goes silent without closing anything, as a crashed host or a cut network does.
      proxy.freeze();
      long frozen = System.nanoTime();
      Thread.sleep(500);
      assertEquals(4, daemon.daemon().watchers(), "nothing but the keepalive ends them");
      await(() -> daemon.daemon().watchers() == 0, 20, "the streams of a silent peer end");
      System.err.println("silent peer: streams ended " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozen)
          + " ms after it went silent");
      assertTrue(proxy.connectionsOpen(), "the client's side of the connection stayed open");
    }
  }

  @Test
  void theChallengeBoundHoldsPerAddressOverHttpAndGrpcAlike() throws Exception {
    daemon = LiveDaemon.startWithPeers(dir, new PeerLimits(16, 3, PeerLimits.DEFAULT_KEEPALIVE_TIME,
        PeerLimits.DEFAULT_KEEPALIVE_TIMEOUT));
    URI url = URI.create(daemon.httpUrl());
    for (int i = 0; i < 3; i++) {
      assertEquals(200, postChallenge(url, "127.0.0.1").status());
    }
    Answer refused = postChallenge(url, "127.0.0.1");
    assertEquals(429, refused.status());
    long retryAfter = Long.parseLong(refused.header("retry-after"));
    assertTrue(retryAfter >= 1 && retryAfter <= 301, "Retry-After " + retryAfter);
    assertTrue(refused.body().contains("\"CHALLENGES_PER_PEER\""), refused.body());
    // The same address over gRPC is the same peer; another address is another.
    assertEquals(0, flood(AttestationServiceGrpc.newBlockingStub(from("127.0.0.1"))));
    assertEquals(200, postChallenge(url, "127.0.0.2").status());
    assertEquals(2, flood(AttestationServiceGrpc.newBlockingStub(from("127.0.0.2"))));
  }

  private record Answer(int status, java.util.Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  /** {@code POST /api/v1/challenge} over a connection from {@code localAddress}. */
  private static Answer postChallenge(URI base, String localAddress) throws Exception {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(localAddress, 0));
      s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("POST /api/v1/challenge HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
          + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String[] headAndBody = all.split("\r\n\r\n", 2);
      String[] lines = headAndBody[0].split("\r\n");
      java.util.Map<String, String> headers = new java.util.HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
      return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, headAndBody.length > 1 ? headAndBody[1] : "");
    }
  }

  /**
   * A TCP relay to the daemon for one client connection that can go silent: once frozen it forwards
   * nothing more either way but keeps both sockets open, as a peer behind a cut network looks.
   */
  private static final class BlackholeProxy implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket();
    private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean frozen;

    BlackholeProxy(InetSocketAddress target) throws java.io.IOException {
      listener.bind(new InetSocketAddress("127.0.0.1", 0));
      listener.setSoTimeout(30_000);
      acceptor = new Thread(() -> {
        try {
          Socket client = listener.accept();
          Socket server = new Socket();
          server.connect(target, 10_000);
          sockets.add(client);
          sockets.add(server);
          pump(client, server);
          pump(server, client);
        } catch (java.io.IOException e) {
          // The test fails on the streams it does not get.
        }
      }, "blackhole-accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    InetSocketAddress address() {
      return new InetSocketAddress("127.0.0.1", listener.getLocalPort());
    }

    private void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        byte[] buffer = new byte[16 * 1024];
        try {
          int n;
          while (!frozen && (n = from.getInputStream().read(buffer)) > 0) {
            if (frozen) {
              return;
            }
            to.getOutputStream().write(buffer, 0, n);
          }
        } catch (java.io.IOException e) {
          // Closed.
        }
      }, "blackhole-pump");
      t.setDaemon(true);
      t.start();
    }

    void freeze() {
      frozen = true;
    }

    boolean connectionsOpen() {
      return sockets.size() == 2 && sockets.stream().noneMatch(Socket::isClosed);
    }

    @Override
    public void close() throws java.io.IOException {
      listener.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /** Asks for challenges until refused (or {@link #CHALLENGES_TRIED}); how many were handed out. */
  private static int flood(AttestationServiceGrpc.AttestationServiceBlockingStub stub) {
    for (int i = 0; i < CHALLENGES_TRIED; i++) {
      try {
        stub.withDeadlineAfter(10, TimeUnit.SECONDS).getChallenge(GetChallengeRequest.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        assertExhausted("CHALLENGES_PER_PEER", e);
        return i;
      }
    }
    return CHALLENGES_TRIED;
  }

  static void await(BooleanSupplier condition, long seconds, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out: " + what);
      Thread.sleep(10);
    }
  }
}
