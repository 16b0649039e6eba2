package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.daemon.testing.LiveDaemon;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads that send their body slowly, many of them from one address, must not stall the HTTP
 * API: while they hang, {@code /healthz}, a report read and a normal upload each answer in
 * bounded time; and the slow uploads themselves are cut off by the idle timeout (sending
 * nothing) or the minimum data rate (sending a trickle) in bounded time.
 */
class SlowUploadTest {
  private static final int SLOW = 64;
  /** What each answer wanted while the slow uploads hang must come within. */
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
  private static final Duration IDLE = Duration.ofSeconds(10);
  private static final long MIN_RATE = 1024;
  /** Every slow upload must have been cut off by then: idle timeout or rate, plus slack for a busy machine. */
  private static final Duration CUT_OFF_WITHIN = Duration.ofSeconds(30);

  @Test
  void slowUploadsFromOneAddressStallNothingAndAreCutOff(@TempDir Path dir) throws Exception {
    List<Socket> slow = new ArrayList<>();
    try (LiveDaemon daemon = LiveDaemon.startWithHttp(dir, 10_000, IDLE, MIN_RATE)) {
      URI base = URI.create(daemon.httpUrl());
      HttpClient http = HttpClient.newBuilder().connectTimeout(ANSWER_WITHIN).build();
      // One upload stored first, so that its report can be read while the slow ones hang.
      assertEquals(200, send(http, base, "POST", "/api/v1/attestations/verify", LiveDaemon.TDX, Duration.ofSeconds(60)).statusCode());
      // And the other quote, so that the normal upload below is as fast as it is after a start.
      send(http, base, "POST", "/api/v1/attestations/verify", LiveDaemon.SGX, Duration.ofSeconds(60));

      // Half send nothing of their body, half a trickle of it (one byte at a time, below the rate).
      for (int i = 0; i < SLOW; i++) {
        Socket s = new Socket(base.getHost(), base.getPort());
        slow.add(s);
        s.setSoTimeout(250);
        String path = i % 2 == 0 ? "/api/v1/attestations/verify" : "/reports";
        s.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Length: " + LiveDaemon.TDX.length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
      }
      trickle(slow, 1);

      long t0 = System.nanoTime();
      HttpResponse<String> health = send(http, base, "GET", "/healthz", null);
      assertEquals(200, health.statusCode());
      HttpResponse<String> view = send(http, base, "GET", "/api/v1/attestations/view/" + LiveDaemon.TDX_CHECKSUM, null);
      assertEquals(200, view.statusCode());
      HttpResponse<String> upload = send(http, base, "POST", "/api/v1/attestations/verify", LiveDaemon.SGX);
      assertTrue(upload.statusCode() == 200 || upload.statusCode() == 400, "an answer on the upload's merits: " + upload.statusCode());
      trickle(slow, 1);
      assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(ANSWER_WITHIN.multipliedBy(3)) < 0);

      // The slow uploads are cut off: each connection answers 408/400 or is closed, within the bound.
      long deadline = System.nanoTime() + CUT_OFF_WITHIN.toNanos();
      List<Socket> open = new ArrayList<>(slow);
      int rounds = 0;
      while (!open.isEmpty() && System.nanoTime() < deadline && rounds++ < 400) {
        trickle(open, 2);
        open.removeIf(SlowUploadTest::answeredOrClosed);
        Thread.sleep(200);
      }
      assertEquals(0, open.size(), "slow uploads still open after " + CUT_OFF_WITHIN);
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }

  /** Sends one more byte of body on every other socket (the odd ones): a trickle far below the rate. */
  private static void trickle(List<Socket> sockets, int round) {
    for (int i = 0; i < sockets.size(); i++) {
      Socket s = sockets.get(i);
      if (i % 2 == 1 && !s.isClosed()) {
        try {
          OutputStream out = s.getOutputStream();
          out.write(round);
          out.flush();
        } catch (IOException e) {
          // Closed by the server: that is the point.
        }
      }
    }
  }

  /** Whether the server has answered (a status other than 2xx) or closed this connection. */
  private static boolean answeredOrClosed(Socket s) {
    try {
      InputStream in = s.getInputStream();
      byte[] head = new byte[12];
      int n = in.read(head);
      if (n < 0) {
        return true;
      }
      String status = new String(head, 0, n, StandardCharsets.US_ASCII);
      assertTrue(status.startsWith("HTTP/1.1 408") || status.startsWith("HTTP/1.1 400"), "cut off with: " + status);
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  private static HttpResponse<String> send(HttpClient http, URI base, String method, String path, byte[] body)
      throws Exception {
    return send(http, base, method, path, body, ANSWER_WITHIN);
  }

  private static HttpResponse<String> send(HttpClient http, URI base, String method, String path, byte[] body,
      Duration within) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(within);
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
        : b.header("Content-Type", "application/octet-stream").method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
