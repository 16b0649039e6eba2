package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A probe is answered while every API thread is taken: a real Jetty server on 127.0.0.1 with a
 * small pool, whose API requests all block, answers {@code /healthz} through {@link HealthLane};
 * the same server without it does not.
 */
class HealthLaneTest {
  private static final int POOL = 8;
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger blocked = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private Server server;

  /** Blocks every request but the health paths until released, as reads waiting on a slow source would. */
  private final class Busy extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (!HealthLane.PATHS.contains(Request.getPathInContext(request))) {
        blocked.incrementAndGet();
        release.await(30, TimeUnit.SECONDS);
      }
      response.setStatus(HttpStatus.OK_200);
      callback.succeeded();
      return true;
    }
  }

  /**
   * A server on 127.0.0.1 whose requests all block but the health paths: with the lane, on an API
   * pool of {@link #POOL} threads apart from Jetty's; without it, on Jetty's pool of that size.
   */
  private int start(boolean lane) throws Exception {
    QueuedThreadPool pool = new QueuedThreadPool(POOL, 2);
    pool.setDaemon(true);
    QueuedThreadPool io = new QueuedThreadPool(POOL, 2);
    io.setDaemon(true);
    server = new Server(lane ? io : pool);
    if (lane) {
      server.addBean(pool);
    }
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setDynamic(false);
    server.setHandler(lane ? new HealthLane(new Busy(), pool) : new Busy());
    server.start();
    return connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    if (server != null) {
      server.stop();
    }
  }

  /** Fills the API's threads with requests that block, and waits until they do. */
  private List<CompletableFuture<HttpResponse<Void>>> saturate(int port) throws Exception {
    List<CompletableFuture<HttpResponse<Void>>> calls = new ArrayList<>();
    for (int i = 0; i < 2 * POOL; i++) {
      calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/attestations/recent"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding()));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int seen = -1;
    // Every thread the pool can give to a request is blocked once the count stops rising.
    while (System.nanoTime() < deadline) {
      Thread.sleep(300);
      int now = blocked.get();
      if (now > 0 && now == seen) {
        break;
      }
      seen = now;
    }
    return calls;
  }

  private HttpResponse<Void> probe(int port) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding());
  }

  @Test
  void withoutItAProbeWaitsBehindTheBlockedRequests() throws Exception {
    int port = start(false);
    saturate(port);
    assertThrows(HttpTimeoutException.class, () -> probe(port));
  }

  @Test
  void aProbeIsAnsweredWhileEveryApiThreadIsTaken() throws Exception {
    int port = start(true);
    List<CompletableFuture<HttpResponse<Void>>> calls = saturate(port);
    for (int i = 0; i < 5; i++) {
      assertEquals(200, probe(port).statusCode());
    }
    release.countDown();
    for (CompletableFuture<HttpResponse<Void>> c : calls) {
      assertEquals(200, c.get(30, TimeUnit.SECONDS).statusCode(), "the API's requests are answered once free");
    }
  }
}
