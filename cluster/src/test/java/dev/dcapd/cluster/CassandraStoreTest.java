package dev.dcapd.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.google.protobuf.ByteString;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.daemon.store.RecentPage;
import dev.dcapd.daemon.store.StoreException;
import dev.dcapd.daemon.store.StoredQuotes;
import dev.dcapd.daemon.store.cassandra.CassandraLocation;
import dev.dcapd.daemon.store.cassandra.CassandraSchema;
import dev.dcapd.daemon.store.cassandra.CassandraStore;
import dev.dcapd.daemon.testing.Closer;
import dev.dcapd.proto.store.v1.CachedCollateral;
import dev.dcapd.proto.store.v1.ReappraisalJob;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.TeeType;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Cassandra store on three real nodes (replication factor 3), through two stores as two
 * daemons would hold them: exact bytes back, a PCK chain written once, one record per quote
 * however many write it, a record replaced only if it is the one judged again, Recent newest first
 * across its hourly partitions, each platform's checksums in order across shards, leases, and the
 * schema version.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CassandraStoreTest {
  private static final long HOUR = 3_600_000_000L;
  private static final long T0 = 1_780_000_000_000_000L;
  @AutoClose static final Closer closer = new Closer();
  private static CassandraStore one;
  private static CassandraStore other;
  /** The test's own session on the shared cluster, beside the stores, to look at cells directly. */
  private static CqlSession admin;

  @BeforeAll
  static void open() {
    CassandraLocation at = SharedCluster.keyspace("store_test", false);
    one = closer.add(CassandraStore.open(at));
    other = closer.add(CassandraStore.open(at));
    admin = closer.add(CqlSession.builder().addContactPoints(SharedCluster.get().contactPoints())
        .withLocalDatacenter(at.datacenter()).build());
  }

  private static QuoteBatch batch(long seed) {
    return Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).seed(seed).build());
  }

  private static StoredRecord record(Quote q, long micros, boolean platform) {
    Verdict.Builder v = Verdict.newBuilder().setSuccess(true).setTcbStatus("UpToDate");
    StoredRecord.Builder r = StoredRecord.newBuilder()
        .setUploadedAtMicros(micros)
        .setVerifiedAtMicros(micros)
        .setTeeType(q.teeType().name())
        .setVersion(q.version())
        .setSize(q.raw().length())
        .setCanDownload(true);
    if (platform) {
      v.setCa("platform");
      r.setFmspc(ByteString.copyFrom(new byte[] {0x00, (byte) 0x80, 0x6f, 0x05, 0x00, 0x00}));
    }
    return r.setVerdict(v).build();
  }

  @Test
  void exactBytesBackForEveryKindOfQuoteThroughTheOtherStore() throws Exception {
    List<String> vectors = List.of("dcap-qvl/sgx_quote", "dcap-qvl/tdx_quote", "go-tdx-guest/cos-113-tdx-quote.dat",
        "intel/qvl-sample-sgx/quote.dat", "intel/qvl-sample-tdx/quote.dat");
    String json = Vectors.text("dcap-qvl/tdx_quote_collateral.json");
    String id = "ab".repeat(32);
    for (String v : vectors) {
      Quote q = QuoteInput.parse(Vectors.bytes(v));
      StoredRecord r = record(q, T0 - 10 * HOUR, false).toBuilder().setCollateralId(id).build();
      one.put(q, r, json);
      assertArrayEquals(Vectors.bytes(v), other.rawQuote(q.checksum()).orElseThrow(), v);
      assertEquals(r, other.record(q.checksum()).orElseThrow(), v);
    }
    assertEquals(json, other.collateralJson(id).orElseThrow());
    assertTrue(other.record(Bytes.of(new byte[32])).isEmpty());
    assertTrue(other.rawQuote(Bytes.of(new byte[32])).isEmpty());
  }

  @Test
  void aPlatformsPckChainIsWrittenOnceNotWithEveryQuote() {
    QuoteBatch b = batch(44);
    Quote first = b.quote(0);
    one.put(first, record(first, T0 + 50, true), null);
    byte[] chain = StoredQuotes.split(first).chain().orElseThrow().id();
    long written = writetime("SELECT writetime(data) FROM store_test.blobs WHERE id = ?", chain);

    Quote second = b.quote(1);
    assertArrayEquals(chain, StoredQuotes.split(second).chain().orElseThrow().id(), "one platform, one PCK chain");
    one.put(second, record(second, T0 + 60, true), null);
    assertEquals(written, writetime("SELECT writetime(data) FROM store_test.blobs WHERE id = ?", chain),
        "the chain is not written again");
    assertArrayEquals(second.raw().toByteArray(), other.rawQuote(second.checksum()).orElseThrow());
  }

  /** The write time (microseconds) of the one cell {@code cql} selects for {@code id}. */
  private static long writetime(String cql, byte[] id) {
    return admin.execute(SimpleStatement.newInstance(cql, ByteBuffer.wrap(id))
        .setConsistencyLevel(DefaultConsistencyLevel.ALL)).one().getLong(0);
  }

  @Test
  void twoStoresUploadingOneQuoteStoreOneRecordAndAnswerWithIt() throws Exception {
    QuoteBatch b = batch(41);
    // In turn: the second writer gets the first record back, and Recent lists the quote once.
    Quote q = b.quote(0);
    StoredRecord first = record(q, T0 + 100, true);
    assertSame(first, one.put(q, first, null));
    assertEquals(first, other.put(q, record(q, T0 + 200, true), null));
    assertEquals(first, one.record(q.checksum()).orElseThrow());

    // At once: eight writers on each store race for each of ten quotes; one record stands.
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      for (int i = 1; i <= 10; i++) {
        Quote racing = b.quote(i);
        List<Future<StoredRecord>> answers = new ArrayList<>();
        for (int w = 0; w < 16; w++) {
          AttestationStore store = w % 2 == 0 ? one : other;
          StoredRecord mine = record(racing, T0 + 1000 * i + w, true);
          answers.add(pool.submit((Callable<StoredRecord>) () -> store.put(racing, mine, null)));
        }
        Set<StoredRecord> stood = new HashSet<>();
        for (Future<StoredRecord> a : answers) {
          stood.add(a.get(60, TimeUnit.SECONDS));
        }
        assertEquals(1, stood.size(), "every writer was answered with the one record stored");
        assertEquals(stood.iterator().next(), other.record(racing.checksum()).orElseThrow());
      }
    } finally {
      pool.shutdownNow();
    }
    List<String> listed = new ArrayList<>();
    Optional<String> token = Optional.empty();
    do {
      RecentPage page = one.recent(0, 100, token);
      page.entries().forEach(e -> listed.add(e.checksum()));
      token = page.nextPageToken();
    } while (token.isPresent());
    for (int i = 0; i <= 10; i++) {
      String hex = b.quote(i).checksum().hex();
      assertEquals(1, listed.stream().filter(hex::equals).count(), "quote " + i + " listed once");
    }
  }

  /**
   * Many writers on one partition at once make Paxos contend, and Cassandra may answer that a
   * lightweight transaction's outcome is unknown: the store settles it by a serial read instead of
   * failing the upload, the replacement or the lease.
   */
  @Test
  void contendedTransactionsAreSettledNotFailed() throws Exception {
    QuoteBatch b = batch(44);
    List<CassandraStore> stores = List.of(one, other, closer.add(CassandraStore.open(SharedCluster.keyspace("store_test", false))),
        closer.add(CassandraStore.open(SharedCluster.keyspace("store_test", false))));
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      for (int i = 0; i < 12; i++) {
        Quote racing = b.quote(i);
        List<Future<StoredRecord>> uploads = new ArrayList<>();
        for (int w = 0; w < 32; w++) {
          CassandraStore store = stores.get(w % stores.size());
          StoredRecord mine = record(racing, T0 + 2000 * HOUR + 100 * i + w, true);
          uploads.add(pool.submit(() -> store.put(racing, mine, null)));
        }
        Set<StoredRecord> stood = new HashSet<>();
        for (Future<StoredRecord> u : uploads) {
          stood.add(u.get(60, TimeUnit.SECONDS));
        }
        assertEquals(1, stood.size(), "every uploader was answered with the one record stored");
        StoredRecord uploaded = stood.iterator().next();

        List<Future<StoredRecord>> judged = new ArrayList<>();
        for (int w = 0; w < 32; w++) {
          CassandraStore store = stores.get(w % stores.size());
          StoredRecord mine = uploaded.toBuilder().setVerifiedAtMicros(uploaded.getVerifiedAtMicros() + 1 + w).build();
          judged.add(pool.submit(() -> store.replaceRecord(racing.checksum(), uploaded, mine, null)));
        }
        Set<StoredRecord> replaced = new HashSet<>();
        for (Future<StoredRecord> j : judged) {
          replaced.add(j.get(60, TimeUnit.SECONDS));
        }
        assertEquals(1, replaced.size(), "every judge was answered with the one replacement stored");
        assertEquals(replaced.iterator().next(), one.record(racing.checksum()).orElseThrow());

        String lease = "test/contended/" + i;
        List<Future<Boolean>> claims = new ArrayList<>();
        for (int w = 0; w < 32; w++) {
          CassandraStore store = stores.get(w % stores.size());
          String owner = "daemon-" + w;
          claims.add(pool.submit(() -> store.claim(lease, owner, Duration.ofMinutes(1))));
        }
        int held = 0;
        for (Future<Boolean> c : claims) {
          held += c.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertEquals(1, held, "one claimant holds the lease");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRecordIsReplacedOnlyIfItIsStillTheOneJudgedAgain() throws Exception {
    Quote q = batch(42).quote(0);
    StoredRecord uploaded = record(q, T0 + 10, true);
    one.put(q, uploaded, null);
    StoredRecord judgedByOne = uploaded.toBuilder().setVerifiedAtMicros(T0 + 20).build();
    assertSame(judgedByOne, one.replaceRecord(q.checksum(), uploaded, judgedByOne, null));
    // The other store judged the record it read before: it gets the newer record back.
    StoredRecord judgedByOther = uploaded.toBuilder().setVerifiedAtMicros(T0 + 30).build();
    assertEquals(judgedByOne, other.replaceRecord(q.checksum(), uploaded, judgedByOther, null));
    assertEquals(judgedByOne, other.record(q.checksum()).orElseThrow());
  }

  /**
   * A replacement is conditional on the verification time of the record it replaces: one that kept
   * that time would leave the condition true for a second replacement, and both would apply.
   */
  @Test
  void aReplacementMustBeVerifiedAfterTheRecordItReplaces() throws Exception {
    Quote q = batch(45).quote(0);
    StoredRecord uploaded = record(q, T0 + 10, true);
    one.put(q, uploaded, null);
    StoredRecord sameInstant = uploaded.toBuilder().setCanDownload(false).build();
    assertThrows(IllegalArgumentException.class, () -> one.replaceRecord(q.checksum(), uploaded, sameInstant, null));
    assertEquals(uploaded, other.record(q.checksum()).orElseThrow(), "nothing was written");
  }

  @Test
  void recentIsNewestFirstAcrossHoursByPageTokenOrSkip() throws Exception {
    QuoteBatch b = batch(43);
    // Uploads far in the future of every other test's, so they are the newest: 3 per hour over 8 hours.
    long base = T0 + 1000 * HOUR;
    List<String> expected = new ArrayList<>();
    List<long[]> times = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      times.add(new long[] {base + (i / 3) * HOUR + (i % 3) * 1000, i});
    }
    for (long[] t : times) {
      Quote q = b.quote(t[1]);
      (t[1] % 2 == 0 ? one : other).put(q, record(q, t[0], false), null);
    }
    times.sort(Comparator.comparingLong((long[] t) -> t[0]).reversed());
    for (long[] t : times) {
      expected.add(b.quote(t[1]).checksum().hex());
    }
    List<String> paged = new ArrayList<>();
    Optional<String> token = Optional.empty();
    for (int page = 0; page < 4; page++) {
      // Each page from the other store: a token one store issued means the same to the other.
      RecentPage p = (page % 2 == 0 ? one : other).recent(0, 7, token);
      p.entries().forEach(e -> paged.add(e.checksum()));
      token = p.nextPageToken();
      if (page < 3) {
        assertTrue(token.isPresent(), "more after page " + page);
        assertTrue(one.acceptsPageToken(token.get()));
      }
    }
    assertEquals(expected, paged.subList(0, 24), "four pages of seven: the 24 newest, newest first");
    assertEquals(expected.subList(10, 15), one.recent(10, 5, Optional.empty()).entries().stream()
        .map(RecentPage.Entry::checksum).toList());
    assertFalse(one.acceptsPageToken("not-a-token"));
  }

  @Test
  void aPlatformsChecksumsComeInChecksumOrderAcrossShards() throws Exception {
    QuoteBatch b = batch(44);
    List<Bytes> stored = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Quote q = b.quote(i);
      one.put(q, record(q, T0 - HOUR + i, true), null);
      stored.add(q.checksum());
    }
    List<Bytes> walked = new ArrayList<>();
    Optional<Bytes> after = Optional.empty();
    while (true) {
      List<Bytes> next = other.checksums("TDX/00806f050000/platform", after, 7);
      walked.addAll(next);
      if (next.size() < 7) {
        break;
      }
      after = Optional.of(next.get(next.size() - 1));
    }
    for (int i = 1; i < walked.size(); i++) {
      assertTrue(compareUnsigned(walked.get(i - 1), walked.get(i)) < 0, "in checksum order at " + i);
    }
    assertTrue(walked.containsAll(stored), "every quote of the platform, once");
    assertEquals(walked.size(), new HashSet<>(walked).size());
    assertTrue(other.checksums(AttestationStore.ALL_PLATFORMS, Optional.empty(), 1000).containsAll(stored));
  }

  private static int compareUnsigned(Bytes a, Bytes b) {
    return java.util.Arrays.compareUnsigned(a.toByteArray(), b.toByteArray());
  }

  @Test
  void leasesGoToOneHolderAtATimeAndExpire() throws Exception {
    assertTrue(one.claim("test/fetch", "daemon-1", Duration.ofMinutes(1)));
    assertFalse(other.claim("test/fetch", "daemon-2", Duration.ofMinutes(1)), "held by another");
    assertTrue(one.claim("test/fetch", "daemon-1", Duration.ofMinutes(1)), "its holder renews it");
    other.release("test/fetch", "daemon-2");
    assertFalse(other.claim("test/fetch", "daemon-2", Duration.ofMinutes(1)), "only the holder releases it");
    one.release("test/fetch", "daemon-1");
    assertTrue(other.claim("test/fetch", "daemon-2", Duration.ofMinutes(1)));

    // Cassandra ends a TTL at a whole second of the coordinator's clock, so a lease of 5 s holds
    // for 4 to 5 s: long enough for the refusal below however slow this machine is.
    assertTrue(one.claim("test/short", "daemon-1", Duration.ofSeconds(5)));
    assertFalse(other.claim("test/short", "daemon-2", Duration.ofSeconds(5)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    boolean taken = false;
    while (!taken && System.nanoTime() - deadline < 0) {
      Thread.sleep(250);
      taken = other.claim("test/short", "daemon-2", Duration.ofSeconds(30));
    }
    assertTrue(taken, "a lease its holder stopped renewing expires");
  }

  @Test
  void jobsSettingsAndTheCollateralCacheAreShared() {
    ReappraisalJob job = ReappraisalJob.newBuilder().setReason("new collateral").setStartedAtMicros(T0).build();
    one.putJob("TDX/00806f050000/platform", job);
    assertEquals(job, other.jobs().get("TDX/00806f050000/platform"));
    other.deleteJob("TDX/00806f050000/platform");
    assertFalse(one.jobs().containsKey("TDX/00806f050000/platform"));

    one.putMeta("policy_sha256", "cafe");
    assertEquals(Optional.of("cafe"), other.meta("policy_sha256"));

    String id = "cd".repeat(32);
    CachedCollateral entry = CachedCollateral.newBuilder().setCollateralId(id).setSource("test").setFetchedAtMicros(T0).build();
    one.putCachedCollateral("TDX/00806f050000/platform", entry, "{\"collateral\":1}");
    assertEquals(entry, other.cachedCollateral("TDX/00806f050000/platform").orElseThrow());
    assertEquals("{\"collateral\":1}", other.collateralJson(id).orElseThrow());
  }

  @Test
  void aKeyspaceWrittenByANewerSchemaIsRefused() {
    CassandraLocation at = SharedCluster.keyspace("future_schema", false);
    assertTrue(CassandraStore.applySchema(at), "created");
    assertFalse(CassandraStore.applySchema(at), "already there");
    admin.execute(SimpleStatement.newInstance("UPDATE future_schema.schema_version SET version = ? WHERE component = 'dcapd'",
        CassandraSchema.VERSION + 1));
    StoreException e = assertThrows(StoreException.class, () -> CassandraStore.open(at));
    assertFalse(e.unavailable(), "a schema mismatch will not go away by trying again");
  }
}
