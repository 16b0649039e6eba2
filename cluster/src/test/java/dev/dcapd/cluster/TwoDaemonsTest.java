package dev.dcapd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.collateral.MutableClock;
import dev.dcapd.daemon.Daemon;
import dev.dcapd.daemon.store.cassandra.CassandraLocation;
import dev.dcapd.daemon.testing.Closer;
import dev.dcapd.proto.v1.GetCollateralRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.TeeType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons on one keyspace with three replicas on three real nodes: what one stores the other
 * answers at once, they agree on Recent, one fetch of a platform's collateral serves both, one
 * record stands for a quote both upload at once, and new collateral re-appraises the stored
 * quotes once, not once per daemon.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TwoDaemonsTest {
  @TempDir Path dir;
  @AutoClose final Closer open = new Closer();

  /** Daemons A and B on one new keyspace, judging a forged platform's quotes by a clock the test moves. */
  private record Two(QuoteBatch batch, ForgedCase c, Path collateral, MutableClock clock, ClusterDaemon a, ClusterDaemon b) {}

  private Two two(long seed, String keyspace) throws Exception {
    QuoteBatch batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).seed(seed).build());
    ForgedCase c = batch.template();
    CassandraLocation store = SharedCluster.keyspace(keyspace, false);
    Path collateral = collateralDir(c.collateral());
    MutableClock clock = new MutableClock(c.at());
    return new Two(batch, c, collateral, clock, daemon("a", store, collateral, c, clock), daemon("b", store, collateral, c, clock));
  }

  private ClusterDaemon daemon(String name, CassandraLocation store, Path collateral, ForgedCase c, Clock clock)
      throws Exception {
    Path root = Files.writeString(dir.resolve("root.pem"), c.rootPem(), StandardCharsets.US_ASCII);
    ClusterDaemon d = ClusterDaemon.start(dir.resolve(name), store, collateral, root, clock);
    open.add(d);
    return d;
  }

  private Path collateralDir(QuoteCollateral c) throws Exception {
    Path d = Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(d.resolve("platform.json"), c.toJson(), StandardCharsets.UTF_8);
    return d;
  }

  /** Collateral fetched from a source by this daemon (not read from the shared store). */
  static long fetches(Daemon d) {
    long n = 0;
    for (String line : d.metrics().render().split("\n")) {
      if (line.startsWith("dcapd_collateral_requests_total{") && line.contains("result=\"fetch\"")) {
        n += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return n;
  }

  /** Verdict changes from UpToDate to PCK_REVOKED this daemon made, for any cause. */
  static long changes(Daemon d) {
    long n = 0;
    for (String line : d.metrics().render().split("\n")) {
      if (line.startsWith("dcapd_verdict_changes_total{") && line.contains("from=\"UpToDate\"")
          && line.contains("to=\"PCK_REVOKED\"")) {
        n += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return n;
  }

  private static List<String> recent(ClusterDaemon d) {
    return d.recent().stream().map(q -> q.getChecksum() + "@" + q.getCreatedAt().getSeconds() + "."
        + q.getCreatedAt().getNanos() + ":" + q.getVerified()).toList();
  }

  @Test
  void whatOneDaemonStoresTheOtherAnswersAtOnceFromOneFetch() throws Exception {
    Two t = two(71, "two_daemons_read");
    QuoteBatch batch = t.batch();
    ClusterDaemon a = t.a();
    ClusterDaemon b = t.b();

    VerifyResponse uploaded = a.stub().verify(ClusterDaemon.upload(batch.quote(0).raw().toByteArray()));
    assertTrue(uploaded.getSuccess());
    GetResponse read = b.stub().get(GetRequest.newBuilder().setChecksum(uploaded.getChecksum()).build());
    assertTrue(read.getSuccess());
    assertEquals(uploaded.getVerdict(), read.getVerdict());
    assertEquals(uploaded.getUploadedAt(), read.getUploadedAt());
    assertEquals(uploaded.getVerifiedAt(), read.getVerifiedAt(), "B served A's verdict, not one of its own");
    assertEquals(batch.quote(0).raw(), Bytes.of(b.stub().getRaw(GetRawRequest.newBuilder().setChecksum(uploaded.getChecksum()).build())
        .getData().toByteArray()));
    assertEquals(a.stub().getCollateral(GetCollateralRequest.newBuilder().setChecksum(uploaded.getChecksum()).build()),
        b.stub().getCollateral(GetCollateralRequest.newBuilder().setChecksum(uploaded.getChecksum()).build()));

    // B judges another quote of the platform with the collateral A fetched: one fetch for both.
    VerifyResponse second = b.stub().verify(ClusterDaemon.upload(batch.quote(1).raw().toByteArray()));
    assertTrue(second.getSuccess());
    assertEquals(1, fetches(a.daemon()));
    assertEquals(0, fetches(b.daemon()), "B took the platform's collateral from the shared store");

    for (int i = 2; i < 12; i++) {
      (i % 2 == 0 ? a : b).stub().verify(ClusterDaemon.upload(batch.quote(i).raw().toByteArray()));
    }
    List<String> onA = recent(a);
    assertEquals(12, onA.size());
    assertEquals(onA, recent(b), "Recent agrees on both daemons");
  }

  @Test
  void aQuoteBothDaemonsUploadAtOnceIsStoredOnce() throws Exception {
    Two t = two(72, "two_daemons_race");
    QuoteBatch batch = t.batch();
    MutableClock clock = t.clock();
    ClusterDaemon a = t.a();
    ClusterDaemon b = t.b();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int i = 0; i < 6; i++) {
        byte[] q = batch.quote(i).raw().toByteArray();
        clock.advance(Duration.ofSeconds(1));
        List<Future<VerifyResponse>> answers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
          ClusterDaemon d = w % 2 == 0 ? a : b;
          answers.add(pool.submit(() -> d.stub().verify(ClusterDaemon.upload(q))));
        }
        Set<String> uploadTimes = new HashSet<>();
        for (Future<VerifyResponse> f : answers) {
          VerifyResponse r = f.get(60, TimeUnit.SECONDS);
          assertTrue(r.getSuccess());
          uploadTimes.add(r.getUploadedAt().toString());
        }
        assertEquals(1, uploadTimes.size(), "every upload of quote " + i + " was answered with one record");
      }
    } finally {
      pool.shutdownNow();
    }
    List<String> listed = recent(a);
    assertEquals(6, listed.size(), "each quote listed once: " + listed);
    assertEquals(listed, recent(b));
  }

  @Test
  void newCollateralReappraisesStoredQuotesOnceNotOncePerDaemon() throws Exception {
    Two t = two(73, "two_daemons_reappraise");
    QuoteBatch batch = t.batch();
    MutableClock clock = t.clock();
    ClusterDaemon a = t.a();
    ClusterDaemon b = t.b();
    List<String> stored = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      VerifyResponse r = (i % 2 == 0 ? a : b).stub().verify(ClusterDaemon.upload(batch.quote(i).raw().toByteArray()));
      assertTrue(r.getSuccess());
      stored.add(r.getChecksum());
    }

    // Intel publishes a CRL revoking the PCK; two days on, an upload through A finds A's
    // collateral due for a refresh (it is answered from it meanwhile), and A's cache installs
    // the new CRL in the background.
    Files.writeString(t.collateral().resolve("platform.json"), Revocations.revoking(t.c()).toJson(), StandardCharsets.UTF_8);
    clock.advance(Duration.ofDays(2));
    VerifyResponse last = a.stub().verify(ClusterDaemon.upload(batch.quote(100).raw().toByteArray()));
    assertTrue(last.getSuccess(), "judged by the collateral A holds until the refresh installs the new");
    stored.add(last.getChecksum());

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (String checksum : stored) {
      GetResponse got;
      do {
        // Through B, which held the old collateral: it must not judge the quote by it again.
        got = b.stub().get(GetRequest.newBuilder().setChecksum(checksum).build());
        if (!got.getSuccess()) {
          break;
        }
        Thread.sleep(200);
      } while (System.nanoTime() - deadline < 0);
      assertFalse(got.getSuccess(), checksum + " still verified");
      assertEquals("PCK_REVOKED", got.getVerdict().getFailure().getCode());
    }
    // Let any re-appraisal still under way finish before counting.
    while ((a.daemon().metrics().render().contains("dcapd_reappraisals_in_progress 1")
        || b.daemon().metrics().render().contains("dcapd_reappraisals_in_progress 1")) && System.nanoTime() - deadline < 0) {
      Thread.sleep(200);
    }
    for (String checksum : stored) {
      GetResponse got = a.stub().get(GetRequest.newBuilder().setChecksum(checksum).build());
      List<String> changes = got.getHistoryList().stream().map(VerdictChange::getTo).toList();
      assertEquals(List.of("UpToDate", "PCK_REVOKED"), changes, checksum + ": judged again once, by one daemon");
    }
    // Counted on both daemons, whatever the cause (the re-appraisal, or a read that found the
    // record behind the collateral): one change per quote.
    long onA = changes(a.daemon());
    long onB = changes(b.daemon());
    assertEquals(stored.size(), onA + onB, "A: " + onA + ", B: " + onB);
  }
}
