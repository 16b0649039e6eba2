package dev.dcapd.sidecar;

import dev.dcapd.sidecar.agent.AgentException;
import dev.dcapd.sidecar.agent.DstackAgent;
import dev.dcapd.sidecar.agent.GuestAgent;
import dev.dcapd.sidecar.agent.TappdAgent;
import dev.dcapd.sidecar.api.LocalApi;
import dev.dcapd.sidecar.api.RateLimiter;
import dev.dcapd.sidecar.attest.DaemonVerdictSink;
import dev.dcapd.sidecar.attest.Keeper;
import dev.dcapd.sidecar.attest.Minter;
import dev.dcapd.sidecar.attest.VerdictSink;
import dev.dcapd.sidecar.http.LocalHttpServer;
import dev.dcapd.sidecar.key.AppKey;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A running sidecar: the agent client, the app key, the keeper and the local API listeners. */
public final class Sidecar implements Closeable {
  private static final int API_THREADS = 16;

  private final SidecarConfig config;
  private final Keeper keeper;
  private final LocalHttpServer server;

  private Sidecar(SidecarConfig config, Keeper keeper, LocalHttpServer server) {
    this.config = config;
    this.keeper = keeper;
    this.server = server;
  }

  /**
   * Connects to the agent, makes the app key (deriving it through the agent when configured, which
   * needs the agent now), starts the listeners and the keeper.
   */
  public static Sidecar start(SidecarConfig config, Clock clock) throws IOException, AgentException {
    GuestAgent agent = config.agentKind().equals("tappd") ? new TappdAgent(config.agent(), config.agentTimeout())
        : new DstackAgent(config.agent(), config.agentTimeout());
    AppKey key;
    try {
      key = config.deriveKeyPath().isPresent()
          ? AppKey.fromSecret(config.keyType(), agent.deriveKey(config.deriveKeyPath().get()))
          : AppKey.generate(config.keyType(), new SecureRandom());
    } catch (AgentException | RuntimeException e) {
      agent.close();
      throw e;
    }
    Optional<VerdictSink> sink;
    try {
      sink = config.daemon().isPresent()
          ? Optional.of(new DaemonVerdictSink(config.daemon().get(), config.daemonTimeout())) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      agent.close();
      throw e;
    }
    Keeper keeper = new Keeper(new Minter(agent, key, clock), sink, clock, config.interval(), config.backoff());
    LocalApi api = new LocalApi(keeper, new RateLimiter(clock, config.quoteBurst(), config.quotePeriod()));
    List<SocketAddress> addresses = new ArrayList<>();
    for (Listen l : config.listen()) {
      addresses.add(l.socket().<SocketAddress>map(UnixDomainSocketAddress::of).orElseGet(() -> l.tcp().get()));
    }
    LocalHttpServer server;
    try {
      server = LocalHttpServer.start(addresses, LocalApi.MAX_BODY_BYTES, API_THREADS, api, "local-api");
    } catch (IOException | RuntimeException e) {
      keeper.close();
      throw e;
    }
    keeper.start();
    return new Sidecar(config, keeper, server);
  }

  public Keeper keeper() {
    return keeper;
  }

  /** The addresses the local API is bound to (a TCP port 0 resolves here). */
  public List<SocketAddress> addresses() {
    return server.addresses();
  }

  /** One line for the log: agent, key, daemon, listeners. */
  public String describe() {
    List<String> where = new ArrayList<>();
    for (SocketAddress a : addresses()) {
      where.add(a instanceof InetSocketAddress i ? "http://" + i.getAddress().getHostAddress() + ":" + i.getPort()
          : "unix:" + a);
    }
    AppKey key = keeper.minter().key();
    return "dcap-sidecar: agent " + config.agentKind() + " at " + config.agent()
        + ", key " + key.type() + " " + key.keyId().hex0x() + (config.deriveKeyPath().isPresent() ? " (derived)" : " (generated)")
        + ", daemon " + config.daemon().orElse("none") + ", listening on " + String.join(", ", where);
  }

  @Override
  public void close() throws IOException {
    try {
      server.close();
    } finally {
      keeper.close();
    }
  }
}
