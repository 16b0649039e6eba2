package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.daemon.testing.LiveDaemon;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload over {@code --max-message-bytes} is answered 413, and the client gets that answer: a
 * server that answers without reading the body and then closes can have its answer lost to a
 * connection reset while the client is still sending. Each size is sent many times, because the
 * loss is a race.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OversizedUploadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** LiveDaemon's --max-message-bytes. */
  private static final int LIMIT = 131072;
  private static final int ROUNDS = 12;

  @TempDir static Path dir;
  private LiveDaemon daemon;
  private HttpClient http;

  @BeforeAll
  void start() throws Exception {
    daemon = LiveDaemon.startWithHttp(dir, 10_000);
    http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  @AfterAll
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  void anUploadOverTheLimitIsAnswered413EveryTime() throws Exception {
    for (int size : new int[] {LIMIT + 1, 200_000, QuoteUpload.DRAIN_FACTOR * LIMIT}) {
      for (int i = 0; i < ROUNDS; i++) {
        HttpResponse<String> r = post("/api/v1/attestations/verify", "application/octet-stream", new byte[size]);
        assertEquals(413, r.statusCode(), size + " bytes");
        assertEquals("RESOURCE_EXHAUSTED", JSON.readTree(r.body()).get("code").textValue());
        HttpResponse<String> page = post("/reports", "application/octet-stream", new byte[size]);
        assertEquals(413, page.statusCode(), size + " bytes, upload form");
      }
    }
  }

  /** A chunked body declares no length: it is refused once it has been read past the limit. */
  @Test
  void aChunkedUploadOverTheLimitIsAnswered413EveryTime() throws Exception {
    for (int i = 0; i < ROUNDS; i++) {
      try (Socket s = connect()) {
        OutputStream out = s.getOutputStream();
        out.write(("POST /api/v1/attestations/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        byte[] chunk = new byte[16384];
        for (int sent = 0; sent < 4 * LIMIT; sent += chunk.length) {
          out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(chunk);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertTrue(statusLine(s.getInputStream()).startsWith("HTTP/1.1 413 "));
      }
    }
  }

  /**
   * Past what the server reads to let the client see its answer, it answers at once and does not
   * wait for the body: the client gets 413 while it has sent nothing of it.
   */
  @Test
  void aDeclaredLengthFarOverTheLimitIsAnsweredWithoutWaitingForTheBody() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(("POST /api/v1/attestations/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/octet-stream\r\nContent-Length: " + (1L << 30) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      assertTrue(statusLine(s.getInputStream()).startsWith("HTTP/1.1 413 "));
    }
  }

  private Socket connect() throws Exception {
    URI u = URI.create(daemon.httpUrl());
    Socket s = new Socket(u.getHost(), u.getPort());
    s.setSoTimeout((int) TIMEOUT.toMillis());
    return s;
  }

  private static String statusLine(InputStream in) throws Exception {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
      line.write(b);
    }
    return line.toString(StandardCharsets.US_ASCII).trim();
  }

  private HttpResponse<String> post(String path, String type, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(daemon.httpUrl() + path)).timeout(TIMEOUT)
        .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
