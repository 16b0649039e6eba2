package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.dcapd.daemon.testing.GrpcErrors;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.VerifyRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real daemon whose data lives on a small tmpfs that runs out: uploads are refused with 503 /
 * UNAVAILABLE and the code STORE_FULL, {@code /healthz} and gRPC health say so, nothing refused is
 * stored, and once the space is freed the daemon takes uploads again by itself, with every
 * acknowledged upload readable (also after a restart). Mounting needs root; elsewhere it is skipped.
 */
class FullDiskTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A TD quote's REPORTDATA starts at header (48) + 520: a changed byte fails the signature, yet the quote is stored. */
  private static final int TD_REPORTDATA = 48 + 520;
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void aFullDiskRefusesWritesWithStoreFullAndRecoversWhenSpaceReturns() throws Exception {
    Path mnt = Files.createDirectories(dir.resolve("mnt"));
    mountTmpfs(mnt, "32m");
    List<String> acknowledged = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    try (LiveDaemon d = LiveDaemon.startWithHttp(mnt)) {
      String api = d.httpUrl() + "/api/v1/attestations/";
      ManagedChannel ch = NettyChannelBuilder.forTarget(d.target()).usePlaintext().build();
      try {
        assertEquals(200, upload(api, LiveDaemon.TDX).statusCode());
        acknowledged.add(LiveDaemon.TDX_CHECKSUM);
        assertEquals(200, get(d.httpUrl() + "/healthz").statusCode());

        Path filler = mnt.resolve("filler");
        fill(filler);
        for (int i = 0; i < 3; i++) {
          byte[] q = forged(i);
          HttpResponse<String> r = upload(api, q);
          assertEquals(503, r.statusCode(), r.body());
          assertEquals("STORE_FULL", JSON.readTree(r.body()).get("code").textValue());
          refused.add(sha256(q));
        }
        byte[] viaGrpc = forged(3);
        StatusRuntimeException e = assertThrowsStatus(() -> AttestationServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(viaGrpc)).build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("STORE_FULL", GrpcErrors.reason(e));
        refused.add(sha256(viaGrpc));

        HttpResponse<String> health = get(d.httpUrl() + "/healthz");
        assertEquals(503, health.statusCode(), health.body());
        assertEquals("STORE_FULL", JSON.readTree(health.body()).get("code").textValue());
        within(Duration.ofSeconds(10), () -> grpcHealth(ch) == ServingStatus.NOT_SERVING, "gRPC health NOT_SERVING");
        // Reads go on while the disk is full.
        assertEquals(200, get(api + "view/" + LiveDaemon.TDX_CHECKSUM).statusCode());

        Files.delete(filler);
        long freed = System.nanoTime();
        int[] next = {4};
        within(RECOVERY_BOUND, () -> {
          byte[] q = forged(next[0]++);
          HttpResponse<String> r = upload(api, q);
          if (r.statusCode() == 503) {
            refused.add(sha256(q));
            return false;
          }
          // 400: judged (the changed REPORTDATA fails the signature) and stored, as Phala does.
          assertEquals(400, r.statusCode(), r.body());
          acknowledged.add(sha256(q));
          return true;
        }, "an upload accepted after the space was freed");
        within(RECOVERY_BOUND, () -> get(d.httpUrl() + "/healthz").statusCode() == 200, "/healthz 200 again");
        within(RECOVERY_BOUND, () -> grpcHealth(ch) == ServingStatus.SERVING, "gRPC health SERVING again");
        System.out.printf("full disk: writes taken again %d ms after the space was freed%n",
            Duration.ofNanos(System.nanoTime() - freed).toMillis());

        assertStored(api, acknowledged, refused);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      d.stop();
      d.startAgain();
      assertStored(d.httpUrl() + "/api/v1/attestations/", acknowledged, refused);
    } finally {
      unmount(mnt);
    }
  }

  /** Every acknowledged upload is readable; none of the refused ones is stored. */
  private void assertStored(String api, List<String> acknowledged, List<String> refused) throws Exception {
    for (String c : acknowledged) {
      assertEquals(200, get(api + "view/" + c).statusCode(), "acknowledged " + c);
    }
    for (String c : refused) {
      assertEquals(404, get(api + "view/" + c).statusCode(), "refused " + c);
    }
  }

  private static void mountTmpfs(Path mnt, String size) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mnt.toString())
          .redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort("cannot run mount to make a small file system that runs out: " + e.getMessage());
      return;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("mount did not finish");
    }
    Assumptions.assumeTrue(p.exitValue() == 0,
        "cannot mount a tmpfs (needs root or CAP_SYS_ADMIN) to make a file system that runs out: " + out.strip());
  }

  private static void unmount(Path mnt) throws Exception {
    Process p = new ProcessBuilder("umount", mnt.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    if (p.exitValue() != 0) {
      // A lazy unmount still detaches it, so the temporary folder can be removed.
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
      fail("umount " + mnt + " failed: " + out);
    }
  }

  /** Writes {@code filler} until the file system has no space left (bounded by its size). */
  private static void fill(Path filler) throws IOException {
    try (OutputStream out = Files.newOutputStream(filler)) {
      byte[] block = new byte[1 << 20];
      for (int i = 0; i < 1024; i++) {
        out.write(block);
      }
      fail("the file system did not run out within 1 GiB");
    } catch (IOException e) {
      // Out of space: fill what a partial block left too.
      try (OutputStream out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.APPEND)) {
        byte[] page = new byte[512];
        for (int i = 0; i < 8192; i++) {
          out.write(page);
        }
      } catch (IOException full) {
        return;
      }
      throw e;
    }
  }

  private static byte[] forged(int i) {
    byte[] q = LiveDaemon.TDX.clone();
    q[TD_REPORTDATA + i / 8] ^= (byte) (1 << (i % 8));
    return q;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private HttpResponse<String> upload(String api, byte[] quote) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(api + "verify")).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(quote)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static ServingStatus grpcHealth(ManagedChannel ch) {
    return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("dcapd.v1.AttestationService").build()).getStatus();
  }


  private static StatusRuntimeException assertThrowsStatus(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    return fail("the call succeeded");
  }

  @FunctionalInterface
  private interface Check {
    boolean holds() throws Exception;
  }

  /** Polls {@code check} every 100 ms until it holds, failing after {@code bound}. */
  private static void within(Duration bound, Check check, String what) throws Exception {
    long end = System.nanoTime() + bound.toNanos();
    while (!check.holds()) {
      if (System.nanoTime() - end > 0) {
        fail(what + ": not within " + bound);
      }
      Thread.sleep(100);
    }
  }
}
