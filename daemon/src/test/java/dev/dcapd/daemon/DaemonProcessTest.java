package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.Vectors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as its own process, started through its real entry point: the start-up line, SIGTERM,
 * and {@code kill -9} in the middle of a write load with {@code --sync-writes}, on the tests' store
 * ({@link TestStores}: RocksDB, or a Cassandra keyspace, where every write is durable before it is
 * acknowledged).
 */
class DaemonProcessTest {
  private static final Pattern READY = Pattern.compile("^dcapd serving grpc 127\\.0\\.0\\.1:(\\d+) .*");
  /** Intel's sample SGX quote names no PCK chain, so it is judged (and stored) without collateral. */
  private static final byte[] SAMPLE = Vectors.bytes("intel/qvl-sample-sgx/quote.dat");

  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killAll() {
    processes.forEach(Process::destroyForcibly);
  }

  /** A running daemon process and the port from its start-up line. */
  private record Running(Process process, int port) {}

  private Running start(String... extra) throws Exception {
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "dev.dcapd.daemon.Dcapd", "serve", "--grpc", "127.0.0.1:0", "--collateral-dir", collateral.toString()));
    cmd.addAll(TestStores.serveOptions(dir.resolve("data")));
    cmd.addAll(List.of(extra));
    // The log goes to a file: an undrained pipe would stall the daemon once it filled.
    Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("daemon-" + processes.size() + ".log").toFile()).start();
    processes.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertTrue(line != null, "the daemon printed its start-up line");
    Matcher m = READY.matcher(line);
    assertTrue(m.matches(), line);
    return new Running(p, Integer.parseInt(m.group(1)));
  }

  private static byte[] distinct(int n) {
    byte[] q = java.util.Arrays.copyOf(SAMPLE, SAMPLE.length + 4);
    for (int i = 0; i < 4; i++) {
      q[SAMPLE.length + i] = (byte) (n >>> (8 * i));
    }
    return q;
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  @Test
  void sigtermStopsCleanlyAndRecordsSurvive() throws Exception {
    Running d = start();
    ManagedChannel ch = channel(d.port());
    String checksum;
    try {
      VerifyResponse v = AttestationServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
          .verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(SAMPLE)).build());
      assertFalse(v.getSuccess());
      assertEquals("UNSUPPORTED_CERTIFICATION_DATA", v.getVerdict().getFailure().getCode());
      checksum = v.getChecksum();
    } finally {
      ch.shutdownNow();
    }
    d.process().destroy(); // SIGTERM
    assertTrue(d.process().waitFor(30, TimeUnit.SECONDS), "the daemon exits after SIGTERM");

    Running again = start();
    ManagedChannel ch2 = channel(again.port());
    try {
      GetResponse g = AttestationServiceGrpc.newBlockingStub(ch2).withDeadlineAfter(30, TimeUnit.SECONDS)
          .get(GetRequest.newBuilder().setChecksum(checksum).build());
      assertFalse(g.getVerified());
    } finally {
      ch2.shutdownNow();
    }
  }

  @Test
  void everyAcknowledgedUploadSurvivesKillNine() throws Exception {
    Running d = start("--sync-writes");
    Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    ManagedChannel ch = channel(d.port());
    ExecutorService clients = Executors.newFixedThreadPool(4);
    // Ends as soon as 200 uploads are acknowledged; the bound only matters on a starved machine.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (int c = 0; c < 4; c++) {
      clients.submit(() -> {
        AttestationServiceBlockingStub stub = AttestationServiceGrpc.newBlockingStub(ch);
        while (System.nanoTime() < deadline) {
          int n = next.getAndIncrement();
          if (n >= 20_000) {
            return;
          }
          byte[] q = distinct(n);
          try {
            VerifyResponse r = stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                .verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(q)).build());
            acknowledged.put(r.getChecksum(), q);
          } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
              return; // the daemon is gone
            }
            // A call slower than its deadline is not acknowledged: go on with the next upload.
          }
        }
      });
    }
    while (acknowledged.size() < 200 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    d.process().destroyForcibly(); // SIGKILL in the middle of the load
    assertTrue(d.process().waitFor(30, TimeUnit.SECONDS));
    clients.shutdown();
    assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
    ch.shutdownNow();
    assertTrue(acknowledged.size() >= 200, "the load reached the daemon: " + acknowledged.size());

    Running again = start();
    ManagedChannel ch2 = channel(again.port());
    try {
      AttestationServiceBlockingStub stub = AttestationServiceGrpc.newBlockingStub(ch2).withDeadlineAfter(60, TimeUnit.SECONDS);
      for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
        GetResponse g = stub.get(GetRequest.newBuilder().setChecksum(e.getKey()).build());
        assertEquals(e.getKey(), g.getChecksum());
        assertArrayEquals(e.getValue(), stub.getRaw(GetRawRequest.newBuilder().setChecksum(e.getKey()).build())
            .getData().toByteArray());
      }
      Set<String> listed = new HashSet<>();
      String token = "";
      do {
        RecentResponse page = stub.recent(RecentRequest.newBuilder().setLimit(100).setPageToken(token).build());
        page.getItemsList().forEach(i -> listed.add(i.getChecksum()));
        token = page.getNextPageToken();
      } while (!token.isEmpty());
      assertTrue(listed.containsAll(acknowledged.keySet()), "the recent index has every acknowledged upload");
    } finally {
      ch2.shutdownNow();
    }
  }
}
