package dev.dcapd.client;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.dcapd.proto.ErrorReasons;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceFutureStub;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.proto.v1.GetChallengeRequest;
import dev.dcapd.proto.v1.GetChallengeResponse;
import dev.dcapd.proto.v1.GetCollateralRequest;
import dev.dcapd.proto.v1.GetCollateralResponse;
import dev.dcapd.proto.v1.GetKeysRequest;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.StatRawRequest;
import dev.dcapd.proto.v1.StatRawResponse;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.QuoteParseException;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.verify.Verdict;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A client for dcapd's AttestationService: blocking and asynchronous calls for every RPC, a
 * deadline on every call (covering its retries), and retries with backoff when the daemon cannot be
 * reached (see {@link RetryPolicy}). Thread-safe; one client per daemon, closed when done.
 *
 * <pre>{@code
 * try (DcapClient client = DcapClient.builder("127.0.0.1:7443").build()) {
 *   Attested<VerifyResponse> a = client.verify(Files.readAllBytes(quoteFile));
 *   a.check(Policy.builder().allowMrTd(expectedMrTd).build(), Instant.now());
 * }
 * }</pre>
 *
 * <p>Failed calls throw {@link DcapClientException} (asynchronous ones complete exceptionally with
 * it). A quote that verified and was rejected is an answer, not an exception.
 */
public final class DcapClient implements AutoCloseable {
  /** Default time for one call, retries included. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
  /** Default cap on an answer's size: Recent with quotes and collateral answers stay well below. */
  public static final int DEFAULT_MAX_INBOUND_BYTES = 16 * 1024 * 1024;
  /**
   * The format of signed results the daemon issues: an EAR (a JWT, ES256), verified by a relying
   * party against {@link #getKeys()} with the {@code dcapd-token} module or any JOSE library.
   */
  public static final String TOKEN_EAR = "ear";
  private static final Pattern CHECKSUM = Pattern.compile("[0-9a-fA-F]{64}");
  private static final double JITTER = 0.2;

  private final Target target;
  private final ManagedChannel channel;
  private final EventLoopGroup eventLoop;
  private final ScheduledExecutorService scheduler;
  private final AttestationServiceFutureStub stub;
  private final Duration deadline;
  private final RetryPolicy retry;
  private final RetryListener listener;
  private final boolean owner;

  private DcapClient(Target target, ManagedChannel channel, EventLoopGroup eventLoop, ScheduledExecutorService scheduler,
      Duration deadline, RetryPolicy retry, RetryListener listener, boolean owner) {
    this.target = target;
    this.channel = channel;
    this.eventLoop = eventLoop;
    this.scheduler = scheduler;
    this.stub = AttestationServiceGrpc.newFutureStub(channel);
    this.deadline = deadline;
    this.retry = retry;
    this.listener = listener;
    this.owner = owner;
  }

  /** A builder for {@code HOST:PORT} or {@code unix:PATH}. */
  public static Builder builder(String target) {
    return new Builder(Target.parse(target));
  }

  public static Builder builder(Target target) {
    return new Builder(target);
  }

  public Target target() {
    return target;
  }

  /** This client with another per-call deadline, sharing the connection (close the original). */
  public DcapClient withDeadline(Duration value) {
    requirePositive(value);
    return new DcapClient(target, channel, eventLoop, scheduler, value, retry, listener, false);
  }

  /** This client with another retry policy, sharing the connection (close the original). */
  public DcapClient withRetry(RetryPolicy value) {
    return new DcapClient(target, channel, eventLoop, scheduler, deadline, Objects.requireNonNull(value), listener, false);
  }

  // --- Verify ---------------------------------------------------------------------------------

  /**
   * Verifies and stores a quote (raw bytes or hex text). The quote is parsed here first: a
   * malformed one fails with INVALID_ARGUMENT and the parser's code without a round trip.
   */
  public Attested<VerifyResponse> verify(byte[] quote) throws DcapClientException {
    return await(verifyAsync(quote, false));
  }

  public Attested<VerifyResponse> verify(byte[] quote, boolean reverify) throws DcapClientException {
    return await(verifyAsync(quote, reverify));
  }

  public CompletableFuture<Attested<VerifyResponse>> verifyAsync(byte[] quote, boolean reverify) {
    return verifyAsync(quote, VerifyRequest.newBuilder().setReverify(reverify));
  }

  /**
   * As {@link #verify(byte[])}, and the answer's {@code token} is a signed result (an EAR) about
   * this verdict; with a nonce from {@link #getChallenge()} that the quote's report_data carries, the
   * token carries it too. This library does not verify the token: a relying party does, against
   * {@link #getKeys()}.
   */
  public Attested<VerifyResponse> verifyWithToken(byte[] quote, Optional<byte[]> nonce) throws DcapClientException {
    return await(verifyWithTokenAsync(quote, nonce));
  }

