package dev.dcapd.daemon.store;

import dev.dcapd.proto.store.v1.CachedCollateral;
import dev.dcapd.proto.store.v1.ReappraisalJob;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.quote.Quote;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the daemon keeps: every quote under its SHA-256 with the record of how it was judged, the
 * collateral records name (once per content id), the newest-first index, the per-platform index
 * that re-appraisal walks, re-appraisal jobs, store-wide settings and the persisted collateral
 * cache. Records are the {@code dcapd.store.v1} messages, so every backend stores the same bytes.
 * {@link QuoteStore} keeps them in RocksDB for one daemon; {@code CassandraStore} keeps them in an
 * Apache Cassandra keyspace that several daemons share.
 *
 * <p>Within one daemon, writes of one checksum are serialised by the caller. Daemons sharing a store
 * race only through {@link #put} and {@link #replaceRecord}, which are conditional: each returns
 * the record the store holds afterwards, which is another daemon's when that one wrote first.
 */
public interface AttestationStore extends AutoCloseable {
  /** The platform key that names every record in {@link #checksums} and re-appraisal jobs. */
  String ALL_PLATFORMS = "*";

  /** Whether each write is durable before it returns (then callers should not write on an event loop). */
  boolean syncWrites();

  /**
   * Whether a read may wait on the network (then callers should not read on an event loop). A
   * store that is shared is one a daemon reaches over the network.
   */
  default boolean readsMayWait() {
    return shared();
  }

  /** Whether other daemons may share this store (then collateral and re-appraisals are coordinated through it). */
  default boolean shared() {
    return false;
  }

  /**
   * Whether the store takes writes now: false while its disk is full (a write was refused with
   * {@link StoreException#full} and the store has not taken one since). Health checks ask this.
   */
  default boolean writable() {
    return true;
  }

  /** Where the store is, for the start-up line. */
  String describe();

  /** The record of the quote with this checksum. */
  Optional<StoredRecord> record(Bytes checksum);

  /** The exact bytes of the quote with this checksum. */
  Optional<byte[]> rawQuote(Bytes checksum);

  /** The compact {@code QuoteCollateralV3} JSON stored under this content id. */
  Optional<String> collateralJson(String collateralId);

  /**
   * Stores a new quote with its record, its index entries and (when given) its collateral. The
   * record is written last and only if none is stored under the checksum: a record never names a
   * quote or collateral that is not stored, and two daemons uploading one quote store one record.
   *
   * @param collateralJson compact {@code QuoteCollateralV3} JSON whose SHA-256 is
   *     {@code record.getCollateralId()}, or {@code null} when it is already stored or there is none
   * @return {@code record}, or the record another writer stored first
   */
  StoredRecord put(Quote quote, StoredRecord record, String collateralJson);

  /**
   * Replaces the record of a stored quote (a new verdict), with its collateral when given, if the
   * stored record is still {@code previous} (by its verification time). The new record must be
   * verified strictly after {@code previous}, so that no two replacements of one record both apply.
   *
   * @throws IllegalArgumentException when {@code record} is not verified after {@code previous}
   * @return {@code record}, or the record another writer stored since {@code previous} was read
   */
  StoredRecord replaceRecord(Bytes checksum, StoredRecord previous, StoredRecord record, String collateralJson);

  /** Refuses a replacement that is not verified after the record it replaces (see {@link #replaceRecord}). */
  static void requireLater(Bytes checksum, StoredRecord previous, StoredRecord record) {
    if (record.getVerifiedAtMicros() <= previous.getVerifiedAtMicros()) {
      throw new IllegalArgumentException("the new record of " + checksum + " is not verified after the one it replaces");
    }
  }

  /**
   * Up to {@code limit} checksums of quotes of {@code platform} after {@code after} (exclusive,
   * empty for the first), in checksum order; or, for {@link #ALL_PLATFORMS}, of every record.
   */
  List<Bytes> checksums(String platform, Optional<Bytes> after, int limit);

  /** Records a re-appraisal in progress (or its progress). */
  void putJob(String platform, ReappraisalJob job);

  /** Forgets a finished re-appraisal. */
  void deleteJob(String platform);

  /** Re-appraisals in progress, by platform key. */
  Map<String, ReappraisalJob> jobs();

  /** A store-wide setting ("trust_root", "policy_sha256"). */
  Optional<String> meta(String name);

  void putMeta(String name, String value);

  /**
   * Newest first. With a page token, the entries after it; otherwise after skipping {@code skip}
   * entries. Tokens are opaque to clients.
   */
  RecentPage recent(int skip, int limit, Optional<String> pageToken);

  /** Whether {@code token} is a page token this store could have issued. */
  boolean acceptsPageToken(String token);

  /** The cached collateral entry for a key such as "TDX/b0c06f000000/platform". */
  Optional<CachedCollateral> cachedCollateral(String cacheKey);

  /** Records the current collateral for a cache key, storing the collateral itself too. */
  void putCachedCollateral(String cacheKey, CachedCollateral entry, String collateralJson);

  /**
   * Takes or renews the lease {@code name} for {@code owner} for {@code ttl}: true when {@code owner}
   * holds it now. Daemons sharing a store use leases so that one of them fetches a platform's
   * collateral, or works a re-appraisal, at a time; a lease whose holder died expires.
   */
  boolean claim(String name, String owner, java.time.Duration ttl);

  /** Gives up a lease {@code owner} holds (nothing if another holds it). */
  void release(String name, String owner);

  /** An estimate of the number of stored records (for metrics). */
  long estimatedRecordCount();

  /** Flushes what is buffered and releases the store. */
  @Override
  void close();
}
