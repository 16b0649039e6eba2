package dev.dcapd.daemon.http;

import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Runs {@code /healthz} and {@code /metrics} on a small pool of their own and every other request
 * on the API's pool, leaving Jetty's own threads to accept, read and write: a load balancer's probe
 * and a scrape are answered however busy the API is (a flood of reads, report pages waiting for
 * collateral), so a saturated replica is not mistaken for a dead one. Jetty sets up each new
 * connection on its own pool, so API work must not fill that pool either.
 *
 * <p>It tells Jetty it never blocks, so a server whose handlers are fixed ({@code setDynamic(false)})
 * calls it on the thread that parsed the request, and it hands every request to one pool or the
 * other at once. The health pool's queue is bounded: past it a probe gets 503, which is what a
 * probe of a replica that cannot answer should get.
 */
final class HealthLane extends Handler.Wrapper {
  /** The paths that take the health lane. */
  static final Set<String> PATHS = Set.of("/healthz", "/metrics");
  private static final int THREADS = 2;
  private static final int QUEUE = 64;

  private final Executor api;
  private final ThreadPoolExecutor health;

  /** @param api the executor of every other request: not the server's own thread pool */
  HealthLane(Handler next, Executor api) {
    super(next);
    this.api = api;
    this.health = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
        task -> {
          Thread t = new Thread(task, "dcapd-http-health");
          t.setDaemon(true);
          return t;
        });
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Executor lane = PATHS.contains(Request.getPathInContext(request)) ? health : api;
    try {
      lane.execute(() -> run(request, response, callback));
    } catch (RejectedExecutionException e) {
      Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
    }
    return true;
  }

  private void run(Request request, Response response, Callback callback) {
    try {
      if (!super.handle(request, response, callback)) {
        Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
      }
    } catch (Throwable t) {
      Response.writeError(request, response, callback, t);
    }
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    health.shutdownNow();
  }
}