  public CompletableFuture<Attested<VerifyResponse>> verifyWithTokenAsync(byte[] quote, Optional<byte[]> nonce) {
    VerifyRequest.Builder request = VerifyRequest.newBuilder().setToken(TOKEN_EAR);
    nonce.ifPresent(n -> request.setNonce(ByteString.copyFrom(n)));
    return verifyAsync(quote, request);
  }

  private CompletableFuture<Attested<VerifyResponse>> verifyAsync(byte[] quote, VerifyRequest.Builder request) {
    Quote parsed;
    try {
      parsed = QuoteInput.parse(quote.clone());
    } catch (QuoteParseException e) {
      return CompletableFuture.failedFuture(local(Status.INVALID_ARGUMENT, e.code().name(), e.getMessage()));
    }
    VerifyRequest req = request.setQuote(ByteString.copyFrom(parsed.raw().toByteArray())).build();
    return call("Verify", req, AttestationServiceFutureStub::verify)
        .thenCompose(r -> attested(r, parsed, r.getVerdict()));
  }

  // --- Check ----------------------------------------------------------------------------------

  /** Verifies without storing, with optional collateral and instant (see CheckRequest). */
  public Attested<CheckResponse> check(CheckRequest request) throws DcapClientException {
    return await(checkAsync(request));
  }

  public CompletableFuture<Attested<CheckResponse>> checkAsync(CheckRequest request) {
    Quote parsed;
    try {
      parsed = QuoteInput.parse(request.getQuote().toByteArray());
    } catch (QuoteParseException e) {
      return CompletableFuture.failedFuture(local(Status.INVALID_ARGUMENT, e.code().name(), e.getMessage()));
    }
    CheckRequest req = request.toBuilder().setQuote(ByteString.copyFrom(parsed.raw().toByteArray())).build();
    return call("Check", req, AttestationServiceFutureStub::check)
        .thenCompose(r -> attested(r, parsed, r.getVerdict()));
  }

  // --- Get, GetRaw, StatRaw, GetCollateral ------------------------------------------------------

  /** The stored record of a quote; NOT_FOUND when there is none. */
  public GetResponse get(String checksum) throws DcapClientException {
    return await(getAsync(checksum));
  }

  public CompletableFuture<GetResponse> getAsync(String checksum) {
    return getAsync(checksum, GetRequest.newBuilder());
  }

  /** As {@link #get(String)}, with a signed result about the verdict judged for this answer (see {@link #verifyWithToken}). */
  public GetResponse getWithToken(String checksum, Optional<byte[]> nonce) throws DcapClientException {
    return await(getWithTokenAsync(checksum, nonce));
  }

  public CompletableFuture<GetResponse> getWithTokenAsync(String checksum, Optional<byte[]> nonce) {
    GetRequest.Builder request = GetRequest.newBuilder().setToken(TOKEN_EAR);
    nonce.ifPresent(n -> request.setNonce(ByteString.copyFrom(n)));
    return getAsync(checksum, request);
  }

  private CompletableFuture<GetResponse> getAsync(String checksum, GetRequest.Builder request) {
    return withChecksum(checksum, c -> call("Get", request.setChecksum(c).build(), AttestationServiceFutureStub::get));
  }

  /**
   * The stored record together with the quote's bytes (Get, then GetRaw), parsed here, so a
   * policy can be checked against a quote that someone else uploaded.
   */
  public Attested<GetResponse> getAttested(String checksum) throws DcapClientException {
    return await(getAttestedAsync(checksum));
  }

  public CompletableFuture<Attested<GetResponse>> getAttestedAsync(String checksum) {
    return getAsync(checksum).thenCompose(record -> getRawAsync(checksum).thenCompose(raw -> {
      Quote parsed;
      try {
        parsed = QuoteParser.parse(raw);
      } catch (QuoteParseException e) {
        return CompletableFuture.failedFuture(local(Status.DATA_LOSS, e.code().name(),
            "the stored quote does not parse here: " + e.getMessage()));
      }
      return attested(record, parsed, record.getVerdict());
    }));
  }

  /**
   * The original bytes of a stored quote, checked against the checksum (DATA_LOSS if they do not
   * match it).
   */
  public byte[] getRaw(String checksum) throws DcapClientException {
    return await(getRawAsync(checksum));
  }

  public CompletableFuture<byte[]> getRawAsync(String checksum) {
    return withChecksum(checksum, c -> call("GetRaw", GetRawRequest.newBuilder().setChecksum(c).build(),
        AttestationServiceFutureStub::getRaw).thenCompose(r -> {
          byte[] data = r.getData().toByteArray();
          if (!sha256Hex(data).equalsIgnoreCase(c)) {
            return CompletableFuture.failedFuture(local(Status.DATA_LOSS, null,
                "the bytes served for " + c + " have SHA-256 " + sha256Hex(data)));
          }
          return CompletableFuture.completedFuture(data);
        }));
  }

