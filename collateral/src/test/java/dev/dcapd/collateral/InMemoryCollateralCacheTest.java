package dev.dcapd.collateral;

import static dev.dcapd.collateral.TestVectors.TDX_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cache: one fetch per key, refresh ahead of expiry, last good collateral through outages. */
class InMemoryCollateralCacheTest {
  private static final int ATTEMPTS = 3;
  /** Inside the TDX vector's window (2025-06-19T10:32:27Z .. 2025-07-19T10:00:35Z). */
  private static final Instant START = Instant.parse("2025-07-10T00:00:00Z");
  private static final Instant EXPIRY = Instant.parse("2025-07-19T10:00:35Z");

  private final FakePcs server = new FakePcs().serve(TeeType.TDX, TestVectors.tdxCollateral());
  private final MutableClock clock = new MutableClock(START);
  private final TestVectors.RecordingSleeper sleeper = new TestVectors.RecordingSleeper();

  @AfterEach
  void stop() {
    server.close();
  }

  private CollateralFetcher fetcher(FakePcs pcs) {
    return new CollateralFetcher(List.of(TestVectors.pccs(pcs, TestVectors.getter(sleeper, ATTEMPTS, Duration.ofSeconds(5)))),
        VerifierCollateralCheck.intelRoot(), clock);
  }

  private InMemoryCollateralCache.Builder cache() {
    return InMemoryCollateralCache.builder(fetcher(server))
        .refreshExecutor(Runnable::run)
        .refreshMargin(Duration.ofDays(1))
        .maxAge(Duration.ofDays(3))
        .minRefreshInterval(Duration.ofMinutes(5));
  }

