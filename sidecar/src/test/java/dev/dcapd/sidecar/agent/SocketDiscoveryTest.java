package dev.dcapd.sidecar.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SocketDiscoveryTest {
  @Test
  void theSdksOrder() {
    assertEquals(java.util.List.of(Path.of("/var/run/dstack.sock"), Path.of("/run/dstack.sock"),
        Path.of("/var/run/dstack/dstack.sock"), Path.of("/run/dstack/dstack.sock")), SocketDiscovery.candidates("dstack"));
    Set<Path> present = Set.of(Path.of("/run/dstack/dstack.sock"), Path.of("/var/run/tappd.sock"), Path.of("/run/dstack.sock"));
    SocketDiscovery.Found f = SocketDiscovery.find(Map.of(), present::contains).orElseThrow();
    assertEquals("dstack", f.kind());
    assertEquals(Path.of("/run/dstack.sock"), f.endpoint().socket().orElseThrow());
    SocketDiscovery.Found t = SocketDiscovery.find(Map.of(), Set.of(Path.of("/var/run/tappd.sock"))::contains).orElseThrow();
    assertEquals("tappd", t.kind());
    assertTrue(SocketDiscovery.find(Map.of(), p -> false).isEmpty());
  }

  @Test
  void simulatorEnvironmentComesFirst() {
    Map<String, String> env = Map.of(SocketDiscovery.TAPPD_ENV, "/tmp/t.sock", SocketDiscovery.DSTACK_ENV, "http://127.0.0.1:8090");
    SocketDiscovery.Found f = SocketDiscovery.find(env, p -> true).orElseThrow();
    assertEquals("dstack", f.kind());
    assertEquals("http://127.0.0.1:8090", f.endpoint().http().orElseThrow().toString());
    SocketDiscovery.Found t = SocketDiscovery.find(Map.of(SocketDiscovery.TAPPD_ENV, "unix:/tmp/t.sock"), p -> true).orElseThrow();
    assertEquals("tappd", t.kind());
    assertEquals(Path.of("/tmp/t.sock"), t.endpoint().socket().orElseThrow());
  }
}