  /** Whether a quote is stored and its size. */
  public StatRawResponse statRaw(String checksum) throws DcapClientException {
    return await(statRawAsync(checksum));
  }

  public CompletableFuture<StatRawResponse> statRawAsync(String checksum) {
    return withChecksum(checksum, c -> call("StatRaw", StatRawRequest.newBuilder().setChecksum(c).build(),
        AttestationServiceFutureStub::statRaw));
  }

  /** The collateral a stored quote was judged against. */
  public GetCollateralResponse getCollateral(String checksum) throws DcapClientException {
    return await(getCollateralAsync(checksum));
  }

  public CompletableFuture<GetCollateralResponse> getCollateralAsync(String checksum) {
    return withChecksum(checksum, c -> call("GetCollateral", GetCollateralRequest.newBuilder().setChecksum(c).build(),
        AttestationServiceFutureStub::getCollateral));
  }

  // --- Recent ---------------------------------------------------------------------------------

  /** Stored quotes, newest first (skip/limit or a page token; see RecentRequest). */
  public RecentResponse recent(RecentRequest request) throws DcapClientException {
    return await(recentAsync(request));
  }

  public CompletableFuture<RecentResponse> recentAsync(RecentRequest request) {
    return call("Recent", request, AttestationServiceFutureStub::recent);
  }

  // --- Signed results: GetChallenge, GetKeys -----------------------------------------------------

  /** A fresh nonce for a token, to be put in a quote's report_data and used once before it expires. */
  public GetChallengeResponse getChallenge() throws DcapClientException {
    return await(getChallengeAsync());
  }

  public CompletableFuture<GetChallengeResponse> getChallengeAsync() {
    return call("GetChallenge", GetChallengeRequest.getDefaultInstance(), AttestationServiceFutureStub::getChallenge);
  }

  /** The daemon's token keys as a JWKS document (RFC 7517 JSON), as {@code /.well-known/jwks.json} serves them. */
  public String getKeys() throws DcapClientException {
    return await(getKeysAsync());
  }

  public CompletableFuture<String> getKeysAsync() {
    return call("GetKeys", GetKeysRequest.getDefaultInstance(), AttestationServiceFutureStub::getKeys)
        .thenApply(r -> r.getJwks());
  }

  // --- machinery ------------------------------------------------------------------------------

  /** Stops the connection (only the client built by the builder owns it; views do nothing). */
  @Override
  public void close() {
    if (!owner) {
      return;
    }
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    scheduler.shutdownNow();
    if (eventLoop != null) {
      eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private <R extends com.google.protobuf.Message> CompletableFuture<Attested<R>> attested(
      R response, Quote parsed, dev.dcapd.proto.v1.Verdict verdict) {
    Verdict v;
    try {
      v = Verdicts.fromProto(verdict);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(local(Status.INTERNAL, null, "unreadable verdict: " + e.getMessage()));
    }
    return CompletableFuture.completedFuture(new Attested<>(response, parsed, v));
  }

  private <T> CompletableFuture<T> withChecksum(String checksum, Function<String, CompletableFuture<T>> f) {
    if (checksum == null || !CHECKSUM.matcher(checksum).matches()) {
      return CompletableFuture.failedFuture(local(Status.INVALID_ARGUMENT, "INVALID_ARGUMENT",
          "a checksum is 64 hex digits (the SHA-256 of the quote), not '" + checksum + "'"));
    }
    return f.apply(checksum.toLowerCase(java.util.Locale.ROOT));
  }

  private <Q, R> CompletableFuture<R> call(String method, Q request,
      BiFunction<AttestationServiceFutureStub, Q, ListenableFuture<R>> rpc) {
    CompletableFuture<R> result = new CompletableFuture<>();
    AtomicReference<ListenableFuture<R>> inFlight = new AtomicReference<>();
    Deadline callDeadline = Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS);
    result.whenComplete((r, t) -> {
      ListenableFuture<R> f = inFlight.get();
      if (t instanceof CancellationException && f != null) {
        f.cancel(true);
      }
    });
    attempt(method, request, rpc, result, inFlight, callDeadline, 1);
    return result;
  }

  private <Q, R> void attempt(String method, Q request, BiFunction<AttestationServiceFutureStub, Q, ListenableFuture<R>> rpc,
      CompletableFuture<R> result, AtomicReference<ListenableFuture<R>> inFlight, Deadline callDeadline, int attempt) {
    if (result.isDone()) {
      return;
    }
    ListenableFuture<R> f = rpc.apply(stub.withDeadline(callDeadline), request);
    inFlight.set(f);
    Futures.addCallback(f, new FutureCallback<R>() {
      @Override
      public void onSuccess(R value) {
        result.complete(value);
      }

      @Override
      public void onFailure(Throwable t) {
        Status status = Status.fromThrowable(t);
        boolean retryable = status.getCode() == Status.Code.UNAVAILABLE && ErrorReasons.reason(t) == null;
        if (!retryable || attempt >= retry.maxAttempts()) {
          result.completeExceptionally(DcapClientException.from(t, attempt));
          return;
        }
        Duration backoff = jittered(retry.backoff(attempt));
        if (callDeadline.timeRemaining(TimeUnit.NANOSECONDS) <= backoff.toNanos()) {
          result.completeExceptionally(new DcapClientException(
              Status.DEADLINE_EXCEEDED.withDescription("deadline reached while the server was unavailable: "
                  + status.getDescription()), null, attempt, t));
          return;
        }
        if (listener != null) {
          listener.retrying(method, attempt, status, backoff);
        }
        try {
          scheduler.schedule(() -> {
            // Our backoff has already waited; let the channel reconnect now instead of on its own schedule.
            channel.resetConnectBackoff();
            attempt(method, request, rpc, result, inFlight, callDeadline, attempt + 1);
          }, backoff.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          result.completeExceptionally(DcapClientException.from(t, attempt));
        }
      }
    }, MoreExecutors.directExecutor());
  }

  private static Duration jittered(Duration d) {
    double factor = 1 - JITTER + ThreadLocalRandom.current().nextDouble() * 2 * JITTER;
    return Duration.ofNanos((long) (d.toNanos() * factor));
  }

  private static DcapClientException local(Status status, String reason, String message) {
    return new DcapClientException(status.withDescription(message), reason, 0, null);
  }

  /** Waits for an asynchronous call, turning its failure into the checked exception. */
  private static <T> T await(CompletableFuture<T> f) throws DcapClientException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new DcapClientException(Status.CANCELLED.withDescription("interrupted"), null, 0, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof DcapClientException d) {
        throw d;
      }
      throw DcapClientException.from(cause, 1);
    }
  }

