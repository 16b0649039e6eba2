package dev.dcapd.daemon.testing;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import dev.dcapd.daemon.DaemonConfig;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.daemon.store.QuoteStore;
import dev.dcapd.daemon.store.cassandra.CassandraLocation;
import dev.dcapd.daemon.store.cassandra.CassandraStore;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The store the daemon's tests run on: RocksDB in the test's data directory, or, when the system
 * property {@value #PROPERTY} names a Cassandra node ({@code HOST:PORT}, datacenter in
 * {@value #DC_PROPERTY}), a keyspace of it named after the data directory, so that a daemon
 * started again on the same directory finds what it stored. The cluster module runs the daemon's
 * tests both ways.
 */
public final class TestStores {
  public static final String PROPERTY = "dcapd.test.cassandra";
  public static final String DC_PROPERTY = "dcapd.test.cassandra.dc";

  private TestStores() {}

  /** Keyspaces handed out, by the directory of the data directory they stand for. */
  private static final Map<Path, String> KEYSPACES = new ConcurrentHashMap<>();
  private static CqlSession admin;

  /** The Cassandra keyspace for a data directory, when the tests run on Cassandra. */
  public static Optional<CassandraLocation> cassandraFor(Path dataDir) {
    String node = System.getProperty(PROPERTY, "");
    if (node.isEmpty()) {
      return Optional.empty();
    }
    String dc = System.getProperty(DC_PROPERTY, CassandraLocation.DEFAULT_DATACENTER);
    CassandraLocation at = CassandraLocation.parse(
        CassandraLocation.SCHEME + node + "/" + keyspaceFor(dataDir) + "?dc=" + dc + "&rf=1");
    dropFinished(at);
    // The directory the data directory is in (the test's temporary directory) lives as long as
    // the test: once it is gone, so may the keyspace be.
    KEYSPACES.put(dataDir.toAbsolutePath().normalize().getParent(), at.keyspace());
    return Optional.of(at);
  }

  /**
   * Drops the keyspaces of tests that ended (JUnit deletes a test's temporary directory, where
   * its data directory is, when the test ends): every table costs the node heap, and a run of the daemon's
   * tests makes some sixty keyspaces of thirteen tables.
   */
  private static synchronized void dropFinished(CassandraLocation at) {
    List<Map.Entry<Path, String>> finished = KEYSPACES.entrySet().stream().filter(e -> !Files.exists(e.getKey())).toList();
    if (finished.isEmpty()) {
      return;
    }
    if (admin == null) {
      admin = CqlSession.builder()
          .addContactPoints(at.contactPoints().stream().map(a -> new InetSocketAddress(a.getHostString(), a.getPort())).toList())
          .withLocalDatacenter(at.datacenter())
          .withConfigLoader(DriverConfigLoader.programmaticBuilder()
              .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(60))
              .withBoolean(DefaultDriverOption.TIMESTAMP_GENERATOR_FORCE_JAVA_CLOCK, true)
              .build())
          .build();
    }
    for (Map.Entry<Path, String> e : finished) {
      // Not waited for: the next test's keyspace is made meanwhile.
      admin.executeAsync("DROP KEYSPACE IF EXISTS " + e.getValue());
      KEYSPACES.remove(e.getKey());
    }
  }

  /** {@code config} on the tests' store. */
  public static DaemonConfig on(DaemonConfig config) {
    return config.withCassandra(cassandraFor(config.dataDir()));
  }

  /** The tests' store for a data directory, opened. */
  public static AttestationStore open(Path dataDir) {
    Optional<CassandraLocation> c = cassandraFor(dataDir);
    return c.isPresent() ? CassandraStore.open(c.get()) : QuoteStore.open(dataDir, false);
  }

  /** {@code dcapd serve} options for the tests' store in a data directory. */
  public static List<String> serveOptions(Path dataDir) {
    List<String> out = new ArrayList<>(List.of("--data", dataDir.toString()));
    cassandraFor(dataDir).ifPresent(c -> out.addAll(List.of("--store", c.toString())));
    return out;
  }

  private static String keyspaceFor(Path dataDir) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest(dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
      return "t_" + HexFormat.of().formatHex(h, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
