package dev.dcapd.cluster;

import dev.dcapd.cluster.testing.CassandraCluster;
import dev.dcapd.daemon.store.cassandra.CassandraLocation;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The three-node cluster (127.0.0.1-3) this module's tests share: started once, on first use, and
 * killed when the test JVM exits. Starting three nodes takes most of a minute, so test classes take
 * keyspaces of their own on one cluster rather than clusters of their own. A test that stops a node
 * starts it again before it ends.
 */
final class SharedCluster {
  private static CassandraCluster cluster;

  private SharedCluster() {}

  static synchronized CassandraCluster get() {
    if (cluster == null) {
      Path base = Path.of("target", "cassandra-cluster").toAbsolutePath();
      CassandraCluster.deleteRecursively(base);
      cluster = CassandraCluster.start(base, 3);
      CassandraCluster started = cluster;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "cassandra-cluster-stop"));
    }
    return cluster;
  }

  /** A keyspace with three replicas on the shared cluster, reads at quorum unless {@code readOne}. */
  static CassandraLocation keyspace(String name, boolean readOne) {
    CassandraCluster c = get();
    StringBuilder uri = new StringBuilder(CassandraLocation.SCHEME);
    for (InetSocketAddress a : c.contactPoints()) {
      uri.append(uri.length() == CassandraLocation.SCHEME.length() ? "" : ",").append(a.getHostString()).append(':')
          .append(a.getPort());
    }
    uri.append('/').append(name).append("?dc=").append(c.datacenter()).append("&rf=3");
    if (readOne) {
      uri.append("&read=local_one");
    }
    return CassandraLocation.parse(uri.toString());
  }
}