  static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static void requirePositive(Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("a deadline is positive, not " + d);
    }
  }

  /** Configures a {@link DcapClient}: plaintext by default, TLS with a CA or the system trust. */
  public static final class Builder {
    private final Target target;
    private Path trustedCa;
    private boolean tls;
    private Duration deadline = DEFAULT_DEADLINE;
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private RetryListener listener;
    private int maxInboundBytes = DEFAULT_MAX_INBOUND_BYTES;

    private Builder(Target target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /** TLS, trusting only the CA certificate(s) in this PEM file. */
    public Builder tlsTrust(Path caPem) {
      this.trustedCa = Objects.requireNonNull(caPem, "caPem");
      this.tls = true;
      return this;
    }

    /** TLS, trusting the Java platform's CAs. */
    public Builder tlsSystemTrust() {
      this.trustedCa = null;
      this.tls = true;
      return this;
    }

    /** Time for one call including its retries (default 30 s). */
    public Builder deadline(Duration value) {
      requirePositive(value);
      this.deadline = value;
      return this;
    }

    public Builder retry(RetryPolicy value) {
      this.retry = Objects.requireNonNull(value, "retry");
      return this;
    }

    public Builder retryListener(RetryListener value) {
      this.listener = value;
      return this;
    }

    public Builder maxInboundMessageBytes(int value) {
      if (value < 1024) {
        throw new IllegalArgumentException("at least 1 KiB");
      }
      this.maxInboundBytes = value;
      return this;
    }

    /** Creates the channel (connecting lazily, on the first call); fails if the CA file is unreadable. */
    public DcapClient build() throws IOException {
      NettyChannelBuilder b;
      EventLoopGroup group = null;
      if (target.unix()) {
        group = new EpollEventLoopGroup(1, daemonThreads("dcap-client-io"));
        b = NettyChannelBuilder.forAddress(new DomainSocketAddress(target.socket().toFile()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class);
      } else {
        b = NettyChannelBuilder.forAddress(target.host(), target.port());
      }
      try {
        if (trustedCa != null) {
          if (!Files.isReadable(trustedCa)) {
            throw new IOException(trustedCa + ": cannot be read");
          }
          b.sslContext(GrpcSslContexts.forClient().trustManager(trustedCa.toFile()).build());
        } else if (tls) {
          b.useTransportSecurity();
        } else {
          b.usePlaintext();
        }
      } catch (IOException | RuntimeException e) {
        if (group != null) {
          group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
        throw e instanceof IOException io ? io : new IOException(trustedCa + ": not a usable CA: " + e.getMessage(), e);
      }
      b.maxInboundMessageSize(maxInboundBytes);
      ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("dcap-client-retry"));
      return new DcapClient(target, b.build(), group, scheduler, deadline, retry, listener, true);
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
      return r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      };
    }
  }
}
