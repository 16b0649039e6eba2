package dev.dcapd.sidecar;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * What {@code --simulate} runs: a guest agent in process whose quotes verify against a throwaway
 * root. The sidecar does not depend on it (its image carries no test PKI); the sidecar-sim module
 * provides it through {@link ServiceLoader} when it is on the class path.
 */
public interface AgentSimulator {
  /** The simulator on the class path, if there is one. */
  static Optional<AgentSimulator> find() {
    return ServiceLoader.load(AgentSimulator.class).findFirst();
  }

  /** Writes the simulator's state files in {@code dir} and serves its agent sockets there. */
  Running start(Path dir, long seed) throws IOException;

  /** A started simulator: its agent sockets, and what a daemon needs to verify its quotes. */
  interface Running extends Closeable {
    /** The dstack API's socket. */
    Path dstackSocket();

    /** The legacy tappd API's socket. */
    Path tappdSocket();

    /** The root certificate its quotes chain to, for the daemon's {@code --insecure-trust-root}. */
    Path rootPem();

    /** The collateral its quotes verify with, for the daemon's {@code --collateral-dir}. */
    Path collateralDir();
  }
}
