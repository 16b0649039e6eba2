package dev.dcapd.sidecar.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.sidecar.AgentSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With this module on the class path, the sidecar's --simulate finds the simulator as a service. */
class SimulatorProviderTest {
  @TempDir Path dir;

  @Test
  void theSidecarFindsTheSimulatorAndItServesItsState() throws Exception {
    AgentSimulator found = AgentSimulator.find().orElseThrow();
    assertInstanceOf(SimulatorProvider.class, found);
    Path state = dir.resolve("sim");
    try (AgentSimulator.Running sim = found.start(state, 1)) {
      assertEquals(state.resolve("dstack.sock"), sim.dstackSocket());
      assertEquals(state.resolve("tappd.sock"), sim.tappdSocket());
      for (Path socket : new Path[] {sim.dstackSocket(), sim.tappdSocket()}) {
        assertEquals(PosixFilePermissions.fromString("rw-rw----"), Files.getPosixFilePermissions(socket));
      }
      assertTrue(Files.readString(sim.rootPem()).startsWith("-----BEGIN CERTIFICATE-----"));
      assertTrue(Files.isRegularFile(sim.collateralDir().resolve("collateral.json")));
    }
    assertFalse(Files.exists(state.resolve("dstack.sock")));
  }
}
