package dev.dcapd.cluster.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fixture itself: three real nodes (127.0.0.4-6), a keyspace replicated to all three, and LOCAL_QUORUM
 * reads and writes that go on while one node is killed, or stopped, and after it rejoins.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class CassandraClusterTest {
  private static final Path BASE = Path.of("target", "cassandra-cluster-test").toAbsolutePath();

  private static CassandraCluster cluster;
  private static CqlSession session;

  @BeforeAll
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  static void startCluster() throws IOException {
    CassandraCluster.deleteRecursively(BASE);
    long started = System.nanoTime();
    // Beside the cluster the other tests of this module share (127.0.0.1-3), which may be up.
    cluster = CassandraCluster.start(BASE, List.of(InetAddress.getByName("127.0.0.4"),
        InetAddress.getByName("127.0.0.5"), InetAddress.getByName("127.0.0.6")));
    System.out.printf("3 nodes up in %d ms%n", elapsedMillis(started));
    session =
        CqlSession.builder()
            .addContactPoints(cluster.contactPoints())
            .withLocalDatacenter(cluster.datacenter())
            .withConfigLoader(
                DriverConfigLoader.programmaticBuilder()
                    // Schema changes wait for agreement among the nodes; 2 s is too short here.
                    .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
                    .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "LOCAL_QUORUM")
                    .build())
            .build();
  }

  @AfterAll
  static void stopCluster() {
    if (session != null) {
      session.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void localQuorumHoldsWhileOneNodeIsDownAndTheNodeRejoins() {
    assertEquals(3, session.getMetadata().getNodes().size());
    session.execute(
        "CREATE KEYSPACE fixture WITH replication = {'class': 'NetworkTopologyStrategy', '"
            + cluster.datacenter() + "': 3}");
    session.execute("CREATE TABLE fixture.kv (k text PRIMARY KEY, v int)");
    // The driver waits for schema agreement only so long; a loaded machine can take longer.
    long agreed = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!session.checkSchemaAgreement()) {
      assertTrue(System.nanoTime() - agreed < 0, "the nodes agree on the schema");
      CassandraNode.sleep(Duration.ofMillis(200));
    }
    write("before", 1);
    assertEquals(1, read("before", ConsistencyLevel.ALL));

    CassandraNode third = cluster.node(3);
    long pid = third.pid();
    // 128 + 9: the node died of SIGKILL, not of an orderly shutdown.
    assertEquals(137, third.kill());
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

    write("during", 2);
    assertEquals(1, read("before", ConsistencyLevel.LOCAL_QUORUM));
    assertEquals(2, read("during", ConsistencyLevel.LOCAL_QUORUM));

    long restarted = System.nanoTime();
    third.start();
    cluster.awaitAllUp();
    System.out.printf("killed node back and seen up by all in %d ms%n", elapsedMillis(restarted));
    awaitDriverSeesUp(third);

    // ALL needs the rejoined node as well; it answers with what it missed merged in.
    assertEquals(2, read("during", ConsistencyLevel.ALL));
    write("after", 3);
    assertEquals(3, read("after", ConsistencyLevel.LOCAL_QUORUM));

    // A graceful stop (SIGTERM): Cassandra drains and tells its peers, and exits 128 + 15.
    CassandraNode second = cluster.node(2);
    long stopping = System.nanoTime();
    assertEquals(143, second.stop());
    System.out.printf("node stopped gracefully in %d ms%n", elapsedMillis(stopping));
    write("stopped", 4);
    assertEquals(4, read("stopped", ConsistencyLevel.LOCAL_QUORUM));
    second.start();
    cluster.awaitAllUp();
    assertEquals(4, read("stopped", ConsistencyLevel.ALL));

    List<Long> pids = cluster.nodes().stream().map(CassandraNode::pid).toList();
    session.close();
    session = null;
    cluster.close();
    cluster = null;
    for (long each : pids) {
      assertFalse(ProcessHandle.of(each).map(ProcessHandle::isAlive).orElse(false), "pid " + each);
    }
    assertEquals(List.of(), cassandraProcessesUnder(BASE));
  }

  private static void write(String key, int value) {
    session.execute(
        SimpleStatement.newInstance("INSERT INTO fixture.kv (k, v) VALUES (?, ?)", key, value)
            .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
            .setIdempotent(true));
  }

  private static int read(String key, ConsistencyLevel level) {
    Row row =
        session
            .execute(
                SimpleStatement.newInstance("SELECT v FROM fixture.kv WHERE k = ?", key)
                    .setConsistencyLevel(level)
                    .setIdempotent(true))
            .one();
    assertTrue(row != null, "no row for " + key);
    return row.getInt("v");
  }

  private static void awaitDriverSeesUp(CassandraNode node) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      NodeState state =
          session.getMetadata().findNode(node.cqlAddress()).map(Node::getState).orElse(null);
      if (state == NodeState.UP) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, "the driver still has " + node + " as " + state);
      CassandraNode.sleep(Duration.ofMillis(200));
    }
  }

  /** Command lines of live Cassandra processes whose storage is under {@code base}. */
  private static List<String> cassandraProcessesUnder(Path base) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .map(handle -> handle.info().commandLine().orElse(""))
        .filter(line -> line.contains("CassandraDaemon") && line.contains(base.toString()))
        .toList();
  }

  private static long elapsedMillis(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
