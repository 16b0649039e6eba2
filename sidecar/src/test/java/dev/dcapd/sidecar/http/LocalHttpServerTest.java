package dev.dcapd.sidecar.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local HTTP server's answers, refusals included, over real sockets: every answer must reach
 * the client whole, followed by an orderly end of stream, never by a connection reset.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalHttpServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  /** One answer as the client read it: its status line, and its body after the head. */
  record Answer(String raw) {
    int status() {
      assertTrue(raw.startsWith("HTTP/1.1 "), raw);
      return Integer.parseInt(raw.substring(9, 12));
    }

    String body() {
      int end = raw.indexOf("\r\n\r\n");
      assertTrue(end > 0, raw);
      return raw.substring(end + 4);
    }

    /** A refusal with this status and a JSON {@code {"error": text}} body. */
    void isRefusal(int expected) throws IOException {
      assertEquals(expected, status(), raw);
      JsonNode error = JSON.readTree(body()).get("error");
      assertTrue(error != null && error.isTextual() && !error.textValue().isBlank(), raw);
      assertFalse(error.textValue().contains("Exception"), raw);
    }
  }

  /**
   * Sends {@code request} (while reading, so a large request cannot block against an answer that
   * is not being read), half-closes, and reads the answer to the end of the stream. A connection
   * reset shows up here as an IOException and fails the test.
   */
  private static Answer exchange(SocketAddress server, byte[] request) throws Exception {
    try (SocketChannel ch = SocketChannel.open(server instanceof UnixDomainSocketAddress ? StandardProtocolFamily.UNIX
        : ((InetSocketAddress) server).getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6
        : StandardProtocolFamily.INET)) {
      ch.connect(server);
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          ByteBuffer b = ByteBuffer.wrap(request);
          while (b.hasRemaining()) {
            ch.write(b);
          }
          ch.shutdownOutput();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(8192);
      while (ch.read(buf) >= 0) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      sent.get(30, TimeUnit.SECONDS);
      return new Answer(out.toString(StandardCharsets.ISO_8859_1));
    }
  }

  private static Answer exchange(SocketAddress server, String request) throws Exception {
    return exchange(server, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static HttpResponse echo(HttpRequest r) {
    return HttpResponse.json(200, "{\"method\":\"" + r.method() + "\",\"path\":\"" + r.path() + "\",\"query\":\""
        + r.query() + "\",\"body\":" + r.body().length + "}");
  }

  @Test
  void theSocketIsForItsOwnerAndGroupOnlyAndReplacesAStaleOne() throws Exception {
    Path socket = dir.resolve("p.sock");
    Files.writeString(socket, "left over by a previous run");
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (LocalHttpServer s = LocalHttpServer.unix(socket, 16, 1, r -> HttpResponse.json(200, "{}"))) {
      assertEquals(PosixFilePermissions.fromString("rw-rw----"), Files.getPosixFilePermissions(socket));
      assertEquals(200, exchange(UnixDomainSocketAddress.of(socket), "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").status());
    }
    assertFalse(Files.exists(socket));
  }

  @RepeatedTest(50)
  void refusals() throws Exception {
    Path socket = dir.resolve("s.sock");
    try (LocalHttpServer s = LocalHttpServer.unix(socket, 16, 2, LocalHttpServerTest::echo)) {
      SocketAddress a = UnixDomainSocketAddress.of(socket);
      Answer ok = exchange(a, "POST /x?json HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}");
      assertEquals(200, ok.status(), ok.raw());
      assertEquals("{\"method\":\"POST\",\"path\":\"/x\",\"query\":\"json\",\"body\":2}", ok.body());
      // Announced too large: refused before the body is read, whether or not it is sent.
      exchange(a, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 17\r\n\r\n").isRefusal(413);
      exchange(a, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 17\r\n\r\n" + "x".repeat(17)).isRefusal(413);
      exchange(a, "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").isRefusal(411);
      exchange(a, "GARBAGE\r\n\r\n").isRefusal(400);
      exchange(a, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nab").isRefusal(400);
      exchange(a, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n").isRefusal(400);
      exchange(a, "GET / HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n").isRefusal(400);
      exchange(a, "GET / HTTP/1.1\r\nHost: localhost\r\nX: " + "a".repeat(LocalHttpServer.MAX_HEAD_BYTES) + "\r\n\r\n").isRefusal(431);
      // A client that ends its side in the middle of its head: Jetty 12.1 means to answer 400, but
      // the same pass that reads the end of stream shuts the connection's output, which usually
      // wins over the answer. What is certain is an orderly end, never a reset or a hang.
      Answer cutShort = exchange(a, "GET / HTTP/1.1\r\nHost: a");
      if (!cutShort.raw().isEmpty()) {
        cutShort.isRefusal(400);
      }
      // HTTP/1.1 requires Host (RFC 9112, 3.2).
      exchange(a, "GET / HTTP/1.1\r\n\r\n").isRefusal(400);
    }
  }

  @Test
  void anOversizedBodyIsRefusedAndTheRefusalArrivesWhileTheClientKeepsSending() throws Exception {
    int limit = 64 * 1024;
    Path socket = dir.resolve("b.sock");
    try (LocalHttpServer s = LocalHttpServer.unix(socket, limit, 2, LocalHttpServerTest::echo)) {
      SocketAddress a = UnixDomainSocketAddress.of(socket);
      byte[] body = new byte[4 * 1024 * 1024];
      byte[] head = ("POST /sign HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1);
      byte[] request = new byte[head.length + body.length];
      System.arraycopy(head, 0, request, 0, head.length);
      exchange(a, request).isRefusal(413);
      // A body at the limit is served.
      Answer ok = exchange(a, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + limit + "\r\n\r\n" + "x".repeat(limit));
      assertEquals(200, ok.status(), ok.raw());
      assertTrue(ok.body().endsWith("\"body\":" + limit + "}"), ok.body());
    }
  }

  @Test
  void aFailingHandlerIs500AndTheServerStaysUp() throws Exception {
    Path socket = dir.resolve("t.sock");
    try (LocalHttpServer s = LocalHttpServer.unix(socket, 16, 2, r -> {
      if (r.path().equals("/boom")) {
        throw new IllegalStateException("boom");
      }
      return HttpResponse.json(200, "{}");
    })) {
      SocketAddress a = UnixDomainSocketAddress.of(socket);
      Answer boom = exchange(a, "GET /boom HTTP/1.1\r\nHost: localhost\r\n\r\n");
      boom.isRefusal(500);
      assertFalse(boom.body().contains("boom"), boom.raw());
      assertEquals(200, exchange(a, "GET /fine HTTP/1.1\r\nHost: localhost\r\n\r\n").status());
    }
    assertFalse(Files.exists(socket));
  }

  @Test
  void everyListenerServesTheSameHandlerAndTcpPortZeroResolves() throws Exception {
    Path socket = dir.resolve("u.sock");
    ApiToken token = ApiToken.create(dir.resolve("state"), new SecureRandom());
    String bearer = "Authorization: Bearer " + Files.readString(token.file()).strip() + "\r\n";
    try (LocalHttpServer s = LocalHttpServer.start(
        List.of(UnixDomainSocketAddress.of(socket), new InetSocketAddress("127.0.0.1", 0)), 16, 2,
        LocalHttpServerTest::echo, "test", new LocalHttpServer.Access(Optional.of(token), Set.of()))) {
      List<SocketAddress> addresses = s.addresses();
      assertEquals(UnixDomainSocketAddress.of(socket), addresses.get(0));
      InetSocketAddress tcp = (InetSocketAddress) addresses.get(1);
      assertTrue(tcp.getPort() > 0);
      for (SocketAddress a : addresses) {
        Answer ok = exchange(a, "GET /p?q=1 HTTP/1.1\r\nHost: localhost\r\n" + bearer + "\r\n");
        assertEquals("{\"method\":\"GET\",\"path\":\"/p\",\"query\":\"q=1\",\"body\":0}", ok.body());
        exchange(a, "POST / HTTP/1.1\r\nHost: localhost\r\n" + bearer + "Content-Length: 17\r\n\r\n" + "x".repeat(17))
            .isRefusal(413);
      }
    }
  }

  @Test
  void aTcpListenerNeedsAToken() {
    assertThrows(IllegalArgumentException.class, () -> LocalHttpServer.start(List.of(new InetSocketAddress("127.0.0.1", 0)),
        16, 1, LocalHttpServerTest::echo, "test", LocalHttpServer.Access.SOCKET_MODE_ONLY));
  }

  /** Who may call, over raw sockets: the Host rule on every listener, the token rule on TCP. */
  @RepeatedTest(5)
  void theGuardRefusesOtherHostsAndTcpCallersWithoutTheToken() throws Exception {
    Path socket = dir.resolve("g.sock");
    ApiToken token = ApiToken.create(dir.resolve("state"), new SecureRandom());
    String right = Files.readString(token.file()).strip();
    AtomicInteger handled = new AtomicInteger();
    try (LocalHttpServer s = LocalHttpServer.start(
        List.of(UnixDomainSocketAddress.of(socket), new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("::1", 0)),
        1 << 20, 2, r -> {
          handled.incrementAndGet();
          // The token stops at the guard.
          assertTrue(r.header("authorization").isEmpty());
          return echo(r);
        }, "test", new LocalHttpServer.Access(Optional.of(token), Set.of("/open")))) {
      SocketAddress unix = s.addresses().get(0);
      InetSocketAddress v4 = (InetSocketAddress) s.addresses().get(1);
      InetSocketAddress v6 = (InetSocketAddress) s.addresses().get(2);
      String bearer = "Authorization: Bearer " + right + "\r\n";
      int port = v4.getPort();

      // TCP without the token, with a wrong one, or with another scheme: 401, the handler never called.
      for (String auth : new String[] {"", "Authorization: Bearer " + "0".repeat(64) + "\r\n",
          "Authorization: Bearer " + right.substring(1) + "\r\n", "Authorization: Bearer\r\n",
          "Authorization: Basic " + right + "\r\n", "Authorization: " + right + "\r\n"}) {
        Answer a = exchange(v4, "POST /sign HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + auth
            + "Content-Length: 2\r\n\r\n{}");
        a.isRefusal(401);
        assertTrue(header(a, "WWW-Authenticate").startsWith("Bearer"), a.raw());
      }
      // An open path needs no token over TCP, but only for GET.
      assertEquals(200, exchange(v4, "GET /open HTTP/1.1\r\nHost: localhost\r\n\r\n").status());
      exchange(v4, "POST /open HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n").isRefusal(401);
      assertEquals(1, handled.get());

      // With the token (any case of the scheme), on TCP and on the socket.
      for (String auth : new String[] {bearer, "authorization: bearer " + right + "\r\n", "Authorization: BEARER  " + right + "\r\n"}) {
        assertEquals(200, exchange(v4, "POST /sign HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + auth
            + "Content-Length: 2\r\n\r\n{}").status());
        assertEquals(200, exchange(unix, "POST /sign HTTP/1.1\r\nHost: localhost\r\n" + auth
            + "Content-Length: 2\r\n\r\n{}").status());
      }
      // The socket needs no token (its file mode is its access control), but refuses a wrong one.
      assertEquals(200, exchange(unix, "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n").status());
      exchange(unix, "GET /x HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer nope\r\n\r\n").isRefusal(401);

      // The listener's own address or localhost, with or without its own port.
      for (String host : new String[] {"127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "localhost", "LOCALHOST"}) {
        assertEquals(200, exchange(v4, "GET /x HTTP/1.1\r\nHost: " + host + "\r\n" + bearer + "\r\n").status(), host);
      }
      for (String host : new String[] {"[::1]:" + v6.getPort(), "[::1]", "[0:0:0:0:0:0:0:1]", "localhost:" + v6.getPort()}) {
        assertEquals(200, exchange(v6, "GET /x HTTP/1.1\r\nHost: " + host + "\r\n" + bearer + "\r\n").status(), host);
      }
      // Anything else is another server's name: refused with the token too, before the token is looked at.
      int before = handled.get();
      for (String host : new String[] {"evil.example", "evil.example:" + port, "127.0.0.1:" + (port == 1 ? 2 : port - 1),
          "localhost:" + (port == 1 ? 2 : port - 1), "127.0.0.2:" + port, "127.1:" + port, "localhost.:" + port,
          "[::1]:" + port, "0.0.0.0:" + port}) {
        exchange(v4, "GET /x HTTP/1.1\r\nHost: " + host + "\r\n" + bearer + "\r\n").isRefusal(421);
        exchange(v4, "GET /open HTTP/1.1\r\nHost: " + host + "\r\n\r\n").isRefusal(421);
      }
      exchange(v6, "GET /x HTTP/1.1\r\nHost: 127.0.0.1:" + v6.getPort() + "\r\n" + bearer + "\r\n").isRefusal(421);
      // An absolute request target names the host too; Jetty refuses it disagreeing with Host.
      Answer absolute = exchange(v4, "GET http://evil.example/x HTTP/1.1\r\nHost: evil.example\r\n" + bearer + "\r\n");
      absolute.isRefusal(421);
      assertTrue(exchange(v4, "GET http://evil.example/x HTTP/1.1\r\nHost: localhost\r\n" + bearer + "\r\n").status() >= 400);
      // HTTP/1.0 without Host: not over TCP, where a browser always names the host.
      exchange(v4, "GET /x HTTP/1.0\r\n" + bearer + "\r\n").isRefusal(421);
      // The socket answers for localhost, what curl --unix-socket ... http://localhost/ sends. Without
      // a Host, Jetty finds no authority for a Unix socket and refuses the request by itself.
      assertEquals(200, exchange(unix, "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n").status());
      exchange(unix, "GET /x HTTP/1.0\r\n\r\n").isRefusal(400);
      assertEquals(200, exchange(unix, "GET /x HTTP/1.1\r\nHost: localhost:80\r\n\r\n").status());
      for (String host : new String[] {"evil.example", "127.0.0.1", "a"}) {
        exchange(unix, "GET /x HTTP/1.1\r\nHost: " + host + "\r\n\r\n").isRefusal(421);
      }
      // Of everything since, only the two requests for localhost on the socket reached the handler.
      assertEquals(before + 2, handled.get());
    }
  }

  @Test
  void theTokenFileIsTheOwnersOnlyAndEachTokenIsNew() throws Exception {
    Path state = dir.resolve("new-state");
    ApiToken first = ApiToken.create(state, new SecureRandom());
    assertEquals(state.resolve(ApiToken.FILE_NAME), first.file());
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(first.file()));
    assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(state));
    String one = Files.readString(first.file());
    assertTrue(one.matches("[0-9a-f]{64}\n"), one);
    // A second start replaces it, with the same mode, and leaves no temporary file behind.
    Files.setPosixFilePermissions(first.file(), PosixFilePermissions.fromString("rw-r--r--"));
    ApiToken second = ApiToken.create(state, new SecureRandom());
    String two = Files.readString(second.file());
    assertTrue(two.matches("[0-9a-f]{64}\n"), two);
    assertFalse(one.equals(two));
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(second.file()));
    try (var files = Files.list(state)) {
      assertEquals(List.of(second.file()), files.toList());
    }
    assertTrue(second.matches(Optional.of("Bearer " + two.strip())));
    assertFalse(second.matches(Optional.of("Bearer " + one.strip())));
    assertFalse(second.matches(Optional.empty()));
  }

  private static String header(Answer a, String name) {
    for (String line : a.raw().substring(0, a.raw().indexOf("\r\n\r\n")).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
        return line.substring(colon + 1).strip();
      }
    }
    return "";
  }

  @Test
  void requestsBeyondTheThreadLimitAreAnsweredBusy() throws Exception {
    Path socket = dir.resolve("busy.sock");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (LocalHttpServer s = LocalHttpServer.unix(socket, 16, 1, r -> {
      if (r.path().equals("/slow")) {
        entered.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return HttpResponse.json(200, "{}");
    })) {
      SocketAddress a = UnixDomainSocketAddress.of(socket);
      CompletableFuture<Answer> slow = CompletableFuture.supplyAsync(() -> {
        try {
          return exchange(a, "GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertTrue(entered.await(30, TimeUnit.SECONDS));
      exchange(a, "GET /other HTTP/1.1\r\nHost: localhost\r\n\r\n").isRefusal(503);
      release.countDown();
      assertEquals(200, slow.get(30, TimeUnit.SECONDS).status());
      assertEquals(200, exchange(a, "GET /other HTTP/1.1\r\nHost: localhost\r\n\r\n").status());
    } finally {
      release.countDown();
    }
  }
}
