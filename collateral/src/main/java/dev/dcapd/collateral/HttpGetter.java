package dev.dcapd.collateral;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP GET with the JDK client, a time limit per attempt, bounded retries with exponential
 * backoff for the failures that may pass (429, 408, 5xx, time-outs, connection errors) and none
 * for those that will not (other 4xx), and {@code Retry-After} honoured up to a bound. A 404 is
 * the server's word that it holds no such resource: {@code COLLATERAL_NOT_FOUND}, not retried.
 */
public final class HttpGetter {
  /** Collateral bodies are kilobytes; anything this large is not collateral. */
  public static final int MAX_BODY_BYTES = 4 << 20;

  private static final int STATUS_OK_MIN = 200;
  private static final int STATUS_OK_MAX = 299;
  private static final int STATUS_NOT_FOUND = 404;
  private static final int STATUS_REQUEST_TIMEOUT = 408;
  private static final int STATUS_TOO_MANY_REQUESTS = 429;
  private static final int STATUS_SERVER_ERROR_MIN = 500;
  private static final int STATUS_SERVER_ERROR_MAX = 599;

  private final HttpClient client;
  private final RetryPolicy policy;
  private final Sleeper sleeper;

  public HttpGetter(HttpClient client, RetryPolicy policy, Sleeper sleeper) {
    this.client = Objects.requireNonNull(client, "client");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
  }

  /** A getter with its own JDK client (redirects followed except https to http) and real sleeps. */
  public static HttpGetter create(RetryPolicy policy) {
    HttpClient client = HttpClient.newBuilder()
        .connectTimeout(policy.requestTimeout())
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
    return new HttpGetter(client, policy, Sleeper.SYSTEM);
  }

  public RetryPolicy policy() {
    return policy;
  }

  /** A successful (2xx) answer. */
  public record Response(URI uri, int status, HttpHeaders headers, Bytes body) {
    /** The first value of a header, name compared case-insensitively. */
    public Optional<String> header(String name) {
      return headers.firstValue(name);
    }
  }

  /**
   * GETs {@code uri}, retrying as the policy allows.
   *
   * @throws DcapException {@code COLLATERAL_NOT_FOUND} when the server answers 404, else
   *     {@code COLLATERAL_UNAVAILABLE} naming the URL and the last failure
   */
  public Response get(URI uri) throws DcapException {
    String lastFailure = "not attempted";
    for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
      Attempt a = attempt(uri);
      if (a.response != null) {
        return a.response;
      }
      lastFailure = a.failure;
      if (a.notFound) {
        throw new DcapException(FailureCode.COLLATERAL_NOT_FOUND, "GET " + uri + ": " + lastFailure);
      }
      if (!a.retryable) {
        throw unavailable(uri, lastFailure);
      }
      if (attempt == policy.maxAttempts()) {
        break;
      }
      Duration wait = policy.backoffAfter(attempt);
      if (a.retryAfter != null) {
        if (a.retryAfter.compareTo(policy.maxRetryAfter()) > 0) {
          throw unavailable(uri, lastFailure + ", Retry-After " + a.retryAfter.toSeconds() + " s is beyond the "
              + policy.maxRetryAfter().toSeconds() + " s this client waits");
        }
        wait = a.retryAfter;
      }
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw unavailable(uri, "interrupted while waiting to retry after " + lastFailure);
      }
    }
    throw unavailable(uri, lastFailure + " (" + policy.maxAttempts() + " attempt"
        + (policy.maxAttempts() == 1 ? "" : "s") + ")");
  }

  private Attempt attempt(URI uri) {
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(policy.requestTimeout())
        .header("Accept", "*/*")
        .GET()
        .build();
    CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, info -> new CappedBody(MAX_BODY_BYTES));
    HttpResponse<byte[]> response;
    try {
      // The request timeout covers the wait for headers only; this bound covers the body too.
      response = future.get(policy.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return Attempt.failed("timed out after " + describe(policy.requestTimeout()), true, null);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      return Attempt.failed("interrupted", false, null);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException) {
        return Attempt.failed("timed out after " + describe(policy.requestTimeout()), true, null);
      }
      if (cause instanceof BodyTooLargeException) {
        return Attempt.failed(cause.getMessage(), false, null);
      }
      if (cause instanceof IOException) {
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return Attempt.failed("connection failed: " + why, true, null);
      }
      return Attempt.failed("request failed: " + cause, false, null);
    }
    int status = response.statusCode();
    if (status >= STATUS_OK_MIN && status <= STATUS_OK_MAX) {
      return new Attempt(new Response(uri, status, response.headers(), Bytes.of(response.body())), null, false, null, false);
    }
    if (status == STATUS_NOT_FOUND) {
      return new Attempt(null, "HTTP " + status, false, null, true);
    }
    boolean retryable = status == STATUS_TOO_MANY_REQUESTS
        || status == STATUS_REQUEST_TIMEOUT
        || (status >= STATUS_SERVER_ERROR_MIN && status <= STATUS_SERVER_ERROR_MAX);
    Duration retryAfter = retryable ? retryAfter(response.headers()).orElse(null) : null;
    return Attempt.failed("HTTP " + status, retryable, retryAfter);
  }

  /** {@code Retry-After} as delay-seconds or an HTTP date; unreadable values are ignored. */
  static Optional<Duration> retryAfter(HttpHeaders headers) {
    Optional<String> v = headers.firstValue("Retry-After");
    if (v.isEmpty()) {
      return Optional.empty();
    }
    String s = v.get().strip();
    try {
      long seconds = Long.parseLong(s);
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException notSeconds) {
      try {
        // An HTTP date is relative to the server's clock, which this client cannot see; the
        // difference to the local clock is the best estimate.
        ZonedDateTime when = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(ZonedDateTime.now(when.getZone()), when);
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (DateTimeParseException notDate) {
        return Optional.empty();
      }
    }
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static DcapException unavailable(URI uri, String what) {
    return new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "GET " + uri + ": " + what);
  }

  private record Attempt(Response response, String failure, boolean retryable, Duration retryAfter, boolean notFound) {
    static Attempt failed(String failure, boolean retryable, Duration retryAfter) {
      return new Attempt(null, failure, retryable, retryAfter, false);
    }
  }

  private static final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException(int cap) {
      super("the body is larger than " + cap + " bytes");
    }
  }

  /** Collects the body, refusing (and cancelling the exchange) once it passes the cap. */
  private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int cap;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    CappedBody(int cap) {
      this.cap = cap;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        if (out.size() + b.remaining() > cap) {
          subscription.cancel();
          result.completeExceptionally(new BodyTooLargeException(cap));
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }
}
