package dev.dcapd.cluster.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Nodes are launched together, and a node whose seed is slower than its first round of gossip
 * exits: the fixture launches it again once the seed is up, rather than fail the tests that wanted
 * a cluster. Here the seed is made late on purpose (two nodes on 127.0.0.7-8, beside the others).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class CassandraClusterStartTest {
  private static final Path BASE = Path.of("target", "cassandra-cluster-start-test").toAbsolutePath();

  @Test
  void aNodeThatFoundNoSeedIsLaunchedAgainOnceTheSeedIsUp() throws Exception {
    CassandraCluster.deleteRecursively(BASE);
    try (CassandraCluster cluster = CassandraCluster.start(BASE,
        List.of(InetAddress.getByName("127.0.0.7"), InetAddress.getByName("127.0.0.8")), true)) {
      CassandraNode second = cluster.node(2);
      assertTrue(second.isRunning());
      assertTrue(second.seesAllNodesUp());
      assertTrue(cluster.node(1).seesAllNodesUp());
      String output = Files.readString(second.dir().resolve("output.log"));
      assertTrue(output.contains(CassandraNode.NO_SEED_ANSWERED), "the first launch found no seed");
      assertFalse(second.outputOfThisLaunch().contains(CassandraNode.NO_SEED_ANSWERED), "the second found it");
    }
  }
}
