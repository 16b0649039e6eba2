package dev.dcapd.sidecar.sim;

import dev.dcapd.sidecar.AgentSimulator;
import java.io.IOException;
import java.nio.file.Path;

/** The {@link AgentSimulator} service: how the sidecar's {@code --simulate} finds {@link Simulator}. */
public final class SimulatorProvider implements AgentSimulator {
  @Override
  public Simulator start(Path dir, long seed) throws IOException {
    return Simulator.start(dir, seed);
  }
}
