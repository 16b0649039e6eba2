package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.dcapd.collateral.FakePcs;
import dev.dcapd.daemon.api.ProtoVerdicts;
import dev.dcapd.daemon.testing.Closer;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentItem;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.proto.v1.WatchVerdictsRequest;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.TrustAnchor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ways a daemon could once be made to say {@code success: true} for a quote that should not
 * pass, each replayed against a real daemon on 127.0.0.1 (RocksDB in a temp dir): a verdict
 * proven under another trust root, a caller's past instant installing older collateral, a stored
 * verdict outliving the collateral it rests on.
 */
class HonestVerdictTest {
  /** After the forged collateral's issue date, before the revoking CRL of these tests. */
  private static final Instant PAST = Instant.parse("2026-03-01T00:00:00Z");
  /** thisUpdate of the CRL that revokes the forged PCK. */
  private static final Instant REVOKED_ON = Instant.parse("2026-06-01T00:00:00Z");

  @TempDir Path dir;
  @AutoClose final Closer open = new Closer();

  /** A clock the test moves; the daemon reads "now" from it. */
  static final class TestClock extends Clock {
    private volatile Instant now;

    TestClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private Path rootPem(ForgedCase c) throws Exception {
    return ForgedFiles.rootPem(dir, c);
  }

  private Path collateralDir(QuoteCollateral c) throws Exception {
    return ForgedFiles.collateralDir(dir, c);
  }

  private static DaemonConfig config(Path data, Optional<Path> root, Optional<Path> collateralDir, List<String> pccs) {
    return new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(), data, pccs,
        collateralDir, root, Optional.empty(), false, Optional.empty(), 2, 64, 1 << 17, 16 << 20,
        Duration.ofSeconds(5), Duration.ofSeconds(1));
  }

  private Daemon start(DaemonConfig config, Clock clock) throws Exception {
    Daemon d = Daemon.start(TestStores.on(config), clock);
    open.add(d);
    return d;
  }

