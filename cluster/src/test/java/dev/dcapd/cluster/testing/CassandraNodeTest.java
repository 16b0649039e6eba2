package dev.dcapd.cluster.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a test sees when a node cannot start. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CassandraNodeTest {
  @Test
  void aNodeThatCannotStartFailsWithItsLog(@TempDir Path base) throws IOException {
    InetAddress address = InetAddress.getByName("127.0.0.8");
    CassandraNode node = new CassandraNode(address, base, address, "broken", 0, 1);
    // A file where the data directory belongs: Cassandra refuses to start.
    Files.createDirectories(node.dir());
    Files.writeString(node.dir().resolve("data"), "not a directory");

    IllegalStateException failure = assertThrows(IllegalStateException.class, node::start);

    String message = failure.getMessage();
    assertTrue(message.contains("exited with status 3 while starting"), message);
    assertTrue(message.contains("last lines of " + node.dir().resolve("system.log")), message);
    // Cassandra's own reason, from the node's log.
    assertTrue(message.contains("Not a directory " + node.dir().resolve("data")), message);
    assertFalse(node.isRunning());
  }
}
