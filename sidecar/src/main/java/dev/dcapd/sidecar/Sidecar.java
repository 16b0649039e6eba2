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
import dev.dcapd.sidecar.http.ApiToken;
import dev.dcapd.sidecar.http.LocalHttpServer;
import dev.dcapd.sidecar.key.AppKey;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
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
  private final Optional<ApiToken> token;

  private Sidecar(SidecarConfig config, Keeper keeper, LocalHttpServer server, Optional<ApiToken> token) {
    this.config = config;
    this.keeper = keeper;
    this.server = server;
    this.token = token;
  }

  /**
   * Connects to the agent, makes the app key (deriving it through the agent when configured, which
   * needs the agent now), writes a new API token when a listener is on TCP, starts the listeners
   * and the keeper.
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
    Optional<ApiToken> token = Optional.empty();
    try {
      if (config.listen().stream().anyMatch(l -> l.tcp().isPresent())) {
        token = Optional.of(ApiToken.create(config.stateDir().orElseThrow(), new SecureRandom()));
      }
      server = LocalHttpServer.start(addresses, LocalApi.MAX_BODY_BYTES, API_THREADS, api, "local-api",
          new LocalHttpServer.Access(token, LocalApi.OPEN_PATHS));
    } catch (IOException | RuntimeException e) {
      keeper.close();
      throw e;
    }
    keeper.start();
    return new Sidecar(config, keeper, server, token);
  }

  public Keeper keeper() {
    return keeper;
  }

  /** The addresses the local API is bound to (a TCP port 0 resolves here). */
  public List<SocketAddress> addresses() {
    return server.addresses();
  }

  /** The file holding the API token, when a listener is on TCP. */
  public Optional<Path> tokenFile() {
    return token.map(ApiToken::file);
  }

  /** One line for the log: agent, key, daemon, listeners, the token file. */
  public String describe() {
    List<String> where = new ArrayList<>();
    for (SocketAddress a : addresses()) {
      where.add(a instanceof InetSocketAddress i ? "http://" + i.getAddress().getHostAddress() + ":" + i.getPort()
          : "unix:" + a);
    }
    AppKey key = keeper.minter().key();
    return "dcap-sidecar: agent " + config.agentKind() + " at " + config.agent()
        + ", key " + key.type() + " " + key.keyId().hex0x() + (config.deriveKeyPath().isPresent() ? " (derived)" : " (generated)")
        + ", daemon " + config.daemon().orElse("none") + ", listening on " + String.join(", ", where)
        + token.map(t -> "; TCP callers send the API token in " + t.file()).orElse("");
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
