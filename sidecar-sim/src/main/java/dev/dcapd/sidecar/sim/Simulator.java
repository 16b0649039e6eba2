package dev.dcapd.sidecar.sim;

import dev.dcapd.sidecar.AgentSimulator;
import dev.dcapd.sidecar.http.LocalHttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a {@link SimulatedAgent} in a state folder: serves {@code DIR/dstack.sock} and
 * {@code DIR/tappd.sock}, and writes what a daemon needs to verify its quotes —
 * {@code DIR/root.pem} (the testkit root, to pass as {@code --insecure-trust-root}) and
 * {@code DIR/collateral/collateral.json} ({@code QuoteCollateralV3}, for {@code --collateral-dir}) —
 * plus {@code DIR/app-compose.json}, whose hash the event log measures.
 */
public final class Simulator implements AgentSimulator.Running {
  public static final String DSTACK_SOCKET = "dstack.sock";
  public static final String TAPPD_SOCKET = "tappd.sock";
  private static final int MAX_BODY = 10 * 1024 * 1024;
  private static final int THREADS = 8;

  private final SimulatedAgent agent;
  private final Path dir;
  private final LocalHttpServer dstack;
  private final LocalHttpServer tappd;

  private Simulator(SimulatedAgent agent, Path dir, LocalHttpServer dstack, LocalHttpServer tappd) {
    this.agent = agent;
    this.dir = dir;
    this.dstack = dstack;
    this.tappd = tappd;
  }

  /** Writes the state files and starts both sockets. */
  public static Simulator start(Path dir, long seed) throws IOException {
    Files.createDirectories(dir.resolve("collateral"));
    SimulatedAgent agent = new SimulatedAgent(seed);
    Files.writeString(dir.resolve("root.pem"), agent.batch().template().rootPem(), StandardCharsets.US_ASCII);
    Files.writeString(dir.resolve("collateral").resolve("collateral.json"), agent.batch().collateral().toJson(),
        StandardCharsets.UTF_8);
    Files.write(dir.resolve("app-compose.json"), agent.boot().appCompose());
    LocalHttpServer dstack = LocalHttpServer.unix(dir.resolve(DSTACK_SOCKET), MAX_BODY, THREADS, agent::dstack);
    LocalHttpServer tappd;
    try {
      tappd = LocalHttpServer.unix(dir.resolve(TAPPD_SOCKET), MAX_BODY, THREADS, agent::tappd);
    } catch (IOException e) {
      dstack.close();
      throw e;
    }
    return new Simulator(agent, dir, dstack, tappd);
  }

  public SimulatedAgent agent() {
    return agent;
  }

  @Override
  public Path dstackSocket() {
    return dir.resolve(DSTACK_SOCKET);
  }

  @Override
  public Path tappdSocket() {
    return dir.resolve(TAPPD_SOCKET);
  }

  @Override
  public Path rootPem() {
    return dir.resolve("root.pem");
  }

  @Override
  public Path collateralDir() {
    return dir.resolve("collateral");
  }

  @Override
  public void close() throws IOException {
    try {
      dstack.close();
    } finally {
      tappd.close();
    }
  }
}