  private ManagedChannel channel(Daemon d) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", d.grpcAddress().orElseThrow().getPort())
        .usePlaintext().build();
    open.add(ch::shutdownNow);
    return ch;
  }

  private static AttestationServiceBlockingStub stub(ManagedChannel ch) {
    return AttestationServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static VerifyRequest upload(byte[] quote) {
    return VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(quote)).build();
  }

  /** The forged case's collateral with a PCK CRL issued on {@link #REVOKED_ON} that revokes its PCK leaf. */
  private static QuoteCollateral revoking(ForgedCase c) {
    return ForgedFiles.revoking(c, REVOKED_ON);
  }

  private static ForgedCase tdx() {
    return Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).build());
  }

  /** The first answer for a quote, of a daemon on its test root, and a daemon on the Intel root serving the same data. */
  private record RootChanged(VerifyResponse first, Daemon intel) {}

  /**
   * A forged quote verified by a daemon on the test root it was forged for, which is then closed,
   * and a daemon on the Intel root started on its data; both on one clock that stands still.
   */
  private RootChanged verifiedUnderTestRootThenServedUnderIntel(ForgedCase c) throws Exception {
    Path data = dir.resolve("data");
    Path collateral = collateralDir(c.collateral());
    Clock clock = Clock.fixed(c.at(), ZoneOffset.UTC);
    Daemon insecure = start(config(data, Optional.of(rootPem(c)), Optional.of(collateral), List.of()), clock);
    VerifyResponse first = stub(channel(insecure)).verify(upload(c.quoteBytes()));
    assertTrue(first.getSuccess(), "verified under the test root it was forged for");
    insecure.close();
    return new RootChanged(first, start(config(data, Optional.empty(), Optional.of(collateral), List.of()), clock));
  }

  /** Hole 1: a forged quote verified under a test root, then served by a daemon on the Intel root. */
  @Test
  void aVerdictProvenUnderAnotherRootIsNeverServedAsSuccess() throws Exception {
    ForgedCase c = tdx();
    RootChanged changed = verifiedUnderTestRootThenServedUnderIntel(c);
    VerifyResponse first = changed.first();
    assertTrue(first.getVerdict().getInsecureRoot());

    AttestationServiceBlockingStub s = stub(channel(changed.intel()));
    VerifyResponse again = s.verify(upload(c.quoteBytes()));
    assertTrue(again.getAlreadyStored());
    assertFalse(again.getSuccess(), "the stored verdict was proven under another root");
    assertFalse(again.getVerdict().getSuccess());
    assertEquals(TrustAnchor.INTEL_ROOT_SHA256, again.getVerdict().getTrustRoot());
    assertFalse(again.getVerdict().getInsecureRoot());
    assertEquals("PCK_CHAIN_UNTRUSTED", again.getVerdict().getFailure().getCode());

    GetResponse got = s.get(GetRequest.newBuilder().setChecksum(first.getChecksum()).build());
    assertFalse(got.getSuccess());
    assertFalse(got.getVerified());
    assertFalse(got.getQuote().getVerified());
    assertEquals(TrustAnchor.INTEL_ROOT_SHA256, got.getVerdict().getTrustRoot());
    List<VerdictChange> history = got.getHistoryList();
    assertEquals("UpToDate", history.get(0).getTo());
    assertEquals("PCK_CHAIN_UNTRUSTED", history.get(history.size() - 1).getTo());

    RecentItem listed = s.recent(RecentRequest.newBuilder().build()).getItems(0);
    assertFalse(listed.getVerified());
  }

  /**
   * A verdict judged again at the instant of the one it replaces (here: a clock that has not moved)
   * is stored as judged one microsecond later, so the replacement, conditional on the old verdict's
   * instant, cannot be applied twice by two daemons sharing a store.
   */
  @Test
  void aVerdictJudgedAgainWhileTheClockStandsStillIsStoredAfterTheOneItReplaces() throws Exception {
    ForgedCase c = tdx();
    RootChanged changed = verifiedUnderTestRootThenServedUnderIntel(c);
    VerifyResponse first = changed.first();
    Daemon intel = changed.intel();
    VerifyResponse again = stub(channel(intel)).verify(upload(c.quoteBytes()));
    assertEquals("PCK_CHAIN_UNTRUSTED", again.getVerdict().getFailure().getCode(), "judged again");
    Instant before = ProtoVerdicts.instant(first.getVerifiedAt());
    assertTrue(ProtoVerdicts.instant(again.getVerifiedAt()).isAfter(before), "stored after the verdict it replaced");
    GetResponse got = stub(channel(intel)).get(GetRequest.newBuilder().setChecksum(first.getChecksum()).build());
    VerdictChange change = got.getHistory(got.getHistoryCount() - 1);
    assertEquals("PCK_CHAIN_UNTRUSTED", change.getTo());
    assertEquals(before.plusNanos(1000), ProtoVerdicts.instant(change.getAt()), "the first re-judgement, a microsecond on");
  }

  /** Hole 1, listing: before any read judges it again, Recent does not show it as verified. */
  @Test
  void aListingDoesNotShowAVerdictOfAnotherRootAsVerified() throws Exception {
    Daemon intel = verifiedUnderTestRootThenServedUnderIntel(tdx()).intel();
    RecentItem listed = stub(channel(intel)).recent(RecentRequest.newBuilder().build()).getItems(0);
    assertFalse(listed.getVerified());
    assertEquals("", listed.getTcbStatus());
  }

  /**
   * Hole 2: the newest source (the folder) has a CRL that revokes the PCK; an older PCCS does not.
   * A Check in the past, when only the older collateral was current, must not make Verify use it now.
   */
  @Test
  void aCheckAtAPastInstantDoesNotChangeTheCollateralVerifyUses() throws Exception {
    ForgedCase c = tdx();
    FakePcs older = new FakePcs().serve(TeeType.TDX, c.collateral());
    open.add(older);
    Daemon d = start(config(dir.resolve("data"), Optional.of(rootPem(c)), Optional.of(collateralDir(revoking(c))),
        List.of(older.baseUrl())), Clock.fixed(c.at(), ZoneOffset.UTC));
    AttestationServiceBlockingStub s = stub(channel(d));

    CheckResponse past = s.check(CheckRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes()))
        .setAt(ProtoVerdicts.timestamp(PAST)).build());
    assertTrue(past.getSuccess(), "at that instant the older collateral was current and did not revoke the PCK");

    VerifyResponse now = s.verify(upload(c.quoteBytes()));
    assertFalse(now.getSuccess(), "now the newest CRL revokes the PCK");
    assertEquals("PCK_REVOKED", now.getVerdict().getFailure().getCode());
  }

  /**
   * Hole 2, rollback: the newest source goes away and a lagging one still serves collateral from
   * before the revocation; the cache keeps the newer collateral rather than go back.
   */
  @Test
  void aLaggingSourceCannotRollBackARevocation() throws Exception {
    QuoteBatch batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).build());
    ForgedCase c = batch.template();
    FakePcs older = new FakePcs().serve(TeeType.TDX, c.collateral());
    open.add(older);
    Path collateral = collateralDir(revoking(c));
    TestClock clock = new TestClock(c.at());
    Daemon d = start(config(dir.resolve("data"), Optional.of(rootPem(c)), Optional.of(collateral),
        List.of(older.baseUrl())), clock);
    AttestationServiceBlockingStub s = stub(channel(d));
    assertEquals("PCK_REVOKED", s.verify(upload(batch.quote(1).raw().toByteArray())).getVerdict().getFailure().getCode());

    Files.delete(collateral.resolve("platform.json"));
    clock.advance(Duration.ofDays(2));
    // Due for a refresh: the folder has nothing, the lagging PCCS serves the older CRL.
    s.verify(upload(batch.quote(2).raw().toByteArray()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (older.requests(FakePcs.ROOT_CA_CRL) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(older.requests(FakePcs.ROOT_CA_CRL) > 0, "the refresh reached the lagging source");
    Thread.sleep(500); // the fetched collateral is checked and refused off this thread
    VerifyResponse later = s.verify(upload(batch.quote(3).raw().toByteArray()));
    assertFalse(later.getSuccess());
    assertEquals("PCK_REVOKED", later.getVerdict().getFailure().getCode());
  }

  /**
   * Hole 3: new collateral for a platform (a CRL revoking the PCK) re-appraises its stored quotes
   * in the background; Get and WatchVerdicts report the change with no new upload.
   */
  @Test
  void newCollateralThatRevokesAStoredQuoteChangesItsVerdict() throws Exception {
    QuoteBatch batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).build());
    ForgedCase c = batch.template();
    Path collateral = collateralDir(c.collateral());
    TestClock clock = new TestClock(c.at());
    Daemon d = start(config(dir.resolve("data"), Optional.of(rootPem(c)), Optional.of(collateral), List.of()), clock);
    ManagedChannel ch = channel(d);
    AttestationServiceBlockingStub s = stub(ch);
    byte[] stored = batch.quote(1).raw().toByteArray();
    VerifyResponse first = s.verify(upload(stored));
    assertTrue(first.getSuccess());

    LinkedBlockingQueue<VerdictChange> changes = new LinkedBlockingQueue<>();
    AttestationServiceGrpc.newStub(ch).watchVerdicts(
        WatchVerdictsRequest.newBuilder().setChecksum(first.getChecksum()).build(), collect(changes));
    awaitWatching(d);

    // Intel publishes a CRL revoking the PCK; a day later the cache refreshes and installs it,
    // when another quote of the platform is uploaded.
    Files.writeString(collateral.resolve("platform.json"), revoking(c).toJson(), StandardCharsets.UTF_8);
    clock.advance(Duration.ofDays(2));
    s.verify(upload(batch.quote(2).raw().toByteArray()));

    VerdictChange change = changes.poll(30, TimeUnit.SECONDS);
    assertTrue(change != null, "WatchVerdicts reported the stored quote's change");
    assertEquals("UpToDate", change.getFrom());
    assertEquals("PCK_REVOKED", change.getTo());
    assertFalse(change.getSuccess());

    GetResponse got = s.get(GetRequest.newBuilder().setChecksum(first.getChecksum()).build());
    assertFalse(got.getSuccess());
    assertEquals("PCK_REVOKED", got.getVerdict().getFailure().getCode());
    assertEquals(List.of("UpToDate", "PCK_REVOKED"), got.getHistoryList().stream().map(VerdictChange::getTo).toList());
    assertTrue(d.metrics().counter(
        "dcapd_verdict_changes_total{from=\"UpToDate\",to=\"PCK_REVOKED\",cause=\"new_collateral\"}") > 0, d.metrics().render());
  }

  /** Hole 3: a stored verdict is not served past its collateral's earliest expiry. */
  @Test
  void aStoredVerdictIsNotServedAfterItsCollateralExpires() throws Exception {
    ForgedCase c = tdx();
    TestClock clock = new TestClock(c.at());
    Daemon d = start(config(dir.resolve("data"), Optional.of(rootPem(c)), Optional.of(collateralDir(c.collateral())),
        List.of()), clock);
    AttestationServiceBlockingStub s = stub(channel(d));
    VerifyResponse first = s.verify(upload(c.quoteBytes()));
    assertTrue(first.getSuccess());
    Instant expiry = ProtoVerdicts.instant(first.getVerdict().getEarliestExpiry());

    clock.advance(Duration.between(c.at(), expiry).plusSeconds(1));
    GetResponse got = s.get(GetRequest.newBuilder().setChecksum(first.getChecksum()).build());
    assertFalse(got.getSuccess());
    assertEquals("COLLATERAL_EXPIRED", got.getVerdict().getFailure().getCode());
    assertTrue(got.getVerdict().getCollateralExpired());
    VerifyResponse again = s.verify(upload(c.quoteBytes()));
    assertFalse(again.getSuccess());
    assertEquals("COLLATERAL_EXPIRED", again.getVerdict().getFailure().getCode());
    assertEquals("collateral expired", got.getHistory(got.getHistoryCount() - 1).getReason()
        .replaceFirst(";.*", ""));
  }

  /** A stored verdict that still holds is served as stored, and says when it was shown current. */
  @Test
  void aVerdictThatStillHoldsIsServedWithTheInstantItWasShownCurrent() throws Exception {
    ForgedCase c = tdx();
    TestClock clock = new TestClock(c.at());
    Daemon d = start(config(dir.resolve("data"), Optional.of(rootPem(c)), Optional.of(collateralDir(c.collateral())),
        List.of()), clock);
    AttestationServiceBlockingStub s = stub(channel(d));
    VerifyResponse first = s.verify(upload(c.quoteBytes()));
    clock.advance(Duration.ofHours(1));
    GetResponse got = s.get(GetRequest.newBuilder().setChecksum(first.getChecksum()).build());
    assertTrue(got.getSuccess());
    assertEquals(first.getVerifiedAt(), got.getVerifiedAt(), "not judged again");
    assertEquals(ProtoVerdicts.timestamp(clock.instant()), got.getVerdict().getCurrentAt());
    assertEquals(1, got.getHistoryCount());
    assertEquals("uploaded", got.getHistory(0).getReason());
  }

  private static StreamObserver<VerdictChange> collect(LinkedBlockingQueue<VerdictChange> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(VerdictChange value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  /** Waits until the daemon has the watcher registered (the stream is asynchronous). */
  private static void awaitWatching(Daemon d) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (d.watchers() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(1, d.watchers());
  }
}
