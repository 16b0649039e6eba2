package dev.dcapd.daemon.store.cassandra;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.DefaultWriteType;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.datastax.oss.driver.api.core.servererrors.QueryValidationException;
import com.datastax.oss.driver.api.core.servererrors.ReadFailureException;
import com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.WriteFailureException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.daemon.store.QuoteStore;
import dev.dcapd.daemon.store.RecentPage;
import dev.dcapd.daemon.store.StoreException;
import dev.dcapd.daemon.store.StoredQuotes;
import dev.dcapd.proto.store.v1.CachedCollateral;
import dev.dcapd.proto.store.v1.ReappraisalJob;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.quote.Quote;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The store in an Apache Cassandra keyspace ({@link CassandraSchema}) that several daemons share:
 * the same {@code dcapd.store.v1} messages as {@link QuoteStore}, by the same keys.
 *
 * <p>Consistency: every write at {@code LOCAL_QUORUM}, reads at {@code LOCAL_QUORUM} (or
 * {@code LOCAL_ONE} by option), so that with both at quorum a write acknowledged by one daemon is
 * read by every other at once. An upload writes what is addressed by content first (the quote, its
 * chain, its collateral: safe to repeat), then its index entries (one logged batch), and its record
 * last, with a lightweight transaction ({@code IF NOT EXISTS}): a record never names anything that
 * is not stored, and of two daemons uploading one quote the first record stands and the second
 * daemon answers with it. An index entry whose upload lost that race (or whose record was never
 * written) names an upload time the record does not have, and listings pass over it. A record is
 * replaced only if it is still the one that was judged again ({@code IF verified_at = …}).
 * Writers contending for one row may be told a transaction's outcome is unknown; the store then
 * reads what stands at the serial consistency and answers with that, or tries again
 * ({@link #settled}).
 *
 * <p>A request that times out or finds too few replicas is a {@link StoreException#unavailable}
 * failure; nothing the daemon acknowledged is lost by it, and what it did not acknowledge may be
 * retried (every write is idempotent).
 */
public final class CassandraStore implements AttestationStore {
  private static final System.Logger LOG = System.getLogger("dcapd.store");
  /** The recent index's partition: an hour of uploads. */
  static final long BUCKET_MICROS = 3_600_000_000L;
  private static final int SHARDS = 256;
  private static final int CHAINS_KNOWN_LIMIT = 4096;

  private final CqlSession session;
  private final CassandraLocation location;
  private final ConsistencyLevel reads;
  /**
   * PCK chains this daemon read from {@code blobs} or wrote there at quorum, by id: addressed by
   * content and never removed, so never stale, and not written again with each quote of a
   * platform (the chain is 3,678 of the 5,006 bytes of dcap-qvl's TDX quote).
   */
  private final Cache<ByteString, byte[]> chainsKnown = Caffeine.newBuilder().maximumSize(CHAINS_KNOWN_LIMIT).build();

  private final PreparedStatement readRecord;
  private final PreparedStatement readQuote;
  private final PreparedStatement readBlob;
  private final PreparedStatement readCollateral;
  private final PreparedStatement writeQuote;
  private final PreparedStatement writeBlob;
  private final PreparedStatement writeCollateral;
  private final PreparedStatement writeRecent;
  private final PreparedStatement deleteRecent;
  private final PreparedStatement writeBucket;
  private final PreparedStatement writePlatform;
  private final PreparedStatement insertRecord;
  private final PreparedStatement replaceRecord;
  private final PreparedStatement readPlatformFirst;
  private final PreparedStatement readPlatformAfter;
  private final PreparedStatement readBuckets;
  private final PreparedStatement readRecentAll;
  private final PreparedStatement readRecentAfter;
  private final PreparedStatement writeJob;
  private final PreparedStatement deleteJob;
  private final PreparedStatement readJobs;
  private final PreparedStatement readMeta;
  private final PreparedStatement writeMeta;
  private final PreparedStatement readCache;
  private final PreparedStatement writeCache;
  private final PreparedStatement readLease;
  private final PreparedStatement takeLease;
  private final PreparedStatement renewLease;
  private final PreparedStatement dropLease;
  private final PreparedStatement sizeEstimates;

  private CassandraStore(CqlSession session, CassandraLocation location) {
    this.session = session;
    this.location = location;
    this.reads = location.readOne() ? DefaultConsistencyLevel.LOCAL_ONE : DefaultConsistencyLevel.LOCAL_QUORUM;
    String ks = location.keyspace() + ".";
    readRecord = session.prepare("SELECT record FROM " + ks + "records WHERE checksum = ?");
    readQuote = session.prepare("SELECT quote FROM " + ks + "quotes WHERE checksum = ?");
    readBlob = session.prepare("SELECT data FROM " + ks + "blobs WHERE id = ?");
    readCollateral = session.prepare("SELECT json FROM " + ks + "collateral WHERE id = ?");
    writeQuote = session.prepare("INSERT INTO " + ks + "quotes (checksum, quote) VALUES (?, ?)");
    writeBlob = session.prepare("INSERT INTO " + ks + "blobs (id, data) VALUES (?, ?)");
    writeCollateral = session.prepare("INSERT INTO " + ks + "collateral (id, json) VALUES (?, ?)");
    writeRecent = session.prepare("INSERT INTO " + ks + "recent (bucket, newest_first, checksum) VALUES (?, ?, ?)");
    deleteRecent = session.prepare("DELETE FROM " + ks + "recent WHERE bucket = ? AND newest_first = ? AND checksum = ?");
    writeBucket = session.prepare("INSERT INTO " + ks + "recent_buckets (shard, bucket) VALUES (0, ?)");
    writePlatform = session.prepare("INSERT INTO " + ks + "platforms (platform, shard, checksum) VALUES (?, ?, ?)");
    insertRecord = session.prepare("INSERT INTO " + ks + "records (checksum, record, verified_at) VALUES (?, ?, ?) IF NOT EXISTS");
    replaceRecord = session.prepare("UPDATE " + ks + "records SET record = ?, verified_at = ? WHERE checksum = ? IF verified_at = ?");
    readPlatformFirst = session.prepare("SELECT checksum FROM " + ks + "platforms WHERE platform = ? AND shard = ? LIMIT ?");
    readPlatformAfter = session.prepare(
        "SELECT checksum FROM " + ks + "platforms WHERE platform = ? AND shard = ? AND checksum > ? LIMIT ?");
    readBuckets = session.prepare("SELECT bucket FROM " + ks + "recent_buckets WHERE shard = 0 AND bucket <= ?");
    readRecentAll = session.prepare("SELECT newest_first, checksum FROM " + ks + "recent WHERE bucket = ?");
    readRecentAfter = session.prepare("SELECT newest_first, checksum FROM " + ks + "recent WHERE bucket = ? "
        + "AND (newest_first, checksum) > (?, ?)");
    writeJob = session.prepare("INSERT INTO " + ks + "reappraisal (platform, job) VALUES (?, ?)");
    deleteJob = session.prepare("DELETE FROM " + ks + "reappraisal WHERE platform = ?");
    readJobs = session.prepare("SELECT platform, job FROM " + ks + "reappraisal");
    readMeta = session.prepare("SELECT value FROM " + ks + "meta WHERE name = ?");
    writeMeta = session.prepare("INSERT INTO " + ks + "meta (name, value) VALUES (?, ?)");
    readCache = session.prepare("SELECT entry FROM " + ks + "collateral_cache WHERE cache_key = ?");
    writeCache = session.prepare("INSERT INTO " + ks + "collateral_cache (cache_key, entry) VALUES (?, ?)");
    readLease = session.prepare("SELECT owner FROM " + ks + "leases WHERE name = ?");
    takeLease = session.prepare("INSERT INTO " + ks + "leases (name, owner) VALUES (?, ?) IF NOT EXISTS USING TTL ?");
    renewLease = session.prepare("UPDATE " + ks + "leases USING TTL ? SET owner = ? WHERE name = ? IF owner = ?");
    dropLease = session.prepare("DELETE FROM " + ks + "leases WHERE name = ? IF owner = ?");
    sizeEstimates = session.prepare("SELECT partitions_count FROM system.size_estimates "
        + "WHERE keyspace_name = ? AND table_name = 'records'");
  }

  /**
   * Connects to the cluster, creates the keyspace and tables if they are missing, and prepares
   * every statement.
   *
   * @throws StoreException (unavailable) when no contact point answers
   */
  public static CassandraStore open(CassandraLocation location) {
    CqlSession session = connect(location);
    try {
      CassandraStore store = withSchema(session, location);
      store.warnIfTooFewNodes();
      return store;
    } catch (DriverException e) {
      session.close();
      throw failure("cannot open keyspace " + location.keyspace(), e);
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /**
   * Whether a failure may be a node that has not yet heard of the keyspace's schema: a coordinator
   * saying a keyspace or table does not exist, or a replica failing a read or write.
   */
  static boolean schemaNotYetEverywhere(RuntimeException e) {
    if (e instanceof ReadFailureException || e instanceof WriteFailureException) {
      return true;
    }
    String m = String.valueOf(e.getMessage());
    return e instanceof InvalidQueryException
        && (m.contains("does not exist") || m.contains("doesn't exist") || m.contains("unconfigured table"));
  }

  /** How long a start waits for a node that has not yet heard of the keyspace or its tables. */
  private static final Duration SCHEMA_SETTLING = Duration.ofSeconds(60);

  /** The schema applied and every statement prepared. */
  private static CassandraStore withSchema(CqlSession session, CassandraLocation location) {
    return onceSettled(location, () -> {
      if (CassandraSchema.apply(session, location)) {
        LOG.log(System.Logger.Level.INFO, "created dcapd schema {0} in keyspace {1}", CassandraSchema.VERSION,
            location.keyspace());
      }
      return new CassandraStore(session, location);
    });
  }

  /**
   * Creates the keyspace and tables if they are missing ({@code dcapd schema apply}); returns
   * whether anything was created.
   */
  public static boolean applySchema(CassandraLocation location) {
    try (CqlSession session = connect(location)) {
      return onceSettled(location, () -> CassandraSchema.apply(session, location));
    } catch (DriverException e) {
      throw failure("cannot apply the schema to keyspace " + location.keyspace(), e);
    }
  }

  /**
   * {@code step} run until no node refuses it for not knowing the keyspace or a table. A node that
   * joined or restarted a moment ago may not yet have the keyspace's schema, though the nodes the
   * driver asked agreed on it; its refusal passes once gossip reaches it. As coordinator it says
   * the keyspace or table "does not exist"; as a replica it fails the read or write it was sent
   * (a read or write failure, whose reason protocol v4 does not carry). So the step is tried again,
   * for a bounded time: every schema statement is {@code IF NOT EXISTS}, the version row is written
   * the same each time, and preparing is safe to repeat. A failure that outlasts the bound is thrown.
   */
  static <T> T onceSettled(CassandraLocation location, Supplier<T> step) {
    long deadline = System.nanoTime() + SCHEMA_SETTLING.toNanos();
    while (true) {
      try {
        return step.get();
      } catch (RuntimeException e) {
        if (!schemaNotYetEverywhere(e) || System.nanoTime() - deadline > 0) {
          throw e;
        }
        LOG.log(System.Logger.Level.INFO, "a node has not yet heard of keyspace {0}''s schema ({1}); trying again",
            location.keyspace(), e.getMessage());
        try {
          Thread.sleep(500);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private static CqlSession connect(CassandraLocation location) {
    List<InetSocketAddress> points = new ArrayList<>();
    for (InetSocketAddress a : location.contactPoints()) {
      points.add(new InetSocketAddress(a.getHostString(), a.getPort()));
    }
    DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, location.requestTimeout())
        // Protocol v4, not v5: with driver 4.19.4 and Cassandra 5.0.9, v5's segment decoder failed
        // on responses to contended lightweight transactions (IndexOutOfBoundsException in
        // SegmentToFrameDecoder) and closed the whole connection, failing every request on it.
        // v4 reports such contention as a CAS write timeout, which settled() resolves.
        .withString(DefaultDriverOption.PROTOCOL_VERSION, "V4")
        .withString(DefaultDriverOption.REQUEST_CONSISTENCY, DefaultConsistencyLevel.LOCAL_QUORUM.name())
        .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, DefaultConsistencyLevel.LOCAL_SERIAL.name())
        // Every statement is safe to repeat (content-addressed, or conditional), so the driver may
        // retry it on another node when a node is lost in the middle of a request.
        .withBoolean(DefaultDriverOption.REQUEST_DEFAULT_IDEMPOTENCE, true)
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, location.requestTimeout())
        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(60))
        // The JDK's clock for write timestamps: the native one needs jnr-posix, left out (pom).
        .withBoolean(DefaultDriverOption.TIMESTAMP_GENERATOR_FORCE_JAVA_CLOCK, true)
        // No copy of every keyspace's schema in memory, refreshed after each change: the store
        // reads what it needs of it from system_schema (token-aware routing still has its map).
        .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
        .build();
    try {
      return CqlSession.builder()
          .addContactPoints(points)
          .withLocalDatacenter(location.datacenter())
          .withConfigLoader(config)
          .build();
    } catch (DriverException e) {
      throw failure("cannot connect to Cassandra at " + location, e);
    }
  }

  private void warnIfTooFewNodes() {
    long nodes = session.getMetadata().getNodes().values().stream()
        .filter(n -> location.datacenter().equals(n.getDatacenter())).count();
    if (nodes < location.replicationFactor() / 2 + 1) {
      LOG.log(System.Logger.Level.WARNING, "datacenter {0} has {1} node(s), fewer than a quorum of rf {2}: every write will "
          + "be unavailable", location.datacenter(), nodes, location.replicationFactor());
    }
  }

  @Override
  public boolean syncWrites() {
    return true;
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public String describe() {
    return location.toString();
  }

  // ---- Reads ---------------------------------------------------------------------------------

  @Override
  public Optional<StoredRecord> record(Bytes checksum) {
    Row row = one(read(readRecord.bind(key(checksum))));
    return row == null ? Optional.empty() : Optional.of(parseRecord(checksum, row.getByteBuffer("record")));
  }

  @Override
  public Optional<byte[]> rawQuote(Bytes checksum) {
    Row row = one(read(readQuote.bind(key(checksum))));
    if (row == null) {
      return Optional.empty();
    }
    return Optional.of(StoredQuotes.join(checksum, bytes(row.getByteBuffer("quote")), this::chain));
  }

  private byte[] chain(ByteString chainId) {
    byte[] known = chainsKnown.getIfPresent(chainId);
    if (known != null) {
      return known;
    }
    Row row = one(read(readBlob.bind(chainId.asReadOnlyByteBuffer())));
    if (row == null) {
      return null;
    }
    byte[] chain = bytes(row.getByteBuffer("data"));
    chainsKnown.put(chainId, chain);
    return chain;
  }

  @Override
  public Optional<String> collateralJson(String collateralId) {
    Row row = one(read(readCollateral.bind(ByteBuffer.wrap(HexFormat.of().parseHex(collateralId)))));
    return row == null ? Optional.empty() : Optional.of(row.getString("json"));
  }

  // ---- Uploads and verdicts ------------------------------------------------------------------

  @Override
  public StoredRecord put(Quote quote, StoredRecord record, String collateralJson) {
    Bytes checksum = quote.checksum();
    ByteBuffer key = key(checksum);
    StoredQuotes.Split split = StoredQuotes.split(quote);
    // Content first, in parallel: all of it safe to write again, none of it visible on its own.
    List<CompletionStage<AsyncResultSet>> content = new ArrayList<>(3);
    Optional<StoredQuotes.Blob> newChain = split.chain()
        .filter(c -> chainsKnown.getIfPresent(ByteString.copyFrom(c.id())) == null);
    newChain.ifPresent(c -> content.add(session.executeAsync(writeBlob.bind(ByteBuffer.wrap(c.id()), ByteBuffer.wrap(c.data())))));
    content.add(session.executeAsync(writeQuote.bind(key, ByteBuffer.wrap(split.stored().toByteArray()))));
    // (The caller passes collateral only when it finds none stored under its id.)
    if (collateralJson != null && !record.getCollateralId().isEmpty()) {
      content.add(session.executeAsync(writeCollateral.bind(collateralId(record), collateralJson)));
    }
    awaitAll(content, "cannot store quote " + checksum);
    newChain.ifPresent(c -> chainsKnown.put(ByteString.copyFrom(c.id()), c.data()));
    // Then its index entries, together: a logged batch is applied whole or retried until it is.
    long uploaded = record.getUploadedAtMicros();
    BatchStatementBuilder index = BatchStatement.builder(DefaultBatchType.LOGGED)
        .addStatement(writeRecent.bind(bucket(uploaded), newestFirst(uploaded), key))
        .addStatement(writeBucket.bind(bucket(uploaded)))
        .addStatement(writePlatform.bind(ALL_PLATFORMS, shard(checksum), key));
    for (BoundStatement s : platformEntry(record, checksum)) {
      index.addStatement(s);
    }
    execute(index.build(), "cannot index quote " + checksum);
    // The record last, once: the first daemon to store it wins, and the others answer with its.
    byte[] mine = record.toByteArray();
    // After an unknown outcome, a record equal to ours byte for byte is taken as ours: a record
    // carries the time its daemon judged it, to the microsecond, so another daemon's could equal it
    // only if judged in the same microsecond (then both would announce the one change).
    StoredRecord first = settled(insertRecord.bind(key, ByteBuffer.wrap(mine), record.getVerifiedAtMicros()),
        inserted -> inserted.wasApplied() ? record : parseRecord(checksum, inserted.one().getByteBuffer("record")),
        () -> standing(key).map(stands -> Arrays.equals(mine, bytes(stands)) ? record : parseRecord(checksum, stands)),
        "cannot store the record of " + checksum);
    if (first != record && first.getUploadedAtMicros() != uploaded) {
      try {
        session.execute(deleteRecent.bind(bucket(uploaded), newestFirst(uploaded), key));
      } catch (DriverException e) {
        // Listings pass over an entry whose upload time is not its record's; this only tidies.
        LOG.log(System.Logger.Level.DEBUG, "index entry of a lost upload race not removed: {0}", e.toString());
      }
    }
    return first;
  }

  @Override
  public StoredRecord replaceRecord(Bytes checksum, StoredRecord previous, StoredRecord record, String collateralJson) {
    AttestationStore.requireLater(checksum, previous, record);
    ByteBuffer key = key(checksum);
    List<CompletionStage<AsyncResultSet>> before = new ArrayList<>(2);
    if (collateralJson != null && !record.getCollateralId().isEmpty()) {
      before.add(session.executeAsync(writeCollateral.bind(collateralId(record), collateralJson)));
    }
    for (BoundStatement s : platformEntry(record, checksum)) {
      before.add(session.executeAsync(s));
    }
    awaitAll(before, "cannot store the record of " + checksum);
    byte[] mine = record.toByteArray();
    // Not applied: another daemon judged it again since, and its record stands.
    Supplier<StoredRecord> theirs = () -> parseRecord(checksum, standing(key).orElseThrow(
        () -> new StoreException("the record of " + checksum + " vanished while it was judged again", null)));
    return settled(
        replaceRecord.bind(ByteBuffer.wrap(mine), record.getVerifiedAtMicros(), key, previous.getVerifiedAtMicros()),
        replaced -> replaced.wasApplied() ? record : theirs.get(),
        () -> {
          StoredRecord now = theirs.get();
          if (now.equals(record)) { // ours, as in put()
            return Optional.of(record);
          }
          // Still the record judged again: this transaction was not applied, and is tried again.
          return now.getVerifiedAtMicros() == previous.getVerifiedAtMicros() ? Optional.empty() : Optional.of(now);
        },
        "cannot store the record of " + checksum);
  }

  /** The record that stands, read at the serial consistency that sees every applied transaction. */
  private Optional<ByteBuffer> standing(ByteBuffer key) {
    Row row = session.execute(readRecord.bind(key).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).one();
    return row == null ? Optional.empty() : Optional.of(row.getByteBuffer("record"));
  }

  private List<BoundStatement> platformEntry(StoredRecord record, Bytes checksum) {
    return QuoteStore.platformKey(record)
        .map(p -> List.of(writePlatform.bind(p, shard(checksum), key(checksum))))
        .orElse(List.of());
  }

  // ---- Indexes -------------------------------------------------------------------------------

  @Override
  public List<Bytes> checksums(String platform, Optional<Bytes> after, int limit) {
    List<Bytes> out = new ArrayList<>(limit);
    int first = after.map(a -> a.unsigned(0)).orElse(0);
    for (int shard = first; shard < SHARDS && out.size() < limit; shard++) {
      BoundStatement s = after.isPresent() && shard == first
          ? readPlatformAfter.bind(platform, shard, key(after.get()), limit - out.size())
          : readPlatformFirst.bind(platform, shard, limit - out.size());
      for (Row row : read(s)) {
        out.add(Bytes.of(bytes(row.getByteBuffer("checksum"))));
      }
    }
    return out;
  }

  /**
   * Newest first: the hours that hold uploads, newest first, and each hour's entries newest first,
   * after the page token's entry or after {@code skip} entries. Entries whose record is missing or
   * names another upload time are passed over (see the class comment).
   */
  @Override
  public RecentPage recent(int skip, int limit, Optional<String> pageToken) {
    Optional<RecentPage.Cursor> after = pageToken.map(t -> RecentPage.Cursor.parse(t)
        .orElseThrow(() -> new IllegalArgumentException("not a page token")));
    List<RecentPage.Cursor> picked = new ArrayList<>(limit);
    boolean more = false;
    int toSkip = skip;
    long fromBucket = after.map(c -> bucket(c.uploadedAtMicros())).orElse(Long.MAX_VALUE);
    scan:
    for (Row b : read(readBuckets.bind(fromBucket).setPageSize(64))) {
      long bucket = b.getLong("bucket");
      BoundStatement s = after.isPresent() && bucket == fromBucket
          ? readRecentAfter.bind(bucket, newestFirst(after.get().uploadedAtMicros()), ByteBuffer.wrap(after.get().checksum()))
          : readRecentAll.bind(bucket);
      for (Row e : read(s.setPageSize(Math.min(5000, toSkip + limit + 1)))) {
        if (toSkip > 0) {
          toSkip--;
          continue;
        }
        if (picked.size() == limit) {
          more = true;
          break scan;
        }
        picked.add(new RecentPage.Cursor(Long.MAX_VALUE - e.getLong("newest_first"), bytes(e.getByteBuffer("checksum"))));
      }
    }
    List<CompletableFuture<AsyncResultSet>> records = new ArrayList<>(picked.size());
    for (RecentPage.Cursor c : picked) {
      records.add(session.executeAsync(readRecord.bind(ByteBuffer.wrap(c.checksum())).setConsistencyLevel(reads))
          .toCompletableFuture());
    }
    List<RecentPage.Entry> out = new ArrayList<>(picked.size());
    for (int i = 0; i < picked.size(); i++) {
      RecentPage.Cursor c = picked.get(i);
      Row row = await(records.get(i), "cannot read the recent index").one();
      if (row == null) {
        continue;
      }
      Bytes checksum = Bytes.of(c.checksum());
      StoredRecord r = parseRecord(checksum, row.getByteBuffer("record"));
      if (r.getUploadedAtMicros() == c.uploadedAtMicros()) {
        out.add(new RecentPage.Entry(checksum.hex(), r));
      }
    }
    Optional<String> next = more && !picked.isEmpty() ? Optional.of(picked.get(picked.size() - 1).token()) : Optional.empty();
    return new RecentPage(out, next);
  }

  @Override
  public boolean acceptsPageToken(String token) {
    return RecentPage.Cursor.parse(token).isPresent();
  }

  // ---- Re-appraisal jobs, settings, collateral cache ------------------------------------------

  @Override
  public void putJob(String platform, ReappraisalJob job) {
    execute(writeJob.bind(platform, ByteBuffer.wrap(job.toByteArray())), "cannot record the re-appraisal of " + platform);
  }

  @Override
  public void deleteJob(String platform) {
    execute(deleteJob.bind(platform), "cannot finish the re-appraisal of " + platform);
  }

  @Override
  public Map<String, ReappraisalJob> jobs() {
    Map<String, ReappraisalJob> out = new TreeMap<>();
    for (Row row : read(readJobs.bind())) {
      try {
        out.put(row.getString("platform"), ReappraisalJob.parseFrom(row.getByteBuffer("job")));
      } catch (InvalidProtocolBufferException e) {
        throw new StoreException("the re-appraisal of " + row.getString("platform") + " is corrupt", e);
      }
    }
    return out;
  }

  @Override
  public Optional<String> meta(String name) {
    Row row = one(read(readMeta.bind(name)));
    return row == null ? Optional.empty() : Optional.ofNullable(row.getString("value"));
  }

  @Override
  public void putMeta(String name, String value) {
    execute(writeMeta.bind(name, value), "cannot record " + name);
  }

  @Override
  public Optional<CachedCollateral> cachedCollateral(String cacheKey) {
    Row row = one(read(readCache.bind(cacheKey)));
    if (row == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(CachedCollateral.parseFrom(row.getByteBuffer("entry")));
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("the collateral cache entry " + cacheKey + " is corrupt", e);
    }
  }

  /** The collateral first, then the entry that names it: an entry never names missing collateral. */
  @Override
  public void putCachedCollateral(String cacheKey, CachedCollateral entry, String collateralJson) {
    execute(writeCollateral.bind(ByteBuffer.wrap(HexFormat.of().parseHex(entry.getCollateralId())), collateralJson),
        "cannot cache collateral " + cacheKey);
    execute(writeCache.bind(cacheKey, ByteBuffer.wrap(entry.toByteArray())), "cannot cache collateral " + cacheKey);
  }

  // ---- Leases --------------------------------------------------------------------------------

  @Override
  public boolean claim(String name, String owner, Duration ttl) {
    // A TTL counts whole seconds and ends at a second of the coordinator's clock: a lease may end
    // up to a second early, which the callers' leases (15 s and more) allow for.
    int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, ttl.toSeconds()));
    // Unsettled, a claim is decided by who holds the lease now (nobody: try again).
    Supplier<Optional<Boolean>> holder = () -> leaseHolder(name).map(owner::equals);
    return settled(takeLease.bind(name, owner, seconds), taken -> {
      if (taken.wasApplied()) {
        return true;
      }
      Row held = taken.one();
      if (held == null || !owner.equals(held.getString("owner"))) {
        return false;
      }
      return settled(renewLease.bind(seconds, owner, name, owner), ResultSet::wasApplied, holder, "cannot renew lease " + name);
    }, holder, "cannot take lease " + name);
  }

  @Override
  public void release(String name, String owner) {
    settled(dropLease.bind(name, owner), dropped -> true,
        () -> leaseHolder(name).filter(owner::equals).isPresent() ? Optional.empty() : Optional.of(true),
        "cannot release lease " + name);
  }

  private Optional<String> leaseHolder(String name) {
    Row row = session.execute(readLease.bind(name).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).one();
    return row == null ? Optional.empty() : Optional.ofNullable(row.getString("owner"));
  }

  /** The sum of the contacted node's estimates of the records it holds (for metrics). */
  @Override
  public long estimatedRecordCount() {
    long n = 0;
    for (Row row : read(sizeEstimates.bind(location.keyspace()).setConsistencyLevel(DefaultConsistencyLevel.ONE))) {
      n += row.getLong("partitions_count");
    }
    return n;
  }

  @Override
  public void close() {
    session.close();
  }

  // ---- Lightweight transactions --------------------------------------------------------------

  /** How many times a lightweight transaction is tried while contention leaves it unsettled. */
  private static final int SETTLING_ATTEMPTS = 8;
  /** The longest pause before a transaction is tried again. */
  private static final long SETTLING_PAUSE_LIMIT_MILLIS = 250;

  /**
   * A lightweight transaction's answer, once its outcome is known. Writers contending for one row
   * (one quote uploaded through several daemons at once, one lease claimed by each) make Paxos
   * rounds collide, and Cassandra may answer that a transaction's outcome is unknown: it may yet
   * be applied ({@link #unsettled}). {@code settle} then reads at the serial consistency, which
   * completes any round in flight, and decides the answer from what stands, or finds that the
   * transaction was not applied (empty) and it is tried again after a random pause that grows.
   * Any other failure, or contention that outlasts the attempts or twice the request timeout, is
   * the store's failure: unavailable, and safe to try again.
   *
   * @param answered the answer from the transaction's own result
   * @param settle the answer from what stands after an unknown outcome, or empty if not applied
   */
  private <T> T settled(Statement<?> transaction, Function<ResultSet, T> answered, Supplier<Optional<T>> settle,
      String what) {
    long deadline = System.nanoTime() + 2 * location.requestTimeout().toNanos();
    DriverException last = null;
    for (int attempt = 0; attempt < SETTLING_ATTEMPTS && (attempt == 0 || System.nanoTime() < deadline); attempt++) {
      if (attempt > 0) {
        pause(attempt);
      }
      try {
        return answered.apply(session.execute(transaction));
      } catch (DriverException e) {
        if (!unsettled(e)) {
          throw failure(what, e);
        }
        last = e;
      }
      try {
        Optional<T> stands = settle.get();
        if (stands.isPresent()) {
          return stands.get();
        }
      } catch (DriverException e) {
        if (!unsettled(e)) {
          throw failure(what, e);
        }
        last = e;
      }
    }
    throw failure(what + " (contended)", last);
  }

  /**
   * Whether a failure leaves a lightweight transaction's outcome unknown for contention or a slow
   * quorum: a CAS write whose proposal a quorum did not accept, a CAS write or serial read that
   * timed out, or every node tried answering one of those.
   */
  static boolean unsettled(DriverException e) {
    if (e instanceof CASWriteUnknownException) {
      return true;
    }
    if (e instanceof WriteTimeoutException w) {
      return w.getWriteType() == DefaultWriteType.CAS;
    }
    if (e instanceof ReadTimeoutException r) {
      return r.getConsistencyLevel().isSerial();
    }
    if (e instanceof AllNodesFailedException all) {
      List<Throwable> errors = all.getAllErrors().values().stream().flatMap(List::stream).toList();
      return !errors.isEmpty() && errors.stream().allMatch(t -> t instanceof DriverException d && unsettled(d));
    }
    return false;
  }

  private static void pause(int attempt) {
    long limit = Math.min(SETTLING_PAUSE_LIMIT_MILLIS, 10L << attempt);
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(limit / 2, limit + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while a contended write settled", e);
    }
  }

  // ---- Requests ------------------------------------------------------------------------------

  private ResultSet read(Statement<?> s) {
    return execute(s.getConsistencyLevel() == null ? s.setConsistencyLevel(reads) : s, "cannot read the store");
  }

  private ResultSet execute(Statement<?> s, String what) {
    try {
      return session.execute(s);
    } catch (DriverException e) {
      throw failure(what, e);
    }
  }

  private static Row one(ResultSet rs) {
    try {
      return rs.one();
    } catch (DriverException e) {
      throw failure("cannot read the store", e);
    }
  }

  private static void awaitAll(List<CompletionStage<AsyncResultSet>> writes, String what) {
    for (CompletionStage<AsyncResultSet> w : writes) {
      await(w.toCompletableFuture(), what);
    }
  }

  private static AsyncResultSet await(CompletableFuture<AsyncResultSet> f, String what) {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof DriverException d) {
        throw failure(what, d);
      }
      throw new StoreException(what + ": " + e.getCause(), e.getCause());
    }
  }

  /**
   * A driver failure as the daemon answers it: a query Cassandra refuses is a bug (internal); a
   * timeout, too few replicas, or no node reachable is unavailable, and may be tried again.
   */
  static StoreException failure(String what, DriverException e) {
    String message = what + ": " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
    return e instanceof QueryValidationException ? new StoreException(message, e) : StoreException.unavailable(message, e);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static StoredRecord parseRecord(Bytes checksum, ByteBuffer b) {
    try {
      return StoredRecord.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("the record of " + checksum + " is corrupt", e);
    }
  }

  private static ByteBuffer collateralId(StoredRecord r) {
    return ByteBuffer.wrap(HexFormat.of().parseHex(r.getCollateralId()));
  }

  private static ByteBuffer key(Bytes checksum) {
    if (checksum.length() != 32) {
      throw new IllegalArgumentException("a checksum is 32 bytes");
    }
    return ByteBuffer.wrap(checksum.toByteArray());
  }

  private static int shard(Bytes checksum) {
    return checksum.unsigned(0);
  }

  /** The recent index's clustering key: ascending is newest first, as a page token's bytes sort. */
  private static long newestFirst(long uploadedAtMicros) {
    return Long.MAX_VALUE - uploadedAtMicros;
  }

  static long bucket(long uploadedAtMicros) {
    return Math.floorDiv(uploadedAtMicros, BUCKET_MICROS);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
