package dev.dcapd.daemon.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;

/**
 * Reads every request body before the routes see it, without holding a thread while it arrives
 * (Jetty's demand-driven {@link Request#read()}), so that slow uploads cannot take the threads
 * that health checks and reads need. A body that stops for the idle timeout, or arrives on
 * average slower than the minimum rate once its first second is past, is answered 408 and its
 * connection closed. A body over the limit is read on to {@link QuoteUpload#DRAIN_FACTOR} times
 * the limit (so the client, still sending, gets the answer) and passed on with one byte over the
 * limit kept, for the route to answer 413 in its own form.
 *
 * <p>A complete body goes to the routes on the upload workers' own threads: at most
 * {@code workers} at once, the rest waiting in a queue of {@code maxInFlight}; past that the
 * answer is 503 with {@code Retry-After}.
 */
final class UploadGate extends Handler.Wrapper {
  static final int RETRY_AFTER_SECONDS = 1;
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();
  private final int maxBytes;
  private final long minDataRate;
  private final ThreadPoolExecutor workers;

  UploadGate(Handler routes, int maxBytes, long minDataRate, int workers, int maxInFlight) {
    super(routes);
    this.maxBytes = maxBytes;
    this.minDataRate = minDataRate;
    this.workers = new ThreadPoolExecutor(workers, workers, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(maxInFlight), r -> {
      Thread t = new Thread(r, "dcapd-http-upload-" + THREAD_IDS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.workers.allowCoreThreadTimeOut(true);
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    workers.shutdownNow();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    long declared = request.getLength();
    boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
    if ((declared <= 0 && !chunked) || declared > (long) QuoteUpload.DRAIN_FACTOR * maxBytes) {
      // No body; or one refused at once by its length (QuoteUpload answers 413 without reading it).
      return super.handle(request, response, callback);
    }
    new Body(request, response, callback).run();
    return true;
  }

  /** One body being read: run on each demand until the body is in, or refused. */
  private final class Body implements Runnable {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final long start = NanoTime.now();
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long received;

    Body(Request request, Response response, Callback callback) {
      this.request = request;
      this.response = response;
      this.callback = callback;
    }

    @Override
    public void run() {
      long drainable = (long) QuoteUpload.DRAIN_FACTOR * maxBytes;
      while (true) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          if (tooSlow()) {
            refuse(HttpStatus.REQUEST_TIMEOUT_408, "REQUEST_TIMEOUT", "the request body arrives too slowly");
            return;
          }
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          boolean timeout = chunk.getFailure() instanceof TimeoutException;
          refuse(timeout ? HttpStatus.REQUEST_TIMEOUT_408 : HttpStatus.BAD_REQUEST_400,
              timeout ? "REQUEST_TIMEOUT" : "INVALID_ARGUMENT",
              timeout ? "the request body stopped arriving" : "could not read the request body");
          return;
        }
        ByteBuffer b = chunk.getByteBuffer();
        int n = b.remaining();
        if (received <= maxBytes) {
          byte[] part = new byte[(int) Math.min(n, maxBytes + 1 - received)];
          b.get(part);
          kept.writeBytes(part);
        }
        received += n;
        boolean last = chunk.isLast();
        chunk.release();
        if (last || received >= drainable) {
          // Over the limit, the routes get one byte too many and answer 413 in their own form (JSON, or the upload page).
          dispatch();
          return;
        }
        if (tooSlow()) {
          refuse(HttpStatus.REQUEST_TIMEOUT_408, "REQUEST_TIMEOUT", "the request body arrives too slowly");
          return;
        }
      }
    }

    /** Below the minimum rate on average since the request came, its first second excepted. */
    private boolean tooSlow() {
      long millis = NanoTime.millisSince(start) - 1000;
      return millis > 0 && received < minDataRate * millis / 1000;
    }

    private void refuse(int status, String code, String detail) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
      Answers.failure(response, callback, new HttpFailure(status, code, detail));
    }

    private void dispatch() {
      Request full = new Buffered(request, ByteBuffer.wrap(kept.toByteArray()));
      try {
        workers.execute(() -> {
          try {
            if (!UploadGate.super.handle(full, response, callback)) {
              Response.writeError(full, response, callback, HttpStatus.NOT_FOUND_404);
            }
          } catch (Throwable t) {
            Response.writeError(full, response, callback, t);
          }
        });
      } catch (RejectedExecutionException e) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
        Answers.failure(response, callback, new HttpFailure(HttpStatus.SERVICE_UNAVAILABLE_503, "UNAVAILABLE",
            "too many uploads in flight: retry shortly"));
      }
    }
  }

  /** The request with its body already read: it reads at once, from memory. */
  private static final class Buffered extends Request.Wrapper {
    private final ByteBuffer body;
    private final long length;
    private boolean done;

    Buffered(Request request, ByteBuffer body) {
      super(request);
      this.body = body;
      this.length = body.remaining();
    }

    @Override
    public synchronized Content.Chunk read() {
      if (done) {
        return Content.Chunk.EOF;
      }
      done = true;
      return Content.Chunk.from(body, true);
    }

    @Override
    public void demand(Runnable demandCallback) {
      demandCallback.run();
    }

    @Override
    public void fail(Throwable failure) {
      // Nothing to fail: the body is already in.
    }

    @Override
    public long getLength() {
      return length;
    }
  }
}
