package dev.dcapd.cluster.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CassandraSessionTest {
  @Test
  void startsNothingUnlessAsked(@TempDir Path dir) {
    String asked = System.clearProperty(CassandraSession.START_PROPERTY);
    String address = System.getProperty(CassandraSession.ADDRESS_PROPERTY);
    try {
      CassandraSession listener = new CassandraSession(dir);
      listener.launcherSessionOpened(null);
      assertEquals(address, System.getProperty(CassandraSession.ADDRESS_PROPERTY));
      assertFalse(dir.resolve(CassandraCluster.SINGLE_NODE_ADDRESS).toFile().exists());
      listener.launcherSessionClosed(null);
    } finally {
      restore(CassandraSession.START_PROPERTY, asked);
    }
  }

  @Test
  void singleNodeAnswersUntilTheSessionCloses(@TempDir Path dir) {
    if (System.getProperty(CassandraSession.ADDRESS_PROPERTY) != null) {
      // This run's own session started the node on the same address: check that one.
      assertAnswers(System.getProperty(CassandraSession.ADDRESS_PROPERTY));
      return;
    }
    String asked = System.setProperty(CassandraSession.START_PROPERTY, "single");
    CassandraSession listener = new CassandraSession(dir);
    try {
      listener.launcherSessionOpened(null);
      assertEquals("127.0.0.9:9042", System.getProperty(CassandraSession.ADDRESS_PROPERTY));
      assertEquals(
          CassandraNode.DATACENTER, System.getProperty(CassandraSession.DATACENTER_PROPERTY));
      assertAnswers(System.getProperty(CassandraSession.ADDRESS_PROPERTY));
    } finally {
      listener.launcherSessionClosed(null);
      restore(CassandraSession.START_PROPERTY, asked);
    }
    assertNull(System.getProperty(CassandraSession.ADDRESS_PROPERTY));
    assertTrue(
        ProcessHandle.allProcesses()
            .map(handle -> handle.info().commandLine().orElse(""))
            .noneMatch(line -> line.contains("CassandraDaemon") && line.contains(dir.toString())));
  }

  private static void assertAnswers(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    InetSocketAddress address =
        new InetSocketAddress(
            hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    try (CqlSession session =
        CqlSession.builder()
            .addContactPoint(address)
            .withLocalDatacenter(System.getProperty(CassandraSession.DATACENTER_PROPERTY))
            .build()) {
      String version =
          session.execute("SELECT release_version FROM system.local").one().getString(0);
      assertTrue(version.startsWith("5.0."), version);
    }
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }
}
