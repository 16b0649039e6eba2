package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.dcapd.daemon.testing.Closer;
import dev.dcapd.daemon.testing.DaemonProcess;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.GetChallengeRequest;
import dev.dcapd.proto.v1.GetChallengeResponse;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.proto.v1.WatchVerdictsRequest;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under load, with faults, nothing acknowledged is lost: one daemon process with {@code --http}
 * and {@code --sync-writes}, 16 normal clients uploading and reading over HTTP and gRPC, first
 * alone, then beside 32 clients that send their uploads a byte at a time and one that floods
 * {@code WatchVerdicts} streams and challenges; then {@code kill -9} in the middle of it all and a
 * restart on the same data. Every upload acknowledged before the kill must be there after the
 * restart with the same verdict. The normal clients' latencies with and without the abuse and the
 * restart's duration are measured and reported (printed, and written to
 * {@code target/fault-load.json}), never asserted: they depend on the machine.
 *
 * <p>Loopback only; each normal client has its own address (127.0.1.N), the slow clients share
 * 127.0.2.1 and the flooder is 127.0.3.1, so per-address bounds fall on the abusers. Answers that
 * turn the abusers away (RESOURCE_EXHAUSTED, 408, 429, 503, a closed connection) are counted. Off
 * by default (about a minute of load); {@code -Ddcapd.test.faultload=true} runs it ({@code .ci/run} does).
 */
@EnabledIfSystemProperty(named = FaultLoadTest.PROPERTY, matches = "true")
class FaultLoadTest {
  static final String PROPERTY = "dcapd.test.faultload";

  private static final int NORMAL_CLIENTS = 16;
  private static final int SLOW_CLIENTS = 32;
  private static final long WARMUP_MS = 3_000;
  private static final long PHASE_MS = 10_000;
  /** Time the abusers get to take hold before the normal clients are measured beside them. */
  private static final long SETTLE_MS = 2_000;
  /**
   * How long into the last phase the daemon is killed, at the earliest: it is killed once an
   * upload of that phase was acknowledged (at most {@link #KILL_AT_LATEST_MS} into it).
   */
  private static final long KILL_AFTER_MS = 3_000;
  private static final long KILL_AT_LATEST_MS = 20_000;
  /** A normal client's pause between calls: 16 of them make a steady load, not a saturating one. */
  private static final long THINK_MS = 100;
  private static final long CALL_TIMEOUT_MS = 5_000;
  /** A slow client sends one byte of its upload this often. */
  private static final long SLOW_BYTE_MS = 100;
  private static final int SLOW_ATTEMPTS = 300;
  /** How many WatchVerdicts streams the flooder tries to hold (more than the daemon's 256). */
  private static final int FLOOD_STREAMS = 300;
  private static final int FLOOD_STREAM_ATTEMPTS = 5_000;
  private static final int FLOOD_CHALLENGES = 40_000;
  /** Challenge requests the flooder keeps in flight at once, on each of gRPC and HTTP. */
  private static final int FLOOD_CONCURRENCY = 8;
  private static final int MAX_UPLOADS = 20_000;
  /** No client runs longer than this after the daemon is up, whatever the test thread does. */
  private static final long HARD_STOP_MS = 90_000;

  private static final String SLOW_ADDRESS = "127.0.2.1";
  private static final String FLOOD_ADDRESS = "127.0.3.1";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @TempDir Path dir;
  @AutoClose final Closer open = new Closer();

  /** Calls are counted in the phase they start in; those of the warm-up and the settling are not reported. */
  private enum Phase { WARMUP, QUIET, SETTLE, ABUSE, FAULT }

  /** What a normal client's call was: two uploads, two reads. */
  private enum Kind { HTTP_UPLOAD, GRPC_UPLOAD, HTTP_VIEW, GRPC_GET }

  /** An acknowledged upload: its bytes and the verdict it was answered with. */
  private record Ack(byte[] quote, String verdict) {}

  private final Map<Phase, PhaseStats> stats = new ConcurrentHashMap<>();
  private final Map<String, Ack> acknowledged = new ConcurrentHashMap<>();
  private volatile Phase phase = Phase.WARMUP;
  private volatile boolean normalRunning = true;
  private volatile boolean abuseRunning = true;
  /** Set just before the kill: what ends after it is the kill's doing, not the abuse's. */
  private volatile boolean killed;
  private long hardStop;


