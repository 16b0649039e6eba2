package dev.dcapd.cluster.testing;

import java.nio.file.Path;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * With {@code -Ddcapd.test.cassandra.start=single}, one Cassandra node on
 * {@link CassandraCluster#SINGLE_NODE_ADDRESS} for the whole test run: started (on a fresh
 * {@code target/cassandra-session}) when the launcher session opens, killed when it closes. Tests
 * find it through the system properties {@value #ADDRESS_PROPERTY} (host:port) and
 * {@value #DATACENTER_PROPERTY}. Without the property it does nothing.
 */
public final class CassandraSession implements LauncherSessionListener {
  public static final String START_PROPERTY = "dcapd.test.cassandra.start";
  public static final String ADDRESS_PROPERTY = "dcapd.test.cassandra";
  public static final String DATACENTER_PROPERTY = "dcapd.test.cassandra.dc";

  private final Path baseDir;
  private CassandraCluster node;

  public CassandraSession() {
    // Surefire runs tests in the module directory and names it in "basedir".
    this(Path.of(System.getProperty("basedir", ""), "target", "cassandra-session"));
  }

  CassandraSession(Path baseDir) {
    this.baseDir = baseDir.toAbsolutePath();
  }

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    if (!"single".equals(System.getProperty(START_PROPERTY))) {
      return;
    }
    CassandraCluster.deleteRecursively(baseDir);
    node = CassandraCluster.startSingle(baseDir);
    System.setProperty(
        ADDRESS_PROPERTY, CassandraCluster.SINGLE_NODE_ADDRESS + ":" + CassandraNode.CQL_PORT);
    System.setProperty(DATACENTER_PROPERTY, node.datacenter());
  }

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    if (node == null) {
      return;
    }
    System.clearProperty(ADDRESS_PROPERTY);
    System.clearProperty(DATACENTER_PROPERTY);
    try {
      node.close();
    } finally {
      node = null;
    }
  }
}
