package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentItem;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.proto.v1.WatchVerdictsRequest;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A re-appraisal interrupted by {@code kill -9} loses nothing and resumes: a daemon process judges
 * every stored quote again under a new policy, is killed part-way, and the next process finishes
 * the job, each quote's history holding exactly one change.
 */
class ReappraisalCrashTest {
  private static final Pattern READY = Pattern.compile("^dcapd serving grpc 127\\.0\\.0\\.1:(\\d+) .*");
  private static final int QUOTES = 400;

  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killAll() {
    processes.forEach(Process::destroyForcibly);
  }

  private record Running(Process process, int port) {}

  private Running start(String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "dev.dcapd.daemon.Dcapd", "serve", "--grpc", "127.0.0.1:0"));
    cmd.addAll(TestStores.serveOptions(dir.resolve("data")));
    cmd.addAll(List.of("--collateral-dir", dir.resolve("collateral").toString(),
        "--insecure-trust-root", dir.resolve("root.pem").toString()));
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    processes.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertTrue(line != null, "the daemon printed its start-up line");
    Matcher m = READY.matcher(line);
    assertTrue(m.matches(), line);
    return new Running(p, Integer.parseInt(m.group(1)));
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  @Test
  void killedMidWayTheNextDaemonFinishesTheJobAndNothingIsLost() throws Exception {
    QuoteBatch batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).build());
    Files.writeString(dir.resolve("root.pem"), batch.template().rootPem(), StandardCharsets.US_ASCII);
    Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(dir.resolve("collateral/platform.json"), batch.collateral().toJson(), StandardCharsets.UTF_8);
    // The forged quotes are UpToDate: the strict policy refuses them, the relaxed one accepts them.
    Path strict = Files.writeString(dir.resolve("strict.json"), "{\"name\": \"strict\", \"tcb_status\": [\"OutOfDate\"]}");
    Path relaxed = Files.writeString(dir.resolve("relaxed.json"), "{\"name\": \"relaxed\"}");

    Running first = start("--policy", strict.toString());
    Set<String> checksums = new HashSet<>();
    ManagedChannel ch = channel(first.port());
    try {
      var s = AttestationServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
      for (int i = 0; i < QUOTES; i++) {
        VerifyResponse v = s.verify(VerifyRequest.newBuilder()
            .setQuote(ByteString.copyFrom(batch.quote(i).raw().toByteArray())).build());
        assertFalse(v.getSuccess());
        assertEquals("POLICY_VIOLATION", v.getVerdict().getFailure().getCode());
        checksums.add(v.getChecksum());
      }
    } finally {
      ch.shutdownNow();
    }
    first.process().destroy();
    assertTrue(first.process().waitFor(30, TimeUnit.SECONDS));

    // A slow re-appraisal under the new policy, killed after some of it.
    Running second = start("--policy", relaxed.toString(), "--reappraisal-rate", "100");
    AtomicInteger seen = new AtomicInteger();
    ManagedChannel ch2 = channel(second.port());
    try {
      AttestationServiceGrpc.newStub(ch2).watchVerdicts(WatchVerdictsRequest.getDefaultInstance(), new StreamObserver<>() {
        @Override
        public void onNext(VerdictChange value) {
          seen.incrementAndGet();
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (seen.get() < 20 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(seen.get() >= 20, "the re-appraisal started: " + seen.get());
      second.process().destroyForcibly(); // SIGKILL
      assertTrue(second.process().waitFor(30, TimeUnit.SECONDS));
    } finally {
      ch2.shutdownNow();
    }
    assertTrue(seen.get() < QUOTES, "killed part-way: " + seen.get());

    Running third = start("--policy", relaxed.toString());
    ManagedChannel ch3 = channel(third.port());
    try {
      // Recent judges nothing itself: all verified means the background job finished. (On a
      // shared store the job waits for the killed daemon's lease on it to expire first.)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      int verified;
      do {
        verified = 0;
        String token = "";
        int listed = 0;
        do {
          RecentResponse page = AttestationServiceGrpc.newBlockingStub(ch3).withDeadlineAfter(60, TimeUnit.SECONDS)
              .recent(RecentRequest.newBuilder().setLimit(100).setPageToken(token).build());
          for (RecentItem item : page.getItemsList()) {
            listed++;
            if (item.getVerified()) {
              verified++;
            }
          }
          token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertEquals(QUOTES, listed, "no record lost");
        if (verified < QUOTES) {
          Thread.sleep(100);
        }
      } while (verified < QUOTES && System.nanoTime() < deadline);
      assertEquals(QUOTES, verified);

      var s = AttestationServiceGrpc.newBlockingStub(ch3).withDeadlineAfter(60, TimeUnit.SECONDS);
      for (String checksum : checksums) {
        GetResponse g = s.get(GetRequest.newBuilder().setChecksum(checksum).build());
        assertTrue(g.getSuccess(), checksum);
        List<String> history = g.getHistoryList().stream().map(c -> c.getFrom() + ">" + c.getTo()).toList();
        assertEquals(List.of(">POLICY_VIOLATION", "POLICY_VIOLATION>UpToDate"), history, checksum);
        assertEquals("policy changed", g.getHistory(1).getReason());
      }
    } finally {
      ch3.shutdownNow();
    }
  }
}
