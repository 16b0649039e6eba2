package dev.dcapd.sidecar.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's answers to requests it must refuse, over a real Unix socket. */
class SmallHttpServerTest {
  @TempDir Path dir;

  private static String exchange(Path socket, String request) throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      Channels.newOutputStream(ch).write(request.getBytes(StandardCharsets.ISO_8859_1));
      ch.shutdownOutput();
      InputStream in = Channels.newInputStream(ch);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void theSocketIsForItsOwnerAndGroupOnly() throws Exception {
    Path socket = dir.resolve("p.sock");
    try (SmallHttpServer s = SmallHttpServer.unix(socket, 16, 1, r -> HttpResponse.json(200, "{}"))) {
      assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"),
          java.nio.file.Files.getPosixFilePermissions(socket));
    }
  }

  @Test
  void refusals() throws Exception {
    Path socket = dir.resolve("s.sock");
    try (SmallHttpServer s = SmallHttpServer.unix(socket, 16, 2,
        r -> HttpResponse.json(200, "{\"path\":\"" + r.path() + "\",\"query\":\"" + r.query() + "\",\"body\":" + r.body().length + "}"))) {
      String ok = exchange(socket, "POST /x?json HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}");
      assertTrue(ok.startsWith("HTTP/1.1 200"), ok);
      assertTrue(ok.endsWith("{\"path\":\"/x\",\"query\":\"json\",\"body\":2}"), ok);
      assertTrue(exchange(socket, "POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n").startsWith("HTTP/1.1 413"));
      assertTrue(exchange(socket, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").startsWith("HTTP/1.1 411"));
      assertTrue(exchange(socket, "GARBAGE\r\n\r\n").startsWith("HTTP/1.1 400"));
      assertTrue(exchange(socket, "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab").startsWith("HTTP/1.1 400"));
      assertTrue(exchange(socket, "GET / HTTP/1.1\r\nno colon here\r\n\r\n").startsWith("HTTP/1.1 400"));
      assertTrue(exchange(socket, "GET / HTTP/1.1\r\nX: " + "a".repeat(SmallHttpServer.MAX_HEAD_BYTES) + "\r\n\r\n")
          .startsWith("HTTP/1.1 431"));
      assertTrue(exchange(socket, "GET / HTTP/1.1\r\nHost: a").startsWith("HTTP/1.1 400"));
    }
  }

  @Test
  void aFailingHandlerIs500AndTheServerStaysUp() throws Exception {
    Path socket = dir.resolve("t.sock");
    try (SmallHttpServer s = SmallHttpServer.unix(socket, 16, 2, r -> {
      if (r.path().equals("/boom")) {
        throw new IllegalStateException("boom");
      }
      return HttpResponse.json(200, "{}");
    })) {
      String boom = exchange(socket, "GET /boom HTTP/1.1\r\n\r\n");
      assertTrue(boom.startsWith("HTTP/1.1 500"), boom);
      assertTrue(boom.contains("{\"error\":"));
      assertTrue(exchange(socket, "GET /fine HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 200"));
    }
    assertEquals(false, java.nio.file.Files.exists(socket));
  }
}
