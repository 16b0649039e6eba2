package dev.dcapd.daemon.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.dcapd.daemon.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.Optional;

/**
 * The daemon's tables in a Cassandra keyspace, and the version of them a keyspace holds. A daemon
 * creates what is missing on start (or {@code dcapd schema apply} does, once, before replicas
 * start: Cassandra 5.0 applies concurrent schema changes without coordination), and refuses a
 * keyspace written by a newer schema.
 *
 * <p>Tables: {@code quotes}, {@code records} by checksum; {@code collateral} by content id (stored
 * once, shared by every quote of a platform); {@code blobs}, PCK chains by SHA-256; {@code recent},
 * newest first within an hour's partition (ties by checksum, as in RocksDB), with {@code recent_buckets} listing the hours;
 * {@code platforms}, each platform's checksums (and every checksum under {@code "*"}) in 256 shards
 * by the checksum's first byte, so a shard stays small and shards read in order give checksum
 * order; {@code collateral_cache}, the collateral every replica judges by; {@code reappraisal} jobs;
 * {@code meta}; {@code leases}, rows that expire (TTL).
 */
public final class CassandraSchema {
  /** The schema this daemon writes. Raise it with every change of the tables, and migrate. */
  public static final int VERSION = 1;
  static final String COMPONENT = "dcapd";
  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

  private static final List<String> TABLES = List.of(
      "CREATE TABLE IF NOT EXISTS %s.schema_version (component text PRIMARY KEY, version int, applied_at timestamp)",
      "CREATE TABLE IF NOT EXISTS %s.quotes (checksum blob PRIMARY KEY, quote blob)",
      "CREATE TABLE IF NOT EXISTS %s.records (checksum blob PRIMARY KEY, record blob, verified_at bigint)",
      "CREATE TABLE IF NOT EXISTS %s.collateral (id blob PRIMARY KEY, json text)",
      "CREATE TABLE IF NOT EXISTS %s.blobs (id blob PRIMARY KEY, data blob)",
      // newest_first is the upload time subtracted from Long.MAX_VALUE: ascending, it lists an
      // hour newest first and ties by checksum, in the order of RocksDB's index and page tokens.
      "CREATE TABLE IF NOT EXISTS %s.recent (bucket bigint, newest_first bigint, checksum blob, "
          + "PRIMARY KEY ((bucket), newest_first, checksum))",
      "CREATE TABLE IF NOT EXISTS %s.recent_buckets (shard int, bucket bigint, PRIMARY KEY ((shard), bucket)) "
          + "WITH CLUSTERING ORDER BY (bucket DESC)",
      "CREATE TABLE IF NOT EXISTS %s.platforms (platform text, shard int, checksum blob, "
          + "PRIMARY KEY ((platform, shard), checksum))",
      "CREATE TABLE IF NOT EXISTS %s.collateral_cache (cache_key text PRIMARY KEY, entry blob)",
      "CREATE TABLE IF NOT EXISTS %s.reappraisal (platform text PRIMARY KEY, job blob)",
      "CREATE TABLE IF NOT EXISTS %s.meta (name text PRIMARY KEY, value text)",
      "CREATE TABLE IF NOT EXISTS %s.leases (name text PRIMARY KEY, owner text) WITH gc_grace_seconds = 3600");

  private CassandraSchema() {}

  /** A schema change waits for every node to agree on it, which takes longer than a request. */
  private static void ddl(CqlSession session, String cql) {
    session.execute(SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT));
  }

  /**
   * Waits until every node has the same schema. The driver waits for that itself only while it
   * keeps schema metadata, which this store turns off; a statement on a node that has not yet
   * heard of a table fails.
   */
  private static void awaitAgreement(CqlSession session, String ks) {
    long deadline = System.nanoTime() + DDL_TIMEOUT.toNanos();
    while (!session.checkSchemaAgreement()) {
      if (System.nanoTime() - deadline > 0) {
        throw StoreException.unavailable("the nodes do not agree on keyspace " + ks + "'s schema within "
            + DDL_TIMEOUT.toSeconds() + " s; start again", null);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw StoreException.unavailable("interrupted while waiting for schema agreement on " + ks, e);
      }
    }
  }

  /** The schema version the keyspace holds, or empty when it holds none. */
  static Optional<Integer> version(CqlSession session, String keyspace) {
    // From the system tables: the driver keeps no schema metadata (CassandraStore.connect).
    boolean exists = session.execute(SimpleStatement.newInstance("SELECT table_name FROM system_schema.tables "
        + "WHERE keyspace_name = ? AND table_name = 'schema_version'", keyspace)).one() != null;
    if (!exists) {
      return Optional.empty();
    }
    Row row = session.execute(SimpleStatement.newInstance(
        "SELECT version FROM " + keyspace + ".schema_version WHERE component = ?", COMPONENT)).one();
    return row == null ? Optional.empty() : Optional.of(row.getInt("version"));
  }

  /**
   * Creates the keyspace and tables that are missing and records the version. Returns whether
   * anything had to be created.
   */
  public static boolean apply(CqlSession session, CassandraLocation at) {
    String ks = at.keyspace();
    Optional<Integer> held = version(session, ks);
    if (held.isPresent() && held.get() > VERSION) {
      throw new StoreException("keyspace " + ks + " holds dcapd schema " + held.get() + ", newer than this daemon's "
          + VERSION + ": run the newer dcapd", null);
    }
    if (held.isPresent() && held.get() == VERSION) {
      return false;
    }
    ddl(session, "CREATE KEYSPACE IF NOT EXISTS " + ks + " WITH replication = {'class': 'NetworkTopologyStrategy', '"
        + at.datacenter() + "': " + at.replicationFactor() + "}");
    // Every node must know the keyspace before its tables are made, on whichever node.
    awaitAgreement(session, ks);
    // The tables at once: each change waits for the nodes to agree on it, which one after
    // another took most of a second per table on three nodes.
    List<CompletableFuture<AsyncResultSet>> tables = new ArrayList<>();
    for (String table : TABLES) {
      tables.add(session.executeAsync(SimpleStatement.newInstance(String.format(table, ks)).setTimeout(DDL_TIMEOUT))
          .toCompletableFuture());
    }
    try {
      CompletableFuture.allOf(tables.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
    awaitAgreement(session, ks);
    session.execute(SimpleStatement.newInstance("INSERT INTO " + ks + ".schema_version (component, version, applied_at) "
        + "VALUES (?, ?, ?)", COMPONENT, VERSION, Instant.now()));
    return true;
  }
}