  @Test
  void concurrentCallersForOneKeyMakeOneUpstreamFetch() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    server.fault(FakePcs.TCB, FakePcs.holdUntil(gate));
    InMemoryCollateralCache cache = cache().build();
    int n = 16;
    AtomicReferenceArray<Object> results = new AtomicReferenceArray<>(n);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int slot = i;
      Thread t = new Thread(() -> {
        try {
          results.set(slot, cache.get(TDX_KEY, START));
        } catch (Exception e) {
          results.set(slot, e);
        }
      });
      threads.add(t);
      t.start();
    }
    // Hold the one upstream request until every caller is parked: on the fetch in flight, or
    // inside it. Bounded, but nothing is asserted about time.
    long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (server.requests(FakePcs.TCB) < 1 || !threads.stream().allMatch(InMemoryCollateralCacheTest::parked)) {
      if (System.nanoTime() > giveUp) {
        fail("callers did not all wait: " + threads.stream().map(Thread::getState).toList());
      }
      Thread.sleep(5);
    }
    gate.countDown();
    for (Thread t : threads) {
      t.join();
    }
    Object first = results.get(0);
    assertTrue(first instanceof CachedCollateral, String.valueOf(first));
    for (int i = 0; i < n; i++) {
      assertSame(first, results.get(i));
    }
    assertEquals(1, server.requests(FakePcs.TCB));
    assertEquals(1, server.requests(FakePcs.QE_IDENTITY));
    assertEquals(1, server.requests(FakePcs.PCK_CRL));
    assertEquals(1, server.requests(FakePcs.ROOT_CA_CRL));
  }

  private static boolean parked(Thread t) {
    Thread.State s = t.getState();
    return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.TERMINATED;
  }

  @Test
  void aHitMakesNoRequestAndReportsAgeAndExpiry() throws Exception {
    InMemoryCollateralCache cache = cache().build();
    CachedCollateral first = cache.get(TDX_KEY, START);
    clock.advance(Duration.ofHours(5));
    CachedCollateral again = cache.get(TDX_KEY, clock.instant());
    assertSame(first, again);
    assertEquals(1, server.requests(FakePcs.TCB));
    assertEquals(START, again.fetchedAt());
    assertEquals(Duration.ofHours(5), again.age(clock.instant()));
    assertEquals(EXPIRY, again.earliestExpiry());
    assertEquals(server.baseUrl(), again.source());
    assertEquals(TestVectors.tdxCollateral(), again.collateral());
  }

  @Test
  void entriesAreRefreshedAheadOfTheirEarliestExpiry() throws Exception {
    InMemoryCollateralCache cache = cache().build();
    cache.get(TDX_KEY, START);
    clock.set(EXPIRY.minus(Duration.ofHours(23)));
    CachedCollateral served = cache.get(TDX_KEY, clock.instant());
    assertEquals(START, served.fetchedAt(), "answered from the entry while the refresh runs");
    assertEquals(2, server.requests(FakePcs.TCB));
    assertEquals(clock.instant(), cache.get(TDX_KEY, clock.instant()).fetchedAt(), "the refreshed entry");
    assertEquals(2, server.requests(FakePcs.TCB), "the source had nothing newer: not asked again at once");
    clock.advance(Duration.ofMinutes(5));
    cache.get(TDX_KEY, clock.instant());
    assertEquals(3, server.requests(FakePcs.TCB), "asked again after the minimum interval");
  }

  @Test
  void entriesAreRefreshedOnceOldEvenFarFromExpiry() throws Exception {
    InMemoryCollateralCache cache = cache().maxAge(Duration.ofHours(12)).build();
    cache.get(TDX_KEY, START);
    clock.advance(Duration.ofHours(11));
    cache.get(TDX_KEY, clock.instant());
    assertEquals(1, server.requests(FakePcs.TCB));
    clock.advance(Duration.ofHours(1));
    cache.get(TDX_KEY, clock.instant());
    assertEquals(2, server.requests(FakePcs.TCB));
  }

  @Test
  void theLastGoodCollateralIsServedWhileEverySourceIsDownAndNotAfterItExpires() throws Exception {
    InMemoryCollateralCache cache = cache().build();
    cache.get(TDX_KEY, START);
    server.fault(FakePcs.TCB, FakePcs.status(503));

    clock.set(EXPIRY.minus(Duration.ofHours(12)));
    CachedCollateral served = cache.get(TDX_KEY, clock.instant());
    assertEquals(START, served.fetchedAt());
    assertEquals(Duration.ofDays(9).plus(Duration.ofHours(10)).plusSeconds(35).minusHours(12),
        served.age(clock.instant()));
    assertEquals(1 + ATTEMPTS, server.requests(FakePcs.TCB), "one refresh, retried");

    clock.advance(Duration.ofMinutes(1));
    assertSame(served, cache.get(TDX_KEY, clock.instant()));
    assertEquals(1 + ATTEMPTS, server.requests(FakePcs.TCB), "no new refresh within the retry interval");

    clock.advance(Duration.ofMinutes(5));
    assertSame(served, cache.get(TDX_KEY, clock.instant()));
    assertEquals(1 + 2 * ATTEMPTS, server.requests(FakePcs.TCB), "refresh tried again after the interval");

    assertSame(served, cache.get(TDX_KEY, EXPIRY), "valid at its earliest expiry");
    clock.set(EXPIRY.plusSeconds(1));
    CollateralUnavailableException e =
        assertThrows(CollateralUnavailableException.class, () -> cache.get(TDX_KEY, clock.instant()));
    assertEquals(FailureCode.COLLATERAL_UNAVAILABLE, e.code());
    assertEquals(Optional.of(FailureCode.COLLATERAL_UNAVAILABLE), e.attempts().get(0).failure());
  }

  @Test
  void anInstantOutsideTheWindowOfWhatSourcesServeIsUnavailable() throws Exception {
    InMemoryCollateralCache cache = cache().build();
    Instant before = Instant.parse("2025-06-01T00:00:00Z");
    CollateralUnavailableException e =
        assertThrows(CollateralUnavailableException.class, () -> cache.get(TDX_KEY, before));
    assertEquals(Optional.of(FailureCode.COLLATERAL_NOT_YET_VALID), e.attempts().get(0).failure());
    // A cached entry answers for any instant inside its window, past ones included.
    cache.get(TDX_KEY, START);
    assertEquals(START, cache.get(TDX_KEY, Instant.parse("2025-06-25T00:00:00Z")).fetchedAt());
    assertEquals(2, server.requests(FakePcs.TCB));
    // Outside it, sources that just answered are not asked again within the minimum interval...
    DcapException early = assertThrows(DcapException.class, () -> cache.get(TDX_KEY, before));
    assertEquals(FailureCode.COLLATERAL_UNAVAILABLE, early.code());
    assertEquals(2, server.requests(FakePcs.TCB));
    // ...and are after it.
    clock.advance(Duration.ofMinutes(5));
    assertThrows(CollateralUnavailableException.class, () -> cache.get(TDX_KEY, before));
    assertEquals(3, server.requests(FakePcs.TCB));
  }

  @Test
  void aPlatformNoSourceKnowsIsAskedAboutOncePerNotFoundPeriod() throws Exception {
    InMemoryCollateralCache cache = cache().notFoundPeriod(Duration.ofMinutes(5)).build();
    CollateralKey unknown = new CollateralKey(TeeType.TDX, dev.dcapd.verifier.Bytes.fromHex("00906ED50000"), TDX_KEY.ca());
    for (int i = 0; i < 4; i++) {
      CollateralUnavailableException e = assertThrows(CollateralUnavailableException.class, () -> cache.get(unknown, START));
      assertEquals(FailureCode.COLLATERAL_NOT_FOUND, e.code());
      CollateralUnavailableException past = assertThrows(CollateralUnavailableException.class,
          () -> cache.getForInstant(unknown, START.minus(Duration.ofDays(1))));
      assertEquals(FailureCode.COLLATERAL_NOT_FOUND, past.code());
    }
    assertEquals(1, server.totalRequests(), "one 404, remembered");
    clock.advance(Duration.ofMinutes(5));
    assertThrows(CollateralUnavailableException.class, () -> cache.get(unknown, clock.instant()));
    assertEquals(2, server.totalRequests(), "asked again once the period passed");
    // A platform the source knows is not affected.
    assertTrue(cache.get(TDX_KEY, clock.instant()).validAt(clock.instant()));
  }

  @Test
  void callersChoosingInstantsMakeOneFetchPerKeyPerInterval() throws Exception {
    InMemoryCollateralCache cache = cache().build();
    cache.get(TDX_KEY, START);
    assertEquals(1, server.requests(FakePcs.TCB));
    clock.advance(Duration.ofMinutes(10));
    Instant before = Instant.parse("2025-06-01T00:00:00Z");
    Instant inside = Instant.parse("2025-06-25T00:00:00Z");
    for (int i = 0; i < 4; i++) {
      assertThrows(DcapException.class, () -> cache.getForInstant(TDX_KEY, before.plusSeconds(1)));
      assertEquals(START, cache.getForInstant(TDX_KEY, inside).fetchedAt(), "the entry held answers inside its window");
    }
    assertEquals(2, server.requests(FakePcs.TCB), "one fetch for the instants outside the entry's window");
    clock.advance(Duration.ofMinutes(5));
    assertThrows(DcapException.class, () -> cache.getForInstant(TDX_KEY, before));
    assertEquals(3, server.requests(FakePcs.TCB), "and one more after the interval");
  }

  @Test
  void anOutageIsNotRememberedAsNotFound() throws Exception {
    server.fault(FakePcs.TCB, FakePcs.times(ATTEMPTS, FakePcs.status(503)));
    InMemoryCollateralCache cache = cache().build();
    CollateralUnavailableException e = assertThrows(CollateralUnavailableException.class, () -> cache.get(TDX_KEY, START));
    assertEquals(FailureCode.COLLATERAL_UNAVAILABLE, e.code());
    assertEquals(START, cache.get(TDX_KEY, START).fetchedAt(), "asked again at once, and served");
  }

  /** A map standing in for the daemon's RocksDB column family. */
  static final class MapStore implements CollateralStore {
    final Map<CollateralKey, Stored> map = new ConcurrentHashMap<>();

    @Override
    public Optional<Stored> load(CollateralKey key) {
      return Optional.ofNullable(map.get(key));
    }

    @Override
    public void save(CollateralKey key, Stored entry) {
      map.put(key, entry);
    }
  }

  @Test
  void theStoreKeepsEntriesAcrossInstancesAndIsCheckedAgainOnLoad() throws Exception {
    MapStore store = new MapStore();
    cache().store(store).build().get(TDX_KEY, START);
    CollateralStore.Stored saved = store.map.get(TDX_KEY);
    assertEquals(EXPIRY, saved.earliestExpiry());
    assertEquals(START, saved.fetchedAt());

    try (FakePcs down = new FakePcs()) {
      down.fault(FakePcs.TCB, FakePcs.status(503));
      InMemoryCollateralCache restarted = InMemoryCollateralCache.builder(fetcher(down))
          .refreshExecutor(Runnable::run).maxAge(Duration.ofDays(3)).store(store).build();
      clock.advance(Duration.ofHours(1));
      CachedCollateral loaded = restarted.get(TDX_KEY, clock.instant());
      assertEquals(TestVectors.tdxCollateral(), loaded.collateral());
      assertEquals(START, loaded.fetchedAt());
      assertEquals(server.baseUrl(), loaded.source());
      assertEquals(0, down.totalRequests());
    }

    store.map.put(TDX_KEY, new CollateralStore.Stored(
        CollateralCheckCasesTest.with(saved.collateral(), CollateralCheckCasesTest.Field.TCB_SIGNATURE,
            CollateralCheckCasesTest.flip(saved.collateral().tcbInfoSignature())),
        "tampered", START, EXPIRY));
    CachedCollateral fetched = cache().store(store).build().get(TDX_KEY, clock.instant());
    assertEquals(server.baseUrl(), fetched.source(), "a stored entry that fails the check is not used");
    assertEquals(2, server.requests(FakePcs.TCB));
    assertEquals(server.baseUrl(), store.map.get(TDX_KEY).source());
  }
}
