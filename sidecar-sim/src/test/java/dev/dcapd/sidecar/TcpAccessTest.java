package dev.dcapd.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.sidecar.agent.AgentEndpoint;
import dev.dcapd.sidecar.http.ApiToken;
import dev.dcapd.sidecar.http.LocalHttpServer;
import dev.dcapd.sidecar.key.AppKey;
import dev.dcapd.sidecar.sim.Simulator;
import dev.dcapd.verifier.Backoff;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may use the attested key through a running sidecar (simulated guest agent, real listeners):
 * over TCP, which any local user and any container in the network namespace can reach, only a
 * caller with the API token from the state directory; on every listener, only requests for the
 * listener's own address or localhost. A refused caller makes the sidecar sign nothing and ask the
 * agent for no quote.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TcpAccessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  @TempDir Path dir;
  Simulator sim;
  LocalHttpServer countingAgent;
  final AtomicInteger quoteRequests = new AtomicInteger();
  Sidecar sidecar;
  Path socket;
  InetSocketAddress tcp;
  Path state;

  @BeforeEach
  void start() throws Exception {
    sim = Simulator.start(dir.resolve("sim"), 5);
    // The simulated agent's own handler, behind a socket that counts the quotes asked of it.
    Path agentSocket = dir.resolve("counting-agent.sock");
    countingAgent = LocalHttpServer.unix(agentSocket, 1 << 20, 4, r -> {
      if (r.path().endsWith("GetQuote")) {
        quoteRequests.incrementAndGet();
      }
      return sim.agent().dstack(r);
    });
    socket = dir.resolve("api.sock");
    // Traversable by other users (as /var/lib is), so only the token file's own mode keeps them out.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    state = dir.resolve("state");
    sidecar = Sidecar.start(new SidecarConfig(AgentEndpoint.unix(agentSocket), "dstack", Duration.ofSeconds(10),
        Optional.empty(), Duration.ofSeconds(10), List.of(Listen.unix(socket), Listen.parse("127.0.0.1:0")), KeyType.P256,
        Optional.empty(), Duration.ofHours(1), new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)), 100,
        Duration.ofSeconds(1), Optional.of(state)), Clock.systemUTC());
    tcp = (InetSocketAddress) sidecar.addresses().get(1);
    // The first attestation is minted at start; wait for it so that every quote after it is ours.
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (call(UnixDomainSocketAddress.of(socket), "GET", "/attestation", "localhost", null, null).status() != 200) {
      assertTrue(System.nanoTime() < deadline, "no first attestation");
      Thread.sleep(50);
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (sidecar != null) {
      sidecar.close();
    }
    if (countingAgent != null) {
      countingAgent.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  record Answer(int status, List<String> head, String body) {
    String header(String name) {
      for (String line : head) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).strip();
        }
      }
      return null;
    }

    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  /** One request on its own connection, written byte for byte as given (the Host included). */
  static Answer call(SocketAddress to, String method, String path, String host, String token, String body) throws IOException {
    StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
    if (token != null) {
      req.append("Authorization: Bearer ").append(token).append("\r\n");
    }
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      req.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\n");
    }
    req.append("\r\n");
    try (SocketChannel ch = SocketChannel.open(to instanceof UnixDomainSocketAddress ? StandardProtocolFamily.UNIX
        : StandardProtocolFamily.INET)) {
      ch.connect(to);
      ByteBuffer out = ByteBuffer.allocate(req.length() + b.length);
      out.put(req.toString().getBytes(StandardCharsets.ISO_8859_1)).put(b).flip();
      while (out.hasRemaining()) {
        ch.write(out);
      }
      ByteArrayOutputStream in = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(8192);
      while (ch.read(buf) >= 0) {
        in.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      String raw = in.toString(StandardCharsets.UTF_8);
      int end = raw.indexOf("\r\n\r\n");
      assertTrue(raw.startsWith("HTTP/1.1 ") && end > 0, raw);
      List<String> head = List.of(raw.substring(0, end).split("\r\n"));
      return new Answer(Integer.parseInt(raw.substring(9, 12)), head, raw.substring(end + 4));
    }
  }

  String token() throws IOException {
    return Files.readString(sidecar.tokenFile().orElseThrow()).strip();
  }

  String self() {
    return "127.0.0.1:" + tcp.getPort();
  }

  private static final String SIGN = "{\"message\":\"" + Bytes.of("pay 10 to mallory".getBytes(StandardCharsets.UTF_8)).hex() + "\"}";
  private static final String QUOTE = "{\"nonce\":\"0badc0ffee\"}";

  /** Every request that uses the key or the agent, refused: nothing signed, no quote asked for. */
  private void assertRefusedAndNothingUsed(SocketAddress to, String host, String token, int status) throws Exception {
    AppKey key = sidecar.keeper().minter().key();
    long signed = key.signatures();
    int quotes = quoteRequests.get();
    for (String[] c : new String[][] {{"POST", "/sign", SIGN}, {"POST", "/quote", QUOTE}, {"POST", "/attestation", ""},
        {"GET", "/attestation", null}}) {
      Answer a = call(to, c[0], c[1], host, token, c[2]);
      assertEquals(status, a.status(), c[0] + " " + c[1] + " -> " + a.body());
      assertTrue(a.json().get("error").isTextual(), a.body());
      assertFalse(a.body().contains("signature") || a.body().contains("quote\""), a.body());
      if (status == 401) {
        assertTrue(a.header("WWW-Authenticate") != null && a.header("WWW-Authenticate").startsWith("Bearer"), a.head().toString());
      }
    }
    assertEquals(signed, key.signatures(), "something was signed for a refused caller");
    assertEquals(quotes, quoteRequests.get(), "the agent was asked for a quote for a refused caller");
  }

  @Test
  void overTcpOnlyTheTokenHolderSignsAndGetsQuotes() throws Exception {
    // Without the token (what another local user has), and with a wrong one: 401.
    assertRefusedAndNothingUsed(tcp, self(), null, 401);
    assertRefusedAndNothingUsed(tcp, self(), "0".repeat(64), 401);
    StringBuilder almost = new StringBuilder(token());
    almost.setCharAt(0, almost.charAt(0) == 'a' ? 'b' : 'a');
    assertRefusedAndNothingUsed(tcp, self(), almost.toString(), 401);
    // A health probe needs no secret.
    assertEquals(200, call(tcp, "GET", "/healthz", self(), null, null).status());

    // With the token: the API works over TCP.
    AppKey key = sidecar.keeper().minter().key();
    Answer sig = call(tcp, "POST", "/sign", self(), token(), SIGN);
    assertEquals(200, sig.status(), sig.body());
    assertTrue(AppKey.verify(KeyType.P256, key.publicKeyXY(), Bytes.of("pay 10 to mallory".getBytes(StandardCharsets.UTF_8)),
        Bytes.fromHex(sig.json().get("signature").textValue())));
    int quotes = quoteRequests.get();
    Answer q = call(tcp, "POST", "/quote", "localhost:" + tcp.getPort(), token(), QUOTE);
    assertEquals(200, q.status(), q.body());
    assertEquals("0badc0ffee", q.json().get("nonce").textValue());
    assertEquals(quotes + 1, quoteRequests.get());
    assertEquals(200, call(tcp, "GET", "/attestation", "localhost", token(), null).status());

    // The Unix socket keeps working without the token, and takes it too.
    SocketAddress unix = UnixDomainSocketAddress.of(socket);
    assertEquals(200, call(unix, "POST", "/sign", "localhost", null, SIGN).status());
    assertEquals(200, call(unix, "POST", "/sign", "localhost", token(), SIGN).status());
    assertRefusedAndNothingUsed(unix, "localhost", "not-the-token", 401);
  }

  @Test
  void anotherHostIsRefusedOnEveryListenerTokenOrNot() throws Exception {
    // DNS rebinding: a page from evil.example, its name now pointing at 127.0.0.1.
    for (String host : new String[] {"evil.example", "evil.example:" + tcp.getPort(), "127.0.0.1:" + (tcp.getPort() ^ 1)}) {
      assertRefusedAndNothingUsed(tcp, host, null, 421);
      assertRefusedAndNothingUsed(tcp, host, token(), 421);
      assertEquals(421, call(tcp, "GET", "/healthz", host, null, null).status());
    }
    SocketAddress unix = UnixDomainSocketAddress.of(socket);
    assertRefusedAndNothingUsed(unix, "evil.example", null, 421);
    assertRefusedAndNothingUsed(unix, "evil.example", token(), 421);
  }

  @Test
  void theTokenFileIsTheOwnersOnlyAndNamedAtStart() throws Exception {
    Path file = sidecar.tokenFile().orElseThrow();
    assertEquals(state.resolve(ApiToken.FILE_NAME), file);
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    assertTrue(token().matches("[0-9a-f]{64}"));
    assertTrue(sidecar.describe().contains(file.toString()), sidecar.describe());
    // A restart makes a new token; the old one no longer opens anything.
    String old = token();
    sidecar.close();
    sidecar = Sidecar.start(new SidecarConfig(AgentEndpoint.unix(sim.dstackSocket()), "dstack", Duration.ofSeconds(10),
        Optional.empty(), Duration.ofSeconds(10), List.of(Listen.unix(socket), Listen.parse("127.0.0.1:0")), KeyType.P256,
        Optional.empty(), Duration.ofHours(1), new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)), 100,
        Duration.ofSeconds(1), Optional.of(state)), Clock.systemUTC());
    tcp = (InetSocketAddress) sidecar.addresses().get(1);
    assertNotEquals(old, token());
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    assertEquals(401, call(tcp, "POST", "/sign", self(), old, SIGN).status());
    assertEquals(200, call(tcp, "POST", "/sign", self(), token(), SIGN).status());
  }

  /**
   * As another user ({@code nobody}, through {@code setpriv}) with curl: the TCP listener refuses
   * it, the token file cannot be read, the Unix socket cannot be opened. And curl's own Host over
   * a socket ({@code localhost}) is the one the socket answers for.
   */
  @Test
  void anotherLocalUserGetsNothing() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run a command as nobody");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv to run a command as nobody");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "needs curl");
    List<String> asNobody = List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    String url = "http://" + self() + "/sign";
    Run sign = run(concat(asNobody, "/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
        "Content-Type: application/json", "--data", SIGN, url));
    assertEquals("401", sign.out().strip(), sign.toString());
    Run read = run(concat(asNobody, "/bin/cat", sidecar.tokenFile().orElseThrow().toString()));
    assertNotEquals(0, read.code(), read.toString());
    assertFalse(read.out().contains(token()));
    Run viaSocket = run(concat(asNobody, "/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket",
        socket.toString(), "http://localhost/healthz"));
    assertEquals("000", viaSocket.out().strip(), viaSocket.toString());
    // The owner, with curl's own Host header over the socket and with the token over TCP.
    assertEquals("200", run(List.of("/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket",
        socket.toString(), "http://localhost/healthz")).out().strip());
    assertEquals("421", run(List.of("/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket",
        socket.toString(), "http://evil.example/healthz")).out().strip());
    assertEquals("200", run(List.of("/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
        "Authorization: Bearer " + token(), "-H", "Content-Type: application/json", "--data", SIGN, url)).out().strip());
  }

  record Run(int code, String out) {}

  private static List<String> concat(List<String> prefix, String... rest) {
    List<String> all = new ArrayList<>(prefix);
    all.addAll(List.of(rest));
    return all;
  }

  private static Run run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("did not finish: " + command);
    }
    return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}