  private QuoteBatch batch;
  private long nextQuote;

  @Test
  void acknowledgedUploadsSurviveKillNineUnderLoadAndAbuse() throws Exception {
    long began = System.nanoTime();
    double loadAtStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    for (Phase p : Phase.values()) {
      stats.put(p, new PhaseStats());
    }
    batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).build());
    Files.writeString(dir.resolve("root.pem"), batch.template().rootPem(), StandardCharsets.US_ASCII);
    Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(dir.resolve("collateral/platform.json"), batch.collateral().toJson(), StandardCharsets.UTF_8);
    List<String> options = List.of("--http", "127.0.0.1:0", "--sync-writes",
        "--collateral-dir", dir.resolve("collateral").toString(),
        "--insecure-trust-root", dir.resolve("root.pem").toString());
    Path data = dir.resolve("data");

    QueuedThreadPool httpThreads = new QueuedThreadPool(64, 4);
    httpThreads.setName("fault-load-http");
    httpThreads.setDaemon(true);
    httpThreads.start();
    open.add(httpThreads::stop);
    ScheduledExecutorScheduler httpTimers = new ScheduledExecutorScheduler("fault-load-timers", true);
    httpTimers.start();
    open.add(httpTimers::stop);

    DaemonProcess first = open.add(DaemonProcess.start(data, dir.resolve("daemon-0.log"), options));
    String base = "http://127.0.0.1:" + first.httpPort();
    hardStop = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HARD_STOP_MS);

    // 16 normal clients, each from its own loopback address.
    List<NormalClient> normals = new ArrayList<>();
    for (int i = 0; i < NORMAL_CLIENTS; i++) {
      InetAddress local = InetAddress.getByName("127.0.1." + (i + 1));
      normals.add(new NormalClient(i, base, open.add(httpClient(local, httpThreads, httpTimers)),
          track(channel(first.grpcPort(), local))));
    }
    ExecutorService normalPool = Executors.newFixedThreadPool(NORMAL_CLIENTS);
    open.add(normalPool::shutdownNow);
    normals.forEach(normalPool::submit);

    Thread.sleep(WARMUP_MS);
    phase = Phase.QUIET;
    Thread.sleep(PHASE_MS);

    // The abuse: slow uploads from one address, a flood of streams and challenges from another.
    phase = Phase.SETTLE;
    SlowStats slow = new SlowStats();
    ExecutorService slowPool = Executors.newFixedThreadPool(SLOW_CLIENTS);
    open.add(slowPool::shutdownNow);
    int httpPort = first.httpPort();
    for (int i = 0; i < SLOW_CLIENTS; i++) {
      slowPool.submit(() -> slowClient(httpPort, slow));
    }
    FloodStats flood = new FloodStats();
    ManagedChannel floodChannel = track(channel(first.grpcPort(), InetAddress.getByName(FLOOD_ADDRESS)));
    HttpClient floodHttp = open.add(httpClient(InetAddress.getByName(FLOOD_ADDRESS), httpThreads, httpTimers));
    ExecutorService floodPool = Executors.newFixedThreadPool(3);
    open.add(floodPool::shutdownNow);
    floodPool.submit(() -> floodStreams(floodChannel, flood));
    floodPool.submit(() -> floodGrpcChallenges(floodChannel, flood));
    floodPool.submit(() -> floodHttpChallenges(floodHttp, base, flood));
    Thread.sleep(SETTLE_MS);
    phase = Phase.ABUSE;
    Thread.sleep(PHASE_MS);

    // kill -9 in the middle of it all.
    phase = Phase.FAULT;
    long faultStart = System.nanoTime();
    Thread.sleep(KILL_AFTER_MS);
    while (stats.get(Phase.FAULT).uploadsOk.get() == 0
        && System.nanoTime() - faultStart < TimeUnit.MILLISECONDS.toNanos(KILL_AT_LATEST_MS)) {
      Thread.sleep(20);
    }
    long killAfter = System.nanoTime() - faultStart;
    int ackedBeforeKill = acknowledged.size();
    flood.heldAtKill.set(flood.held.get());
    killed = true;
    assertTrue(first.kill(), "the daemon is gone after kill -9");
    normalRunning = false;
    abuseRunning = false;
    normalPool.shutdown();
    slowPool.shutdown();
    floodPool.shutdown();
    assertTrue(normalPool.awaitTermination(30, TimeUnit.SECONDS), "the normal clients stopped");
    assertTrue(slowPool.awaitTermination(30, TimeUnit.SECONDS), "the slow clients stopped");
    assertTrue(floodPool.awaitTermination(30, TimeUnit.SECONDS), "the flooder stopped");
    int acked = acknowledged.size();

    // The restart, on the same data: process start to its first good health answer and Verify.
    DaemonProcess second = open.add(DaemonProcess.start(data, dir.resolve("daemon-1.log"), options));
    HttpClient checker = open.add(httpClient(InetAddress.getByName("127.0.0.1"), httpThreads, httpTimers));
    String base2 = "http://127.0.0.1:" + second.httpPort();
    long healthy = 0;
    while (healthy == 0 && System.nanoTime() - second.startedNanos() < TimeUnit.SECONDS.toNanos(30)) {
      try {
        if (checker.newRequest(base2 + "/healthz").timeout(2, TimeUnit.SECONDS).send().getStatus() == 200) {
          healthy = System.nanoTime();
        }
      } catch (ExecutionException | TimeoutException e) {
        // not up yet
      }
      if (healthy == 0) {
        Thread.sleep(10);
      }
    }
    assertTrue(healthy != 0, "the restarted daemon answered /healthz");
    ManagedChannel ch2 = track(channel(second.grpcPort(), InetAddress.getByName("127.0.0.1")));
    AttestationServiceBlockingStub stub2 = AttestationServiceGrpc.newBlockingStub(ch2);
    VerifyResponse fresh = stub2.withDeadlineAfter(30, TimeUnit.SECONDS)
        .verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(nextQuote())).build());
    long verified = System.nanoTime();
    assertTrue(fresh.getSuccess(), "the restarted daemon verifies: " + fresh.getVerdict());

    // Every acknowledged upload, read back after the restart.
    List<String> lost = new ArrayList<>();
    long readDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (Map.Entry<String, Ack> e : acknowledged.entrySet()) {
      assertTrue(System.nanoTime() < readDeadline, "the acknowledged uploads are read back in time");
      String checksum = e.getKey();
      try {
        GetResponse g = stub2.withDeadlineAfter(10, TimeUnit.SECONDS).get(GetRequest.newBuilder().setChecksum(checksum).build());
        byte[] raw = stub2.withDeadlineAfter(10, TimeUnit.SECONDS)
            .getRaw(GetRawRequest.newBuilder().setChecksum(checksum).build()).getData().toByteArray();
        if (!verdict(g.getVerdict()).equals(e.getValue().verdict()) || !Arrays.equals(raw, e.getValue().quote())) {
          lost.add(checksum + " (" + verdict(g.getVerdict()) + " for " + e.getValue().verdict() + ")");
        }
      } catch (StatusRuntimeException x) {
        lost.add(checksum + " (" + x.getStatus().getCode() + ")");
      }
    }
    long totalNanos = System.nanoTime() - began;

    ObjectNode report = report(loadAtStart, acked, ackedBeforeKill, killAfter, lost.size(), slow, flood, first, second, healthy, verified, totalNanos);
    Path out = Path.of("target", "fault-load.json");
    Files.createDirectories(out.getParent());
    // The daemons' logs (one line per verification), for a look at what the figures came from.
    for (int i = 0; i < 2; i++) {
      Files.copy(dir.resolve("daemon-" + i + ".log"), Path.of("target", "fault-load-daemon-" + i + ".log"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Files.writeString(out, JSON.writeValueAsString(report) + "\n", StandardCharsets.UTF_8);
    print(report, out);

    // Only what must hold: nothing acknowledged lost, every phase made progress, the abuse ran.
    assertEquals(List.of(), lost.subList(0, Math.min(10, lost.size())), "acknowledged uploads lost: " + lost.size());
    for (Phase p : List.of(Phase.QUIET, Phase.ABUSE, Phase.FAULT)) {
      assertTrue(stats.get(p).uploadsOk.get() > 0, p + ": some upload was acknowledged");
    }
    for (Phase p : List.of(Phase.QUIET, Phase.ABUSE)) {
      assertTrue(stats.get(p).readsOk.get() > 0, p + ": some read was answered");
    }
    assertTrue(slow.opened.get() >= SLOW_CLIENTS, "the slow clients connected: " + slow.opened.get());
    assertTrue(flood.streamAttempts.get() > 0 && flood.challengeAttempts.get() > 0, "the flooder ran");
  }

  // ---------------------------------------------------------------------------------------------
  // The normal clients

  /** A client that uploads and reads in turn, a pause between calls, from its own address. */
  private final class NormalClient implements Runnable {
    private final int id;
    private final String base;
    private final HttpClient http;
    private final AttestationServiceBlockingStub stub;
    private final List<String> mine = new ArrayList<>();

    NormalClient(int id, String base, HttpClient http, ManagedChannel channel) {
      this.id = id;
      this.base = base;
      this.http = http;
      this.stub = AttestationServiceGrpc.newBlockingStub(channel);
    }

    @Override
    public void run() {
      long n = id;
      while (normalRunning && System.nanoTime() < hardStop) {
        Phase at = phase;
        Kind kind = Kind.values()[(int) (n++ % Kind.values().length)];
        if (mine.isEmpty() && (kind == Kind.HTTP_VIEW || kind == Kind.GRPC_GET)) {
          kind = kind == Kind.HTTP_VIEW ? Kind.HTTP_UPLOAD : Kind.GRPC_UPLOAD;
        }
        byte[] quote = kind == Kind.HTTP_UPLOAD || kind == Kind.GRPC_UPLOAD ? nextQuote() : null;
        if (quote == null && (kind == Kind.HTTP_UPLOAD || kind == Kind.GRPC_UPLOAD)) {
          if (mine.isEmpty()) {
            return;
          }
          kind = kind == Kind.HTTP_UPLOAD ? Kind.HTTP_VIEW : Kind.GRPC_GET;
        }
        String checksum = quote == null ? mine.get(ThreadLocalRandom.current().nextInt(mine.size())) : null;
        long t0 = System.nanoTime();
        String outcome;
        try {
          outcome = switch (kind) {
            case HTTP_UPLOAD -> httpUpload(quote);
            case GRPC_UPLOAD -> grpcUpload(quote);
            case HTTP_VIEW -> httpView(checksum);
            case GRPC_GET -> grpcGet(checksum);
          };
        } catch (StatusRuntimeException e) {
          outcome = "grpc " + e.getStatus().getCode();
        } catch (TimeoutException e) {
          outcome = "http timeout";
        } catch (ExecutionException e) {
          outcome = e.getCause() instanceof ConnectException ? "http refused" : "http " + e.getCause().getClass().getSimpleName();
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          outcome = e.getClass().getSimpleName();
        }
        long took = System.nanoTime() - t0;
        PhaseStats s = stats.get(at);
        s.record(kind, took, outcome);
        if (outcome.equals("ok")) {
          (kind == Kind.HTTP_UPLOAD || kind == Kind.GRPC_UPLOAD ? s.uploadsOk : s.readsOk).incrementAndGet();
        }
        if (killed) {
          return;
        }
        try {
          Thread.sleep(THINK_MS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private String httpUpload(byte[] quote) throws InterruptedException, TimeoutException, ExecutionException {
      ContentResponse r = http.newRequest(base + "/api/v1/attestations/verify").method(HttpMethod.POST)
          .body(new BytesRequestContent("application/octet-stream", quote))
          .timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).send();
      if (r.getStatus() != 200) {
        return "http " + r.getStatus();
      }
      JsonNode answer = json(r);
      String checksum = answer.path("checksum").asText();
      acknowledged.put(checksum, new Ack(quote, verdict(answer.path("verdict"))));
      mine.add(checksum);
      return "ok";
    }

    private String grpcUpload(byte[] quote) {
      VerifyResponse v = stub.withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(quote)).build());
      acknowledged.put(v.getChecksum(), new Ack(quote, verdict(v.getVerdict())));
      mine.add(v.getChecksum());
      return "ok";
    }

    private String httpView(String checksum) throws InterruptedException, TimeoutException, ExecutionException {
      ContentResponse r = http.newRequest(base + "/api/v1/attestations/view/" + checksum)
          .timeout(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).send();
      if (r.getStatus() != 200) {
        return "http " + r.getStatus();
      }
      return checksum.equals(json(r).path("checksum").asText()) ? "ok" : "wrong record";
    }

    private String grpcGet(String checksum) {
      GetResponse g = stub.withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .get(GetRequest.newBuilder().setChecksum(checksum).build());
      return checksum.equals(g.getChecksum()) ? "ok" : "wrong record";
    }
  }

  private static JsonNode json(ContentResponse r) {
    try {
      return JSON.readTree(r.getContent());
    } catch (IOException e) {
      throw new IllegalStateException("not JSON: " + r.getContentAsString(), e);
    }
  }

  /** The part of a verdict that must not change: success, status and failure code. */
  private static String verdict(Verdict v) {
    return v.getSuccess() + " " + v.getTcbStatus() + " " + (v.hasFailure() ? v.getFailure().getCode() : "-");
  }

  private static String verdict(JsonNode v) {
    JsonNode failure = v.path("failure");
    return v.path("success").asBoolean() + " " + (v.path("tcb_status").isTextual() ? v.path("tcb_status").asText() : "")
        + " " + (failure.isObject() ? failure.path("code").asText() : "-");
  }

  /** The next distinct quote of the batch, or null once {@link #MAX_UPLOADS} were handed out. */
  private synchronized byte[] nextQuote() {
    if (nextQuote >= MAX_UPLOADS) {
      return null;
    }
    return batch.quote(nextQuote++).raw().toByteArray();
  }

  // ---------------------------------------------------------------------------------------------
  // The abusers

  /**
   * One slow client: uploads whose body it sends one byte every {@link #SLOW_BYTE_MS}, again and
   * again while the abuse lasts; it counts how each ends (an answer and its status, or the daemon
   * closing the connection without one).
   */
  private void slowClient(int port, SlowStats s) {
    byte[] body;
    synchronized (this) {
      body = batch.quote(MAX_UPLOADS + 1_000_000L + s.opened.get()).raw().toByteArray();
    }
    byte[] head = ("POST /api/v1/attestations/verify HTTP/1.1\r\nHost: 127.0.0.1:" + port
        + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    for (int attempt = 0; attempt < SLOW_ATTEMPTS && abuseRunning && !killed && System.nanoTime() < hardStop; attempt++) {
      long t0 = System.nanoTime();
      try (Socket socket = new Socket()) {
        socket.bind(new InetSocketAddress(SLOW_ADDRESS, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        socket.setSoTimeout(1);
        socket.setTcpNoDelay(true);
        s.opened.incrementAndGet();
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(head);
        String end = null;
        for (int i = 0; i < body.length && end == null && abuseRunning && System.nanoTime() < hardStop; i++) {
          out.write(body[i]);
          out.flush();
          s.bytes.incrementAndGet();
          Thread.sleep(SLOW_BYTE_MS);
          end = answered(in);
        }
        if (end == null) {
          end = killed ? "held until the kill" : abuseRunning ? "sent whole body" : "held until the end";
        }
        s.end(killed && end.equals("closed by the daemon") ? "held until the kill" : end, System.nanoTime() - t0);
      } catch (ConnectException e) {
        if (!killed) {
          s.end("connect refused", System.nanoTime() - t0);
          sleepQuietly(100);
        }
      } catch (IOException e) {
        s.end(killed ? "held until the kill" : "closed by the daemon", System.nanoTime() - t0);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** "answered STATUS" once the daemon answered, "closed by the daemon" at end of stream, else null. */
  private static String answered(InputStream in) throws IOException {
    byte[] line = new byte[12];
    int n;
    try {
      n = in.read(line);
    } catch (SocketTimeoutException e) {
      return null;
    }
    if (n < 0) {
      return "closed by the daemon";
    }
    String text = new String(line, 0, n, StandardCharsets.US_ASCII);
    return text.startsWith("HTTP/1.1 ") && text.length() >= 12 ? "answered " + text.substring(9, 12) : "answered";
  }

  /** Holds as many WatchVerdicts streams as it can, opening more as streams are refused or ended. */
  private void floodStreams(ManagedChannel channel, FloodStats s) {
    var stub = AttestationServiceGrpc.newStub(channel);
    ConcurrentLinkedQueue<ClientCallStreamObserver<WatchVerdictsRequest>> calls = new ConcurrentLinkedQueue<>();
    try {
      while (abuseRunning && !killed && System.nanoTime() < hardStop && s.streamAttempts.get() < FLOOD_STREAM_ATTEMPTS) {
        int room = Math.min(16, FLOOD_STREAMS - s.held.get());
        for (int i = 0; i < room && s.streamAttempts.get() < FLOOD_STREAM_ATTEMPTS; i++) {
          s.streamAttempts.incrementAndGet();
          s.held.incrementAndGet();
          stub.watchVerdicts(WatchVerdictsRequest.getDefaultInstance(), new ClientResponseObserver<WatchVerdictsRequest, VerdictChange>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchVerdictsRequest> call) {
              calls.add(call);
            }

            @Override
            public void onNext(VerdictChange change) {
              s.changes.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
              s.held.decrementAndGet();
              if (abuseRunning && !killed) {
                s.streamEnds.computeIfAbsent(Status.fromThrowable(t).getCode().toString(), k -> new AtomicInteger()).incrementAndGet();
              }
            }

            @Override
            public void onCompleted() {
              s.held.decrementAndGet();
              if (abuseRunning && !killed) {
                s.streamEnds.computeIfAbsent("completed", k -> new AtomicInteger()).incrementAndGet();
              }
            }
          });
        }
        s.heldMax.accumulateAndGet(s.held.get(), Math::max);
        Thread.sleep(100);
      }
      while (abuseRunning && !killed && System.nanoTime() < hardStop) {
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      calls.forEach(c -> c.cancel("the flood is over", null));
    }
  }

  /** GetChallenge, {@link #FLOOD_CONCURRENCY} in flight, a new one as soon as one is answered. */
  private void floodGrpcChallenges(ManagedChannel channel, FloodStats s) {
    var stub = AttestationServiceGrpc.newFutureStub(channel);
    floodChallenges(s, answered -> {
      ListenableFuture<GetChallengeResponse> f = stub.withDeadlineAfter(2, TimeUnit.SECONDS)
          .getChallenge(GetChallengeRequest.getDefaultInstance());
      f.addListener(() -> {
        String outcome;
        try {
          f.get();
          outcome = "grpc OK";
        } catch (ExecutionException | InterruptedException e) {
          outcome = "grpc " + Status.fromThrowable(e).getCode();
        }
        answered.accept(outcome);
      }, MoreExecutors.directExecutor());
    });
  }

  /** POST /api/v1/challenge, {@link #FLOOD_CONCURRENCY} in flight, a new one as soon as one is answered. */
  private void floodHttpChallenges(HttpClient http, String base, FloodStats s) {
    floodChallenges(s, answered -> http.newRequest(base + "/api/v1/challenge").method(HttpMethod.POST)
        .timeout(2, TimeUnit.SECONDS).send(result -> {
          Throwable failure = result.getFailure();
          answered.accept(failure == null ? "http " + result.getResponse().getStatus()
              : failure instanceof TimeoutException ? "http timeout" : "http " + failure.getClass().getSimpleName());
        }));
  }

  /**
   * Keeps {@link #FLOOD_CONCURRENCY} challenges in flight while the abuse runs: {@code ask} sends
   * one and, when it is answered, hands its outcome to the callback it is given (within its 2 s
   * timeout, so what is in flight ends soon after the loop).
   */
  private void floodChallenges(FloodStats s, java.util.function.Consumer<java.util.function.Consumer<String>> ask) {
    Semaphore slots = new Semaphore(FLOOD_CONCURRENCY);
    try {
      for (int i = 0; i < FLOOD_CHALLENGES / 2 && abuseRunning && !killed && System.nanoTime() < hardStop; i++) {
        if (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        s.challengeAttempts.incrementAndGet();
        ask.accept(outcome -> {
          challengeAnswered(s, outcome);
          slots.release();
        });
        Thread.sleep(1);
      }
      slots.tryAcquire(FLOOD_CONCURRENCY, 5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void challengeAnswered(FloodStats s, String outcome) {
    if (abuseRunning && !killed) {
      s.challenges.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Figures

  private static final class PhaseStats {
    final ConcurrentLinkedQueue<long[]> calls = new ConcurrentLinkedQueue<>();
    final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    final AtomicInteger uploadsOk = new AtomicInteger();
    final AtomicInteger readsOk = new AtomicInteger();

    void record(Kind kind, long nanos, String outcome) {
      calls.add(new long[] {kind.ordinal(), nanos});
      if (!outcome.equals("ok")) {
        failures.computeIfAbsent(kind + " " + outcome, k -> new AtomicInteger()).incrementAndGet();
      }
    }

    /** Every call's time, a failed one counted at the time it took to fail, of the given kinds. */
    long[] nanos(Kind... kinds) {
      List<Kind> wanted = List.of(kinds);
      return calls.stream().filter(c -> wanted.contains(Kind.values()[(int) c[0]])).mapToLong(c -> c[1]).sorted().toArray();
    }
  }

  private static final class SlowStats {
    final AtomicInteger opened = new AtomicInteger();
    final AtomicLong bytes = new AtomicLong();
    final Map<String, AtomicInteger> ends = new ConcurrentHashMap<>();
    final AtomicLong longestHeldNanos = new AtomicLong();

    void end(String how, long nanos) {
      ends.computeIfAbsent(how, k -> new AtomicInteger()).incrementAndGet();
      longestHeldNanos.accumulateAndGet(nanos, Math::max);
    }
  }

  private static final class FloodStats {
    final AtomicInteger streamAttempts = new AtomicInteger();
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger heldMax = new AtomicInteger();
    /** Streams opened and not (yet) ended just before the kill. */
    final AtomicInteger heldAtKill = new AtomicInteger();
    final AtomicLong changes = new AtomicLong();
    final Map<String, AtomicInteger> streamEnds = new ConcurrentHashMap<>();
    final AtomicInteger challengeAttempts = new AtomicInteger();
    final Map<String, AtomicInteger> challenges = new ConcurrentHashMap<>();
  }

  private static double millis(long nanos) {
    return Math.round(nanos / 10_000.0) / 100.0;
  }

  /** The nearest-rank percentile of sorted values, in milliseconds; -1 when there are none. */
  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return millis(sorted[Math.max(0, rank - 1)]);
  }

  private ObjectNode phaseReport(Phase p) {
    PhaseStats s = stats.get(p);
    ObjectNode n = JSON.createObjectNode();
    long[] all = s.nanos(Kind.values());
    n.put("calls", all.length);
    n.put("failed", s.failures.values().stream().mapToInt(AtomicInteger::get).sum());
    n.put("uploads_acknowledged", s.uploadsOk.get());
    n.put("reads_answered", s.readsOk.get());
    n.put("p50_ms", percentile(all, 0.50));
    n.put("p99_ms", percentile(all, 0.99));
    n.put("max_ms", percentile(all, 1.0));
    long[] http = s.nanos(Kind.HTTP_UPLOAD, Kind.HTTP_VIEW);
    n.put("http_calls", http.length);
    n.put("http_failed", s.failures.entrySet().stream().filter(e -> e.getKey().startsWith("HTTP_"))
        .mapToInt(e -> e.getValue().get()).sum());
    n.put("http_p99_ms", percentile(http, 0.99));
    n.put("grpc_p99_ms", percentile(s.nanos(Kind.GRPC_UPLOAD, Kind.GRPC_GET), 0.99));
    n.put("upload_p99_ms", percentile(s.nanos(Kind.HTTP_UPLOAD, Kind.GRPC_UPLOAD), 0.99));
    n.put("read_p99_ms", percentile(s.nanos(Kind.HTTP_VIEW, Kind.GRPC_GET), 0.99));
    n.set("failures", counts(s.failures));
    return n;
  }

  private static ObjectNode counts(Map<String, AtomicInteger> m) {
    ObjectNode n = JSON.createObjectNode();
    new TreeMap<>(m).forEach((k, v) -> n.put(k, v.get()));
    return n;
  }

  private ObjectNode report(double loadAtStart, int acked, int ackedBeforeKill, long killAfter, int lost, SlowStats slow, FloodStats flood,
      DaemonProcess first, DaemonProcess second, long healthy, long verified, long totalNanos) {
    ObjectNode r = JSON.createObjectNode();
    r.put("measured_at", Instant.now().toString());
    r.put("cores", Runtime.getRuntime().availableProcessors());
    r.put("load_average_at_start", loadAtStart);
    r.put("load_average_at_end", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    r.put("normal_clients", NORMAL_CLIENTS);
    r.put("normal_think_ms", THINK_MS);
    r.put("slow_clients", SLOW_CLIENTS);
    r.put("phase_seconds", PHASE_MS / 1000);
    r.put("call_timeout_ms", CALL_TIMEOUT_MS);
    r.put("acknowledged_uploads", acked);
    r.put("acknowledged_before_kill_signal", ackedBeforeKill);
    r.put("acknowledged_uploads_lost", lost);
    r.set("without_abuse", phaseReport(Phase.QUIET));
    r.set("with_abuse", phaseReport(Phase.ABUSE));
    ObjectNode fault = JSON.createObjectNode();
    fault.put("killed_after_ms", millis(killAfter));
    fault.put("uploads_acknowledged_before_kill", stats.get(Phase.FAULT).uploadsOk.get());
    fault.set("failures", counts(stats.get(Phase.FAULT).failures));
    r.set("kill_phase", fault);
    ObjectNode s = JSON.createObjectNode();
    s.put("uploads_opened", slow.opened.get());
    s.put("bytes_sent", slow.bytes.get());
    s.put("longest_held_ms", millis(slow.longestHeldNanos.get()));
    s.set("ends", counts(slow.ends));
    r.set("slow_clients_seen", s);
    ObjectNode f = JSON.createObjectNode();
    f.put("watch_streams_opened", flood.streamAttempts.get());
    f.put("watch_streams_held_max", flood.heldMax.get());
    f.put("watch_streams_held_at_kill", flood.heldAtKill.get());
    f.put("verdict_changes_received", flood.changes.get());
    f.set("watch_stream_ends", counts(flood.streamEnds));
    f.put("challenges_asked", flood.challengeAttempts.get());
    f.set("challenge_answers", counts(flood.challenges));
    r.set("flooder_seen", f);
    ObjectNode restart = JSON.createObjectNode();
    restart.put("to_startup_line_ms", millis(second.readyNanos() - second.startedNanos()));
    restart.put("to_first_healthz_ms", millis(healthy - second.startedNanos()));
    restart.put("to_first_verify_ms", millis(verified - second.startedNanos()));
    second.readyAfterJvmStartMillis().ifPresent(ms -> restart.put("daemon_says_ready_after_jvm_start_ms", ms));
    first.readyAfterJvmStartMillis().ifPresent(ms -> restart.put("first_start_ready_after_jvm_start_ms", ms));
    r.set("restart", restart);
    r.put("total_seconds", Math.round(totalNanos / 1e7) / 100.0);
    return r;
  }

  private static void print(ObjectNode r, Path out) {
    System.out.println("fault-load: acknowledged uploads " + r.get("acknowledged_uploads") + ", lost "
        + r.get("acknowledged_uploads_lost"));
    for (String p : List.of("without_abuse", "with_abuse")) {
      JsonNode n = r.get(p);
      System.out.println("fault-load: " + p + ": calls " + n.get("calls") + ", failed " + n.get("failed") + ", p50 "
          + n.get("p50_ms") + " ms, p99 " + n.get("p99_ms") + " ms (http " + n.get("http_p99_ms") + " over "
          + n.get("http_calls") + " calls, " + n.get("http_failed") + " failed; grpc "
          + n.get("grpc_p99_ms") + "), max " + n.get("max_ms") + " ms, failures " + n.get("failures"));
    }
    System.out.println("fault-load: slow clients: " + r.get("slow_clients_seen"));
    System.out.println("fault-load: flooder: " + r.get("flooder_seen"));
    System.out.println("fault-load: restart: " + r.get("restart"));
    System.out.println("fault-load: total " + r.get("total_seconds") + " s; report in " + out.toAbsolutePath());
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  /** {@code channel}, shut down when the test ends. */
  private ManagedChannel track(ManagedChannel channel) {
    open.add(channel::shutdownNow);
    return channel;
  }

  /** A plaintext channel to the daemon whose connections come from {@code local}. */
  private static ManagedChannel channel(int port, InetAddress local) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
          @Override
          public SocketAddress createSocketAddress(SocketAddress remote, Attributes attrs) {
            return new InetSocketAddress(local, 0);
          }
        })
        .build();
  }

  /** An HTTP/1.1 client whose connections come from {@code local}, on shared threads. */
  private static HttpClient httpClient(InetAddress local, QueuedThreadPool threads, ScheduledExecutorScheduler timers)
      throws Exception {
    HttpClient c = new HttpClient();
    c.setExecutor(threads);
    c.setScheduler(timers);
    c.setBindAddress(new InetSocketAddress(local, 0));
    c.setConnectTimeout(2_000);
    c.setFollowRedirects(false);
    c.start();
    return c;
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
