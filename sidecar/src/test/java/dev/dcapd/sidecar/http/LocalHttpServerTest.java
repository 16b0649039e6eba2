package dev.dcapd.sidecar.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
    try (SocketChannel ch = SocketChannel.open(server instanceof UnixDomainSocketAddress
        ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET)) {
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
      assertEquals(200, exchange(UnixDomainSocketAddress.of(socket), "GET / HTTP/1.1\r\nHost: a\r\n\r\n").status());
    }
    assertFalse(Files.exists(socket));
  }

  @RepeatedTest(50)
  void refusals() throws Exception {
    Path socket = dir.resolve("s.sock");
    try (LocalHttpServer s = LocalHttpServer.unix(socket, 16, 2, LocalHttpServerTest::echo)) {
      SocketAddress a = UnixDomainSocketAddress.of(socket);
      Answer ok = exchange(a, "POST /x?json HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}");
      assertEquals(200, ok.status(), ok.raw());
      assertEquals("{\"method\":\"POST\",\"path\":\"/x\",\"query\":\"json\",\"body\":2}", ok.body());
      // Announced too large: refused before the body is read, whether or not it is sent.
      exchange(a, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n").isRefusal(413);
      exchange(a, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n" + "x".repeat(17)).isRefusal(413);
      exchange(a, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").isRefusal(411);
      exchange(a, "GARBAGE\r\n\r\n").isRefusal(400);
      exchange(a, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab").isRefusal(400);
      exchange(a, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n").isRefusal(400);
      exchange(a, "GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n").isRefusal(400);
      exchange(a, "GET / HTTP/1.1\r\nHost: a\r\nX: " + "a".repeat(LocalHttpServer.MAX_HEAD_BYTES) + "\r\n\r\n").isRefusal(431);
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
      byte[] head = ("POST /sign HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1);
      byte[] request = new byte[head.length + body.length];
      System.arraycopy(head, 0, request, 0, head.length);
      exchange(a, request).isRefusal(413);
      // A body at the limit is served.
      Answer ok = exchange(a, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + limit + "\r\n\r\n" + "x".repeat(limit));
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
      Answer boom = exchange(a, "GET /boom HTTP/1.1\r\nHost: a\r\n\r\n");
      boom.isRefusal(500);
      assertFalse(boom.body().contains("boom"), boom.raw());
      assertEquals(200, exchange(a, "GET /fine HTTP/1.1\r\nHost: a\r\n\r\n").status());
    }
    assertFalse(Files.exists(socket));
  }

  @Test
  void everyListenerServesTheSameHandlerAndTcpPortZeroResolves() throws Exception {
    Path socket = dir.resolve("u.sock");
    try (LocalHttpServer s = LocalHttpServer.start(
        List.of(UnixDomainSocketAddress.of(socket), new InetSocketAddress("127.0.0.1", 0)), 16, 2,
        LocalHttpServerTest::echo, "test")) {
      List<SocketAddress> addresses = s.addresses();
      assertEquals(UnixDomainSocketAddress.of(socket), addresses.get(0));
      InetSocketAddress tcp = (InetSocketAddress) addresses.get(1);
      assertTrue(tcp.getPort() > 0);
      for (SocketAddress a : addresses) {
        Answer ok = exchange(a, "GET /p?q=1 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("{\"method\":\"GET\",\"path\":\"/p\",\"query\":\"q=1\",\"body\":0}", ok.body());
        exchange(a, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n" + "x".repeat(17)).isRefusal(413);
      }
    }
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
          return exchange(a, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertTrue(entered.await(30, TimeUnit.SECONDS));
      exchange(a, "GET /other HTTP/1.1\r\nHost: a\r\n\r\n").isRefusal(503);
      release.countDown();
      assertEquals(200, slow.get(30, TimeUnit.SECONDS).status());
      assertEquals(200, exchange(a, "GET /other HTTP/1.1\r\nHost: a\r\n\r\n").status());
    } finally {
      release.countDown();
    }
  }
}
