package dev.dcapd.daemon.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.dcapd.proto.store.v1.CachedCollateral;
import dev.dcapd.proto.store.v1.ReappraisalJob;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.quote.Quote;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The daemon's RocksDB store ({@link AttestationStore}): quotes, their records and the collateral
 * they were judged against.
 *
 * <p>Column families (keys are raw bytes): {@code quotes} and {@code records} by the quote's
 * 32-byte SHA-256; {@code collateral} by collateral content id (collateral is shared by every
 * quote of a platform, so it is stored once); {@code blobs} by SHA-256 of a PCK chain cut out of
 * stored quotes; {@code recent}: (inverted upload time, checksum) with empty values, newest first;
 * {@code collateral_cache}: the current collateral per (TEE, FMSPC, CA); {@code platforms}: (platform
 * key, 0, checksum) with empty values, the quotes of each platform for re-appraisal;
 * {@code reappraisal}: re-appraisals in progress by platform key; {@code meta}: the trust root and
 * policy the store was last served under. A quote, its record, its index entries, its chain and its
 * collateral are written in one {@link WriteBatch}.
 *
 * <p>A full disk: a write that fails for lack of space is refused whole ({@link StoreException#full})
 * and the store is marked full. RocksDB then holds a background error and refuses every later
 * write until it is reopened (its Java API has no {@code Resume}), so while full, a write or a
 * {@link #writable()} check at most every {@value #RECOVERY_EVERY_MILLIS} ms tries the store
 * again and, once the disk has {@value #REOPEN_FREE_MIB} MiB free, closes and reopens it (the
 * WAL replays every acknowledged write; a half-appended refused batch fails its checksum and is
 * dropped). Reads go on while full; every use of the database holds a read lock, a reopen the
 * write lock.
 */
public final class QuoteStore implements AttestationStore {
  private static final String[] FAMILIES =
      {"quotes", "records", "collateral", "blobs", "recent", "collateral_cache", "platforms", "reappraisal", "meta"};
  private static final int CHECKSUM_SIZE = 32;
  private static final int RECENT_KEY_SIZE = Long.BYTES + CHECKSUM_SIZE;

  static {
    RocksDB.loadLibrary();
  }

  /**
   * The default block cache, shared by every column family. Reads are uniform over what is stored,
   * so it pays to hold a whole store's hot families: 64 MiB left a store of 150,000 quotes missing
   * the cache on most reads (a third of RocksDB's time in a Get went to reading and decompressing
   * blocks), and 256 MiB raised the load generator's Get/s by 16-20 % in paired runs (README).
   */
  public static final long DEFAULT_BLOCK_CACHE_MIB = 256;
  public static final long DEFAULT_BLOCK_CACHE_BYTES = DEFAULT_BLOCK_CACHE_MIB << 20;
  private static final int BLOOM_BITS_PER_KEY = 10;

  private RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private List<ColumnFamilyHandle> handles;
  private final List<ColumnFamilyDescriptor> descriptors;
  private ColumnFamilyHandle quotes;
  private ColumnFamilyHandle records;
  private ColumnFamilyHandle collateral;
  private ColumnFamilyHandle blobs;
  private ColumnFamilyHandle recent;
  private ColumnFamilyHandle collateralCache;
  private ColumnFamilyHandle platforms;
  private ColumnFamilyHandle reappraisal;
  private ColumnFamilyHandle meta;
  private final WriteOptions writeOptions;
  private final LRUCache blockCache;
  private final long blockCacheBytes;
  private static final int CHAINS_READ_LIMIT = 4096;
  /** Chains read from {@code blobs}, by id; the arrays are never handed out, only copied from. */
  private final Cache<ByteString, byte[]> chainsRead = Caffeine.newBuilder().maximumSize(CHAINS_READ_LIMIT).build();
  private final boolean syncWrites;
  private final Path dir;
  private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
  private static final System.Logger LOG = System.getLogger("dcapd");
  /** How often a full store tries to take writes again. */
  static final long RECOVERY_EVERY_MILLIS = 500;
  /** Free space the disk must have before a full store is reopened. */
  static final long REOPEN_FREE_MIB = 4;
  /** Guards {@link #db} and the handles: read for every use, write to reopen or close. */
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  /** A write failed for lack of space and none has succeeded since. */
  private volatile boolean full;
  private volatile long nextRecoveryNanos;

  private QuoteStore(Path dir, RocksDB db, DBOptions dbOptions, ColumnFamilyOptions cfOptions, LRUCache blockCache,
      long blockCacheBytes, List<ColumnFamilyDescriptor> descriptors, List<ColumnFamilyHandle> handles, boolean syncWrites) {
    this.dir = dir;
    this.blockCache = blockCache;
    this.blockCacheBytes = blockCacheBytes;
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.descriptors = descriptors;
    adopt(db, handles);
    this.writeOptions = new WriteOptions().setSync(syncWrites);
    this.syncWrites = syncWrites;
  }

  private void adopt(RocksDB db, List<ColumnFamilyHandle> handles) {
    this.db = db;
    this.handles = handles;
    this.quotes = handles.get(1);
    this.records = handles.get(2);
    this.collateral = handles.get(3);
    this.blobs = handles.get(4);
    this.recent = handles.get(5);
    this.collateralCache = handles.get(6);
    this.platforms = handles.get(7);
    this.reappraisal = handles.get(8);
    this.meta = handles.get(9);
  }

  /** Whether each write waits for the disk (fsync) before it returns. */
  public boolean syncWrites() {
    return syncWrites;
  }

  /** {@link #open(Path, boolean, long)} with the default block cache. */
  public static QuoteStore open(Path dir, boolean syncWrites) {
    return open(dir, syncWrites, DEFAULT_BLOCK_CACHE_BYTES);
  }

  /**
   * Opens (creating if needed) the store in {@code dir}. With {@code syncWrites} every write is
   * fsynced before it is acknowledged; without, the WAL still protects against a process crash.
   *
   * @param blockCacheBytes capacity of the cache of decompressed blocks (filled as blocks are read)
   */
  public static QuoteStore open(Path dir, boolean syncWrites, long blockCacheBytes) {
    if (blockCacheBytes < 0) {
      throw new IllegalArgumentException("the block cache cannot be negative");
    }
    try {
      Files.createDirectories(dir);
      DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
      // Reads are point lookups by checksum: a Bloom filter per table spares the tables that do not
      // hold the key, a hash index finds the key inside its block, and a block cache keeps hot
      // blocks decompressed. Without them a Get read and decompressed several blocks.
      LRUCache blockCache = new LRUCache(blockCacheBytes);
      BlockBasedTableConfig table = new BlockBasedTableConfig()
          .setFilterPolicy(new BloomFilter(BLOOM_BITS_PER_KEY, false))
          .setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash)
          .setBlockCache(blockCache);
      ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
          .setCompressionType(CompressionType.LZ4_COMPRESSION)
          .setTableFormatConfig(table)
          // A whole-key Bloom filter on each memtable too: a Get for an older key skips the
          // memtables' skip lists instead of searching each one.
          .setMemtablePrefixBloomSizeRatio(0.05)
          .setMemtableWholeKeyFiltering(true);
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
      for (String f : FAMILIES) {
        descriptors.add(new ColumnFamilyDescriptor(f.getBytes(StandardCharsets.US_ASCII), cfOptions));
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
      return new QuoteStore(dir, db, dbOptions, cfOptions, blockCache, blockCacheBytes, descriptors, handles, syncWrites);
    } catch (RocksDBException | java.io.IOException e) {
      throw new StoreException("cannot open the store in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The record of the quote with this checksum. */
  public Optional<StoredRecord> record(Bytes checksum) {
    byte[] v = get(records, key(checksum));
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(StoredRecord.parseFrom(v));
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("the record of " + checksum + " is corrupt", e);
    }
  }

  /** The exact bytes of the quote with this checksum. */
  public Optional<byte[]> rawQuote(Bytes checksum) {
    byte[] v = get(quotes, key(checksum));
    return v == null ? Optional.empty() : Optional.of(StoredQuotes.join(checksum, v, this::chain));
  }

  /**
   * A PCK chain from {@code blobs}. Blobs are keyed by the SHA-256 of their content and never
   * change, and every quote of a platform reads the same one, so chains read are kept (bounded at
   * {@value #CHAINS_READ_LIMIT} platforms) and the store is asked once per platform rather than once
   * per read. The read is outside the memo: a RocksDB get is not held under the memo's lock.
   */
  private byte[] chain(ByteString chainId) {
    byte[] known = chainsRead.getIfPresent(chainId);
    if (known != null) {
      return known;
    }
    byte[] chain = get(blobs, chainId.toByteArray());
    if (chain != null) {
      chainsRead.put(chainId, chain);
    }
    return chain;
  }

  /** Collateral JSON ({@code QuoteCollateralV3}) by content id. */
  public Optional<String> collateralJson(String collateralId) {
    byte[] v = get(collateral, HexFormat.of().parseHex(collateralId));
    return v == null ? Optional.empty() : Optional.of(new String(v, StandardCharsets.UTF_8));
  }

  /**
   * Stores a new quote with its record, its index entries, its chain and (when given) its
   * collateral in one atomic batch. Callers serialise per checksum and have seen none stored.
   */
  @Override
  public StoredRecord put(Quote quote, StoredRecord record, String collateralJson) {
    Bytes checksum = quote.checksum();
    byte[] key = key(checksum);
    try (WriteBatch batch = new WriteBatch()) {
      StoredQuotes.Split split = StoredQuotes.split(quote);
      if (split.chain().isPresent()) {
        batch.put(blobs, split.chain().get().id(), split.chain().get().data());
      }
      batch.put(quotes, key, split.stored().toByteArray());
      batch.put(recent, recentKey(record.getUploadedAtMicros(), key), new byte[0]);
      putRecord(batch, key, record, collateralJson);
      write(batch, "cannot store quote " + checksum);
      return record;
    } catch (RocksDBException e) {
      throw new StoreException("cannot store quote " + checksum + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces the record of a stored quote (a new verdict), with its collateral when given, and
   * indexes it under its platform if it was not yet. Callers serialise per checksum, so the record
   * stored is the {@code previous} they read.
   */
  @Override
  public StoredRecord replaceRecord(Bytes checksum, StoredRecord previous, StoredRecord record, String collateralJson) {
    AttestationStore.requireLater(checksum, previous, record);
    byte[] key = key(checksum);
    try (WriteBatch batch = new WriteBatch()) {
      putRecord(batch, key, record, collateralJson);
      write(batch, "cannot store the record of " + checksum);
      return record;
    } catch (RocksDBException e) {
      throw new StoreException("cannot store the record of " + checksum + ": " + e.getMessage(), e);
    }
  }

  /**
   * The platform key of a record ("TDX/00806f050000/platform", as the collateral cache names it),
   * empty when its verdict names no FMSPC or CA.
   */
  public static Optional<String> platformKey(StoredRecord r) {
    if (r.getFmspc().isEmpty() || r.getVerdict().getCa().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(r.getTeeType() + "/" + HexFormat.of().formatHex(r.getFmspc().toByteArray()) + "/"
        + r.getVerdict().getCa());
  }

  /**
   * The record, its entry in the {@code platforms} index and, when given, the collateral it names:
   * what an upload and a new verdict both write.
   */
  private void putRecord(WriteBatch batch, byte[] key, StoredRecord record, String collateralJson)
      throws RocksDBException {
    batch.put(records, key, record.toByteArray());
    Optional<String> platform = platformKey(record);
    if (platform.isPresent()) {
      batch.put(platforms, platformEntry(platform.get(), key), new byte[0]);
    }
    if (collateralJson != null && !record.getCollateralId().isEmpty()) {
      batch.put(collateral, HexFormat.of().parseHex(record.getCollateralId()), collateralJson.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static byte[] platformEntry(String platform, byte[] checksum) {
    byte[] p = platform.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(p.length + 1 + checksum.length).put(p).put((byte) 0).put(checksum).array();
  }

  /**
   * Up to {@code limit} checksums of quotes of {@code platform} after {@code after} (exclusive,
   * empty for the first), in checksum order; or, for the platform {@code "*"}, of every record.
   */
  public List<Bytes> checksums(String platform, Optional<Bytes> after, int limit) {
    return reading(() -> checksumsOpen(platform, after, limit));
  }

  private List<Bytes> checksumsOpen(String platform, Optional<Bytes> after, int limit) {
    boolean all = ALL_PLATFORMS.equals(platform);
    byte[] prefix = all ? new byte[0] : platformEntry(platform, new byte[0]);
    byte[] start = after.map(a -> all ? a.toByteArray() : platformEntry(platform, a.toByteArray())).orElse(prefix);
    List<Bytes> out = new ArrayList<>(limit);
    try (ReadOptions ro = new ReadOptions(); RocksIterator it = db.newIterator(all ? records : platforms, ro)) {
      it.seek(start);
      if (after.isPresent() && it.isValid() && Arrays.equals(it.key(), start)) {
        it.next();
      }
      while (it.isValid() && out.size() < limit) {
        byte[] k = it.key();
        if (k.length != prefix.length + CHECKSUM_SIZE || !Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
          break;
        }
        out.add(Bytes.of(Arrays.copyOfRange(k, prefix.length, k.length)));
        it.next();
      }
      it.status();
      return out;
    } catch (RocksDBException e) {
      throw new StoreException("cannot read the quotes of " + platform + ": " + e.getMessage(), e);
    }
  }


  /** Records a re-appraisal in progress (or its progress). */
  public void putJob(String platform, ReappraisalJob job) {
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(reappraisal, platform.getBytes(StandardCharsets.US_ASCII), job.toByteArray());
      write(batch, "cannot record the re-appraisal of " + platform);
    } catch (RocksDBException e) {
      throw new StoreException("cannot record the re-appraisal of " + platform + ": " + e.getMessage(), e);
    }
  }

  public void deleteJob(String platform) {
    try (WriteBatch batch = new WriteBatch()) {
      batch.delete(reappraisal, platform.getBytes(StandardCharsets.US_ASCII));
      write(batch, "cannot finish the re-appraisal of " + platform);
    } catch (RocksDBException e) {
      throw new StoreException("cannot finish the re-appraisal of " + platform + ": " + e.getMessage(), e);
    }
  }

  /** Re-appraisals in progress, by platform key. */
  public java.util.Map<String, ReappraisalJob> jobs() {
    return reading(this::jobsOpen);
  }

  private java.util.Map<String, ReappraisalJob> jobsOpen() {
    java.util.Map<String, ReappraisalJob> out = new java.util.TreeMap<>();
    try (ReadOptions ro = new ReadOptions(); RocksIterator it = db.newIterator(reappraisal, ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.put(new String(it.key(), StandardCharsets.US_ASCII), ReappraisalJob.parseFrom(it.value()));
      }
      it.status();
      return out;
    } catch (RocksDBException | InvalidProtocolBufferException e) {
      throw new StoreException("cannot read the re-appraisals in progress: " + e.getMessage(), e);
    }
  }

  /** A store-wide setting ("trust_root", "policy_sha256"). */
  public Optional<String> meta(String name) {
    byte[] v = get(meta, name.getBytes(StandardCharsets.US_ASCII));
    return v == null ? Optional.empty() : Optional.of(new String(v, StandardCharsets.UTF_8));
  }

  public void putMeta(String name, String value) {
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(meta, name.getBytes(StandardCharsets.US_ASCII), value.getBytes(StandardCharsets.UTF_8));
      write(batch, "cannot record " + name);
    } catch (RocksDBException e) {
      throw new StoreException("cannot record " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Newest first. With a page token, the entries after it; otherwise after skipping {@code skip}
   * entries. The token is opaque to clients (the last index key, base64url).
   */
  public RecentPage recent(int skip, int limit, Optional<String> pageToken) {
    return reading(() -> recentOpen(skip, limit, pageToken));
  }

  private RecentPage recentOpen(int skip, int limit, Optional<String> pageToken) {
    List<RecentPage.Entry> out = new ArrayList<>(limit);
    byte[] lastKey = null;
    try (ReadOptions ro = new ReadOptions(); RocksIterator it = db.newIterator(recent, ro)) {
      if (pageToken.isPresent()) {
        byte[] after = decodeToken(pageToken.get());
        it.seek(after);
        if (it.isValid() && Arrays.equals(it.key(), after)) {
          it.next();
        }
      } else {
        it.seekToFirst();
        for (int i = 0; i < skip && it.isValid(); i++) {
          it.next();
        }
      }
      while (it.isValid() && out.size() < limit) {
        byte[] k = it.key();
        byte[] checksum = Arrays.copyOfRange(k, Long.BYTES, RECENT_KEY_SIZE);
        Optional<StoredRecord> r = record(Bytes.of(checksum));
        if (r.isPresent()) {
          out.add(new RecentPage.Entry(HexFormat.of().formatHex(checksum), r.get()));
        }
        lastKey = k;
        it.next();
      }
      boolean more = it.isValid();
      it.status();
      Optional<String> next = more && lastKey != null
          ? Optional.of(Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey))
          : Optional.empty();
      return new RecentPage(out, next);
    } catch (RocksDBException e) {
      throw new StoreException("cannot read the recent index: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean acceptsPageToken(String token) {
    return isValidPageToken(token);
  }

  /** Whether {@code token} is a page token this store could have issued. */
  public static boolean isValidPageToken(String token) {
    return RecentPage.Cursor.parse(token).isPresent();
  }

  private static byte[] decodeToken(String token) {
    return RecentPage.Cursor.parse(token).orElseThrow(() -> new IllegalArgumentException("not a page token")).key();
  }

  /** The cached collateral entry for a key such as "TDX/b0c06f000000/platform". */
  public Optional<CachedCollateral> cachedCollateral(String cacheKey) {
    byte[] v = get(collateralCache, cacheKey.getBytes(StandardCharsets.UTF_8));
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(CachedCollateral.parseFrom(v));
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("the collateral cache entry " + cacheKey + " is corrupt", e);
    }
  }

  /** Records the current collateral for a cache key, storing the collateral itself too. */
  public void putCachedCollateral(String cacheKey, CachedCollateral entry, String collateralJson) {
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(collateral, HexFormat.of().parseHex(entry.getCollateralId()), collateralJson.getBytes(StandardCharsets.UTF_8));
      batch.put(collateralCache, cacheKey.getBytes(StandardCharsets.UTF_8), entry.toByteArray());
      write(batch, "cannot cache collateral " + cacheKey);
    } catch (RocksDBException e) {
      throw new StoreException("cannot cache collateral " + cacheKey + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String describe() {
    return "rocksdb:" + dir;
  }

  /** One daemon holds a RocksDB store, so every lease is its own: in memory, by expiry. */
  @Override
  public boolean claim(String name, String owner, Duration ttl) {
    long now = System.nanoTime();
    if (leases.size() > LEASES_KEPT) {
      leases.values().removeIf(l -> l.expiresNanos() - now <= 0);
    }
    Lease mine = new Lease(owner, now + ttl.toNanos());
    Lease held = leases.compute(name, (k, l) -> l == null || l.owner().equals(owner) || l.expiresNanos() - now <= 0 ? mine : l);
    return held == mine;
  }

  @Override
  public void release(String name, String owner) {
    leases.computeIfPresent(name, (k, l) -> l.owner().equals(owner) ? null : l);
  }

  private record Lease(String owner, long expiresNanos) {}

  /** Leases held before expired ones are swept (one per collateral install and job: few). */
  private static final int LEASES_KEPT = 1024;

  /** RocksDB's estimate of the number of stored records (0 while a full store waits to be reopened). */
  public long estimatedRecordCount() {
    lifecycle.readLock().lock();
    try {
      return db == null ? 0 : db.getLongProperty(records, "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      throw new StoreException("cannot read the record count", e);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Bytes the block cache holds now (decompressed blocks). */
  public long blockCacheUsage() {
    return blockCache.getUsage();
  }

  /** The block cache's capacity in bytes. */
  public long blockCacheCapacity() {
    return blockCacheBytes;
  }

  /** Flushes memtables to disk (shutdown, and tests that measure size on disk). */
  public void flush() {
    reading(() -> {
      flushOpen();
      return null;
    });
  }

  private void flushOpen() {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, handles);
    } catch (RocksDBException e) {
      throw new StoreException("cannot flush the store: " + e.getMessage(), e);
    }
  }

  /** Compacts every family (used to measure steady-state bytes on disk). */
  public void compact() {
    reading(() -> {
      try {
        for (ColumnFamilyHandle h : handles) {
          db.compactRange(h);
        }
      } catch (RocksDBException e) {
        throw new StoreException("cannot compact the store: " + e.getMessage(), e);
      }
      return null;
    });
  }

  /** Flushes and closes. */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (db != null) {
        flushOpen();
        db.syncWal();
      }
    } catch (RocksDBException | StoreException e) {
      // Closing still releases the files; the WAL replays whatever was not flushed.
    } finally {
      closeDb();
      lifecycle.writeLock().unlock();
      writeOptions.close();
      cfOptions.close();
      blockCache.close();
      dbOptions.close();
    }
  }

  private byte[] get(ColumnFamilyHandle cf, byte[] key) {
    lifecycle.readLock().lock();
    try {
      requireOpen("cannot read the store");
      return db.get(cf, key);
    } catch (RocksDBException e) {
      throw new StoreException("cannot read the store: " + e.getMessage(), e);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Runs {@code read} on the open database, holding the read lock. */
  private <T> T reading(Supplier<T> read) {
    lifecycle.readLock().lock();
    try {
      requireOpen("cannot read the store");
      return read.get();
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Held under the lock: the database is closed only while a full store waits to be reopened. */
  private void requireOpen(String what) {
    if (db == null) {
      throw StoreException.full(what + ": the store's disk is full and the store is waiting for space to reopen", null);
    }
  }

  /**
   * Writes one batch, all of it or nothing. A write refused for lack of space marks the store full
   * and throws {@link StoreException#full}; while full, each write first tries to recover.
   */
  private void write(WriteBatch batch, String what) {
    if (full) {
      recover();
    }
    lifecycle.readLock().lock();
    try {
      requireOpen(what);
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      if (noSpace(e)) {
        if (!full) {
          LOG.log(System.Logger.Level.ERROR, "the store in {0} is full: writes are refused until space is freed ({1})",
              dir, e.getMessage());
        }
        full = true;
        throw StoreException.full(what + ": no space left on the store's disk", e);
      }
      throw new StoreException(what + ": " + e.getMessage(), e);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  private static boolean noSpace(RocksDBException e) {
    Status st = e.getStatus();
    return st != null && st.getSubCode() == Status.SubCode.NoSpace;
  }

  /**
   * Whether the store takes writes now: true unless a write failed for lack of space and the store
   * could not yet be written again ({@link #recover()}, at most every {@value #RECOVERY_EVERY_MILLIS} ms).
   */
  @Override
  public boolean writable() {
    if (full) {
      recover();
    }
    return !full;
  }

  /**
   * Once the disk has room, reopens the full store (RocksDB keeps refusing writes after a failed
   * one until reopened) and clears the mark when a small write goes through.
   */
  private void recover() {
    long now = System.nanoTime();
    if (now - nextRecoveryNanos < 0 || !lifecycle.writeLock().tryLock()) {
      return;
    }
    try {
      if (!full) {
        return;
      }
      nextRecoveryNanos = now + RECOVERY_EVERY_MILLIS * 1_000_000L;
      if (db != null && probe()) {
        full = false;
        return;
      }
      if (Files.getFileStore(dir).getUsableSpace() < REOPEN_FREE_MIB << 20) {
        return;
      }
      closeDb();
      List<ColumnFamilyHandle> reopened = new ArrayList<>();
      adopt(RocksDB.open(dbOptions, dir.toString(), descriptors, reopened), reopened);
      if (probe()) {
        full = false;
        LOG.log(System.Logger.Level.INFO, "the store in {0} takes writes again", dir);
      }
    } catch (RocksDBException | java.io.IOException e) {
      LOG.log(System.Logger.Level.WARNING, "the full store in {0} could not be reopened yet: {1}", dir, e.getMessage());
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  /** Under the write lock: whether a small write to {@code meta} goes through. */
  private boolean probe() {
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(meta, PROBE_KEY, Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII));
      db.write(writeOptions, batch);
      return true;
    } catch (RocksDBException e) {
      return false;
    }
  }

  private static final byte[] PROBE_KEY = "writable_probe".getBytes(StandardCharsets.US_ASCII);

  /** Under the write lock: closes the database and its handles (reads then wait for a reopen). */
  private void closeDb() {
    if (db == null) {
      return;
    }
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    db = null;
  }

  private static byte[] key(Bytes checksum) {
    if (checksum.length() != CHECKSUM_SIZE) {
      throw new IllegalArgumentException("a checksum is 32 bytes");
    }
    return checksum.toByteArray();
  }

  /** Newest first: the upload time inverted, big-endian, then the checksum (a page token's bytes). */
  private static byte[] recentKey(long uploadedAtMicros, byte[] checksum) {
    return new RecentPage.Cursor(uploadedAtMicros, checksum).key();
  }

  /** SHA-256 of {@code b}. */
  public static Bytes sha256(Bytes b) {
    return StoredQuotes.sha256(b);
  }
}
