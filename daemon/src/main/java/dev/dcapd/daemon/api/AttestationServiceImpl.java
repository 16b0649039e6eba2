package dev.dcapd.daemon.api;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.CollateralProvider;
import dev.dcapd.daemon.Metrics;
import dev.dcapd.daemon.PeerLimits;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.proto.v1.ExportOnchainRequest;
import dev.dcapd.proto.v1.ExportOnchainResponse;
import dev.dcapd.daemon.token.ResultTokens;
import dev.dcapd.daemon.token.TokenSettings;
import dev.dcapd.proto.v1.GetChallengeRequest;
import dev.dcapd.proto.v1.GetChallengeResponse;
import dev.dcapd.proto.v1.GetCollateralRequest;
import dev.dcapd.proto.v1.GetKeysRequest;
import dev.dcapd.proto.v1.GetKeysResponse;
import dev.dcapd.proto.v1.GetCollateralResponse;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.GetRawResponse;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.StatRawRequest;
import dev.dcapd.proto.v1.StatRawResponse;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.proto.v1.WatchVerdictsRequest;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.QuoteVerifier;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import dev.dcapd.daemon.store.StoreException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * {@code dcapd.v1.AttestationService}: the gRPC adapter over {@link Attestations}. It turns
 * requests into the use case's calls, its answers into messages and its failures into statuses
 * ({@link ApiErrors}), and decides which thread a call runs on.
 *
 * <p>Threads: handlers run on the transport's threads, which must never wait on anything but the
 * CPU and the store. A call the use case cannot answer from memory (collateral not in memory, so a
 * PCCS fetch; an upload of a quote another call is verifying; a synced write; {@code Check}) is
 * handed to the bounded {@code blockingWork} pool. Handing every call to a pool cost more than
 * half the throughput on two cores (see the README's benchmarks).
 */
public final class AttestationServiceImpl extends AttestationServiceGrpc.AttestationServiceImplBase {
  private static final System.Logger LOG = System.getLogger("dcapd.verify");
  /** {@code CheckResponse.collateral_source}: the collateral the daemon holds (or fetched for {@code at}). */
  public static final String COLLATERAL_FROM_DAEMON = "daemon";
  /** {@code CheckResponse.collateral_source}: the collateral the request carried. */
  public static final String COLLATERAL_FROM_CALLER = "caller";
  /** The reason a Check that gives collateral and asks for a token is refused. */
  public static final String TOKEN_NEEDS_DAEMON_COLLATERAL = "TOKEN_NEEDS_DAEMON_COLLATERAL";

  private final Attestations attestations;
  private final AnswerMessages messages;
  private final ResultTokens tokens;
  private final Executor blockingWork;
  /** {@code WatchVerdicts} streams one peer may hold open. */
  private final int watchersPerPeer;

  public AttestationServiceImpl(AttestationStore store, QuoteVerifier verifier, CollateralProvider collateral, Clock clock,
      Metrics metrics, Executor blockingWork) {
    this(new Attestations(store, new Judge(verifier, collateral, defaultPolicy(verifier)), clock, metrics),
        ResultTokens.ephemeral(TokenSettings.DEFAULT_LIFETIME, "dcapd embedded", clock), blockingWork);
  }

  /**
   * The daemon's default policy ({@link Policy#daemonDefault()}: out-of-date platforms and debug
   * refused), accepting the verifier's trust anchor when that is an insecure one: the operator
   * chose it, and every verdict reports it (and the policy's name, {@code default+insecure-trust-root}).
   */
  public static Policy defaultPolicy(QuoteVerifier verifier) {
    return Policy.daemonDefault().withInsecureOptions(false, verifier.trustAnchor().insecure());
  }

  /**
   * @param blockingWork runs calls that may wait on a collateral source, a lock or a synced write;
   *     bounded by the caller (the capacity limiter bounds the calls queued on it)
   */
  public AttestationServiceImpl(Attestations attestations, ResultTokens tokens, Executor blockingWork) {
    this(attestations, tokens, blockingWork, PeerLimits.DEFAULT_WATCHERS_PER_PEER);
  }

  /** @param watchersPerPeer {@code WatchVerdicts} streams one peer ({@link Peers}) may hold open */
  public AttestationServiceImpl(Attestations attestations, ResultTokens tokens, Executor blockingWork, int watchersPerPeer) {
    if (watchersPerPeer < 1) {
      throw new IllegalArgumentException("the WatchVerdicts streams per peer must be at least 1");
    }
    this.watchersPerPeer = watchersPerPeer;
    this.attestations = attestations;
    this.messages = new AnswerMessages(attestations);
    this.tokens = tokens;
    this.blockingWork = blockingWork;
  }

  /** The use case this adapter serves. */
  public Attestations attestations() {
    return attestations;
  }

  /** Its answers as messages, shared with the HTTP adapter (and its collateral memo). */
  public AnswerMessages messages() {
    return messages;
  }

  @Override
  public void verify(VerifyRequest request, StreamObserver<VerifyResponse> response) {
    reading(response, () -> {
      ResultTokens.requireFormat(request.getToken(), !request.getNonce().isEmpty());
      Quote quote = Attestations.parse(request.getQuote().toByteArray());
      tokens.checkNonce(quote, nonce(request.getNonce()));
      Optional<Attestations.Answer> now = attestations.readsMayWait()
          ? Optional.empty() : attestations.verifyFromMemory(quote, request.getReverify());
      if (now.isPresent()) {
        return withToken(messages.verifyResponse(now.get()), now.get(), request.getToken(), request.getNonce());
      }
      handOff(response, () -> {
        Attestations.Answer a = attestations.verify(quote, request.getReverify(), AttestationServiceImpl::checkNotCancelled);
        return withToken(messages.verifyResponse(a), a, request.getToken(), request.getNonce());
      });
      return null;
    });
  }

  @Override
  public void watchVerdicts(WatchVerdictsRequest request, StreamObserver<VerdictChange> response) {
    if (!request.getChecksum().isEmpty()) {
      try {
        Attestations.checksum(request.getChecksum());
      } catch (AttestationFailure e) {
        response.onError(ApiErrors.of(e));
        return;
      }
    }
    attestations.events().watch(request, (ServerCallStreamObserver<VerdictChange>) response, Peers.current(),
        watchersPerPeer);
  }

  /** Open {@code WatchVerdicts} streams. */
  public int watchers() {
    return attestations.events().watchers();
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> response) {
    reading(response, () -> {
      ResultTokens.requireFormat(request.getToken(), !request.getNonce().isEmpty());
      Bytes checksum = Attestations.checksum(request.getChecksum());
      Optional<Attestations.Answer> now = attestations.readsMayWait()
          ? Optional.empty() : attestations.getFromMemory(checksum);
      if (now.isPresent()) {
        return withToken(messages.getResponse(now.get()), now.get(), request.getToken(), request.getNonce());
      }
      handOff(response, () -> {
        Attestations.Answer a = attestations.get(checksum, AttestationServiceImpl::checkNotCancelled);
        return withToken(messages.getResponse(a), a, request.getToken(), request.getNonce());
      });
      return null;
    });
  }

  @Override
  public void getCollateral(GetCollateralRequest request, StreamObserver<GetCollateralResponse> response) {
    reading(response, () -> {
      // The collateral of the verdict as it stands now: a record that no longer holds is judged again first.
      Bytes checksum = Attestations.checksum(request.getChecksum());
      Optional<Attestations.Answer> now = attestations.readsMayWait()
          ? Optional.empty() : attestations.getFromMemory(checksum);
      if (now.isPresent()) {
        return collateralResponse(now.get());
      }
      handOff(response, () -> collateralResponse(attestations.get(checksum, AttestationServiceImpl::checkNotCancelled)));
      return null;
    });
  }

  private GetCollateralResponse collateralResponse(Attestations.Answer a) {
    StoredCollaterals.Known c = attestations.collateralOf(a);
    return GetCollateralResponse.newBuilder()
        .setChecksum(a.checksum().hex())
        .setQuoteCollateral(messages.collateral(c))
        .setCollateralId(c.id())
        .build();
  }

  @Override
  public void getRaw(GetRawRequest request, StreamObserver<GetRawResponse> response) {
    reading(response, () -> GetRawResponse.newBuilder()
        .setData(ByteString.copyFrom(attestations.raw(Attestations.checksum(request.getChecksum()))))
        .build());
  }

  @Override
  public void statRaw(StatRawRequest request, StreamObserver<StatRawResponse> response) {
    reading(response, () -> {
      Optional<StoredRecord> r = attestations.stat(Attestations.checksum(request.getChecksum()));
      return StatRawResponse.newBuilder().setExists(r.isPresent()).setSize(r.map(StoredRecord::getSize).orElse(0)).build();
    });
  }

  @Override
  public void recent(RecentRequest request, StreamObserver<RecentResponse> response) {
    reading(response, () -> {
      Optional<String> token = request.getPageToken().isEmpty() ? Optional.empty() : Optional.of(request.getPageToken());
      return messages.recentResponse(attestations.recent(request.getSkip(), request.getLimit(), token),
          request.getIncludeQuote());
    });
  }

  @Override
  public void check(CheckRequest request, StreamObserver<CheckResponse> response) {
    // Check may fetch collateral and is not the hot path: always on the blocking pool.
    handOff(response, () -> {
      ResultTokens.requireFormat(request.getToken(), !request.getNonce().isEmpty());
      if (!request.getToken().isEmpty() && request.hasAt()) {
        throw AttestationFailure.invalidArgument("a token states a judgement made now: ask for one without \"at\"");
      }
      if (!request.getToken().isEmpty() && request.hasCollateral()) {
        // Caller collateral may be genuine but superseded (an older CRL, a TCB info from before a
        // recovery): an answer says whose collateral it used, a token would be the daemon's word.
        throw AttestationFailure.refused(TOKEN_NEEDS_DAEMON_COLLATERAL,
            "a token states the daemon's own judgement against the collateral it holds: ask for one without \"collateral\"");
      }
      Quote quote = Attestations.parse(request.getQuote().toByteArray());
      Attestations.Checked c = attestations.check(quote,
          request.hasCollateral() ? Optional.of(ProtoQuotes.collateral(request.getCollateral())) : Optional.empty(),
          request.hasAt() ? Optional.of(ProtoVerdicts.instant(request.getAt())) : Optional.empty());
      CheckResponse.Builder b = CheckResponse.newBuilder()
          .setSuccess(c.verdict().getSuccess())
          .setChecksum(c.judgement().verdict().checksum())
          .setQuote(ProtoQuotes.quote(quote, c.verdict().getSuccess()))
          .setVerdict(c.verdict())
          .setCollateralSource(request.hasCollateral() ? COLLATERAL_FROM_CALLER : COLLATERAL_FROM_DAEMON);
      c.judgement().collateral().ifPresent(qc -> b.setQuoteCollateral(ProtoQuotes.collateral(qc)));
      if (!request.getToken().isEmpty()) {
        b.setToken(tokens.issue(quote, c.verdict(), nonce(request.getNonce())));
      }
      return b.build();
    });
  }

  @Override
  public void getChallenge(GetChallengeRequest request, StreamObserver<GetChallengeResponse> response) {
    answer(response, () -> {
      ResultTokens.Challenge c;
      try {
        c = tokens.challenge(Peers.current());
      } catch (ResultTokens.TooManyChallenges e) {
        throw ApiErrors.exhausted(ApiErrors.CHALLENGES_PER_PEER, e.getMessage(), e.retryAfter());
      }
      return GetChallengeResponse.newBuilder()
          .setNonce(ByteString.copyFrom(c.nonce()))
          .setExpiresAt(ProtoVerdicts.timestamp(c.expiresAt()))
          .build();
    });
  }

  @Override
  public void getKeys(GetKeysRequest request, StreamObserver<GetKeysResponse> response) {
    answer(response, () -> GetKeysResponse.newBuilder().setJwks(tokens.jwks()).build());
  }

  /** The signer of result tokens. */
  public ResultTokens tokens() {
    return tokens;
  }

  private VerifyResponse withToken(VerifyResponse r, Attestations.Answer a, String format, ByteString nonce) {
    return format.isEmpty() ? r : r.toBuilder().setToken(tokens.issue(a.quote(), r.getVerdict(), nonce(nonce))).build();
  }

  private GetResponse withToken(GetResponse r, Attestations.Answer a, String format, ByteString nonce) {
    return format.isEmpty() ? r : r.toBuilder().setToken(tokens.issue(a.quote(), r.getVerdict(), nonce(nonce))).build();
  }

  private static Optional<byte[]> nonce(ByteString nonce) {
    return nonce.isEmpty() ? Optional.empty() : Optional.of(nonce.toByteArray());
  }

  @Override
  public void exportOnchain(ExportOnchainRequest request, StreamObserver<ExportOnchainResponse> response) {
    answer(response, () -> {
      Attestations.Export e = attestations.export(Attestations.checksum(request.getChecksum()));
      return ProtoOnchain.export(e.checksum().hex(), e.export(), e.upserts());
    });
  }

  private static void checkNotCancelled() {
    if (Context.current().isCancelled()) {
      throw Status.fromThrowable(Context.current().cancellationCause()).withDescription("call cancelled or past its deadline")
          .asRuntimeException();
    }
  }

  /**
   * Runs a handler that reads the store: here, on the transport thread, when the store answers
   * from the local disk (RocksDB); on the blocking pool when a read may wait on the network.
   */
  private <T> void reading(StreamObserver<T> response, Handler<T> handler) {
    if (attestations.readsMayWait()) {
      handOff(response, handler);
    } else {
      answer(response, handler);
    }
  }

  /** Runs {@code handler} on the blocking pool, in the call's context (deadline, cancellation). */
  private <T> void handOff(StreamObserver<T> response, Handler<T> handler) {
    blockingWork.execute(Context.current().wrap(() -> answer(response, handler)));
  }

  /**
   * Runs a unary handler: answers, or closes with the status of what the handler threw. A handler
   * that returns {@code null} has handed the call on and answers it there.
   */
  private static <T> void answer(StreamObserver<T> response, Handler<T> handler) {
    T value;
    try {
      value = handler.handle();
    } catch (AttestationFailure e) {
      response.onError(ApiErrors.of(e));
      return;
    } catch (StatusRuntimeException e) {
      response.onError(e);
      return;
    } catch (StoreException e) {
      LOG.log(e.unavailable() ? System.Logger.Level.WARNING : System.Logger.Level.ERROR, "store failure: {0}", e.getMessage());
      response.onError(ApiErrors.of(AttestationFailure.of(e)));
      return;
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "internal error", e);
      response.onError(ApiErrors.internal("internal error: " + e.getClass().getSimpleName()));
      return;
    }
    if (value != null) {
      response.onNext(value);
      response.onCompleted();
    }
  }

  @FunctionalInterface
  private interface Handler<T> {
    T handle();
  }
}
