package dev.dcapd.daemon.api;

import dev.dcapd.contracts.OnchainExport;
import dev.dcapd.contracts.PccsUpserts;
import dev.dcapd.daemon.CollateralProvider;
import dev.dcapd.daemon.Metrics;
import dev.dcapd.daemon.store.QuoteStore;
import dev.dcapd.daemon.store.RecentPage;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.proto.v1.ExportOnchainRequest;
import dev.dcapd.proto.v1.ExportOnchainResponse;
import dev.dcapd.proto.v1.GetCollateralRequest;
import dev.dcapd.proto.v1.GetCollateralResponse;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.GetRawResponse;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentItem;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.StatRawRequest;
import dev.dcapd.proto.v1.StatRawResponse;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.json.QuoteJson;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.QuoteParseException;
import dev.dcapd.verifier.verify.Failure;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.Verdict;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code dcapd.v1.AttestationService}: verifies, stores and serves quotes.
 *
 * <p>Uploads of one quote are serialised by a lock striped on its checksum, so concurrent uploads
 * produce one record; a repeated upload answers from the stored record.
 *
 * <p>Threads: handlers run on the transport's threads, which must never wait on anything but the
 * CPU and RocksDB. A call that might wait longer (collateral not in memory, so a PCCS fetch; an
 * upload of a quote another call is verifying; a synced write; {@code Check}) is handed to the
 * bounded {@code blockingWork} pool. Handing every call to a pool cost more than half the
 * throughput on two cores (see the README's benchmarks).
 */
public final class AttestationServiceImpl extends AttestationServiceGrpc.AttestationServiceImplBase {
  private static final System.Logger LOG = System.getLogger("dcapd.verify");
  /** Phala's default page size. */
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 100;
  /** Offset paging scans the index; deeper pages must use the cursor. */
  static final int MAX_SKIP = 10_000;
  private static final int LOCK_STRIPES = 256;

  private final QuoteStore store;
  private final QuoteVerifier verifier;
  private final CollateralProvider collateral;
  private final Clock clock;
  private final Metrics metrics;
  private final Executor blockingWork;
  private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];
  /**
   * Collateral by content id, as the verifier's model and as the API message (about 20 KB that most
   * answers carry): thousands of records share one, so answers neither read and parse it again nor
   * build its message again for each. Bounded; cleared when full.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, KnownCollateral> collateralById =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final int COLLATERAL_MEMO_LIMIT = 1024;

  /**
   * @param blockingWork runs calls that may wait on a collateral source, a lock or a synced write;
   *     bounded by the caller (the capacity limiter bounds the calls queued on it)
   */
  public AttestationServiceImpl(QuoteStore store, QuoteVerifier verifier, CollateralProvider collateral, Clock clock,
      Metrics metrics, Executor blockingWork) {
    this.blockingWork = blockingWork;
    this.store = store;
    this.verifier = verifier;
    this.collateral = collateral;
    this.clock = clock;
    this.metrics = metrics;
    for (int i = 0; i < LOCK_STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  @Override
  public void verify(VerifyRequest request, StreamObserver<VerifyResponse> response) {
    answer(response, () -> {
      Quote quote = parse(request.getQuote().toByteArray());
      Bytes checksum = QuoteStore.sha256(quote.raw());
      ReentrantLock lock = locks[checksum.unsigned(0)];
      if (!store.syncWrites() && lock.tryLock()) {
        try {
          VerifyResponse answered = verifyLocked(request, quote, checksum, false);
          if (answered != null) {
            return answered;
          }
        } finally {
          lock.unlock();
        }
      }
      handOff(response, () -> {
        lock.lock();
        try {
          return verifyLocked(request, quote, checksum, true);
        } finally {
          lock.unlock();
        }
      });
      return null;
    });
  }

  /**
   * Under the checksum's lock: the stored answer, or a judgement stored and answered. Without
   * {@code mayWait} only collateral held in memory is used, and {@code null} means the call must
   * move to a thread that may wait.
   */
  private VerifyResponse verifyLocked(VerifyRequest request, Quote quote, Bytes checksum, boolean mayWait) {
    Optional<StoredRecord> existing = store.record(checksum);
    if (existing.isPresent() && !request.getReverify()) {
      return verifyResponse(quote, existing.get(), true);
    }
    Instant now = clock.instant();
    if (mayWait) {
      checkNotCancelled();
      return upload(quote, existing, Optional.empty(), now);
    }
    Optional<QuoteCollateral> ready = collateral.cached(quote, now);
    return ready.isPresent() ? upload(quote, existing, ready, now) : null;
  }

  /** Judges {@code quote} (against {@code supplied}, else the provider's collateral), stores and answers. */
  private VerifyResponse upload(Quote quote, Optional<StoredRecord> existing, Optional<QuoteCollateral> supplied,
      Instant now) {
    long started = System.nanoTime();
    Judgement j = judge(quote, supplied, now);
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, now);
    StoredRecord record = StoredRecord.newBuilder()
        .setUploadedAtMicros(existing.map(StoredRecord::getUploadedAtMicros).orElse(micros))
        .setVerifiedAtMicros(micros)
        .setVerdict(ProtoVerdicts.verdict(j.verdict()))
        .setCollateralId(j.verdict().collateralId())
        .setTeeType(quote.teeType().name())
        .setVersion(quote.version())
        .setFmspc(j.verdict().fmspc().map(ProtoQuotes::bs).orElse(com.google.protobuf.ByteString.EMPTY))
        .setSize(quote.raw().length())
        .setCanDownload(true)
        .build();
    // Collateral is stored once per content id; most uploads reference one already stored.
    String newCollateral = j.collateral()
        .filter(c -> !collateralStored(record.getCollateralId()))
        .map(QuoteCollateral::toJson)
        .orElse(null);
    store.put(quote, record, newCollateral, existing.map(StoredRecord::getUploadedAtMicros).orElse(-1L));
    if (!record.getCollateralId().isEmpty()) {
      j.collateral().ifPresent(c -> remember(record.getCollateralId(), c));
    }
    if (existing.isEmpty()) {
      metrics.recordStored();
    }
    log(j.verdict(), System.nanoTime() - started);
    return verifyResponse(quote, record, false);
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> response) {
    answer(response, () -> {
      Bytes checksum = checksum(request.getChecksum());
      StoredRecord r = store.record(checksum).orElseThrow(() -> notStored(checksum));
      Quote quote = storedQuote(checksum);
      boolean ok = r.getVerdict().getSuccess();
      return GetResponse.newBuilder()
          .setSuccess(ok)
          .setChecksum(checksum.hex())
          .setQuote(ProtoQuotes.quote(quote, ok))
          .setVerified(ok)
          .setCanDownload(r.getCanDownload())
          .setUploadedAt(ProtoVerdicts.timestampMicros(r.getUploadedAtMicros()))
          .setVerifiedAt(ProtoVerdicts.timestampMicros(r.getVerifiedAtMicros()))
          .setVerdict(r.getVerdict())
          .setCollateralId(r.getCollateralId())
          .setSize(r.getSize())
          .build();
    });
  }

  @Override
  public void getCollateral(GetCollateralRequest request, StreamObserver<GetCollateralResponse> response) {
    answer(response, () -> {
      Bytes checksum = checksum(request.getChecksum());
      StoredRecord r = store.record(checksum).orElseThrow(() -> notStored(checksum));
      dev.dcapd.proto.v1.QuoteCollateral c =
          collateralMessage(r.getCollateralId()).orElseThrow(() -> judgedWithout(checksum, r));
      return GetCollateralResponse.newBuilder()
          .setChecksum(checksum.hex())
          .setQuoteCollateral(c)
          .setCollateralId(r.getCollateralId())
          .build();
    });
  }

  @Override
  public void getRaw(GetRawRequest request, StreamObserver<GetRawResponse> response) {
    answer(response, () -> {
      Bytes checksum = checksum(request.getChecksum());
      byte[] raw = store.rawQuote(checksum).orElseThrow(() -> notStored(checksum));
      return GetRawResponse.newBuilder().setData(com.google.protobuf.ByteString.copyFrom(raw)).build();
    });
  }

  @Override
  public void statRaw(StatRawRequest request, StreamObserver<StatRawResponse> response) {
    answer(response, () -> {
      Bytes checksum = checksum(request.getChecksum());
      Optional<StoredRecord> r = store.record(checksum);
      return StatRawResponse.newBuilder().setExists(r.isPresent()).setSize(r.map(StoredRecord::getSize).orElse(0)).build();
    });
  }

  @Override
  public void recent(RecentRequest request, StreamObserver<RecentResponse> response) {
    answer(response, () -> {
      int limit = request.getLimit() == 0 ? DEFAULT_LIMIT : Math.min(request.getLimit(), MAX_LIMIT);
      Optional<String> token = Optional.empty();
      if (!request.getPageToken().isEmpty()) {
        if (!QuoteStore.isValidPageToken(request.getPageToken())) {
          throw ApiErrors.invalidArgument("page_token is not a token this server issued");
        }
        token = Optional.of(request.getPageToken());
      } else if (request.getSkip() > MAX_SKIP) {
        throw ApiErrors.invalidArgument("skip is at most " + MAX_SKIP + "; page deeper with page_token");
      }
      RecentPage page = store.recent(request.getSkip(), limit, token);
      RecentResponse.Builder b = RecentResponse.newBuilder();
      for (RecentPage.Entry e : page.entries()) {
        StoredRecord r = e.record();
        RecentItem.Builder item = RecentItem.newBuilder()
            .setChecksum(e.checksum())
            .setVerified(r.getVerdict().getSuccess())
            .setCreatedAt(ProtoVerdicts.timestampMicros(r.getUploadedAtMicros()))
            .setTeeType(r.getTeeType())
            .setTcbStatus(r.getVerdict().getTcbStatus());
        if (request.getIncludeQuote()) {
          item.setQuote(ProtoQuotes.quote(storedQuote(Bytes.fromHex(e.checksum())), r.getVerdict().getSuccess()));
        }
        b.addItems(item);
      }
      page.nextPageToken().ifPresent(b::setNextPageToken);
      return b.build();
    });
  }

  @Override
  public void check(CheckRequest request, StreamObserver<CheckResponse> response) {
    // Check may fetch collateral and is not the hot path: always on the blocking pool.
    handOff(response, () -> {
      Quote quote = parse(request.getQuote().toByteArray());
      Instant at = request.hasAt() ? ProtoVerdicts.instant(request.getAt()) : clock.instant();
      Optional<QuoteCollateral> supplied =
          request.hasCollateral() ? Optional.of(ProtoQuotes.collateral(request.getCollateral())) : Optional.empty();
      long started = System.nanoTime();
      Judgement j = judge(quote, supplied, at);
      log(j.verdict(), System.nanoTime() - started);
      CheckResponse.Builder b = CheckResponse.newBuilder()
          .setSuccess(j.verdict().success())
          .setChecksum(j.verdict().checksum())
          .setQuote(ProtoQuotes.quote(quote, j.verdict().success()))
          .setVerdict(ProtoVerdicts.verdict(j.verdict()));
      j.collateral().ifPresent(c -> b.setQuoteCollateral(ProtoQuotes.collateral(c)));
      return b.build();
    });
  }

  @Override
  public void exportOnchain(ExportOnchainRequest request, StreamObserver<ExportOnchainResponse> response) {
    answer(response, () -> {
      Bytes checksum = checksum(request.getChecksum());
      StoredRecord r = store.record(checksum).orElseThrow(() -> notStored(checksum));
      QuoteCollateral c = judgedAgainst(checksum, r);
      Quote quote = storedQuote(checksum);
      // Verification is a pure function of quote, collateral and instant: judging again at the
      // recorded instant gives the stored verdict back as the object the exporter reads.
      Verdict v = verifier.verify(quote, c, Instant.EPOCH.plus(r.getVerifiedAtMicros(), ChronoUnit.MICROS));
      try {
        return ProtoOnchain.export(checksum.hex(), OnchainExport.forQuote(quote, c, v), PccsUpserts.forCollateral(c));
      } catch (DcapException e) {
        throw ApiErrors.of(e.code(), "cannot export quote " + checksum.hex() + ": " + e.getMessage());
      }
    });
  }

  /** A verdict and the collateral it was computed against (absent if none could be named). */
  private record Judgement(Verdict verdict, Optional<QuoteCollateral> collateral) {}

  private Judgement judge(Quote quote, Optional<QuoteCollateral> supplied, Instant at) {
    QuoteCollateral c;
    if (supplied.isPresent()) {
      c = supplied.get();
    } else {
      try {
        c = collateral.forQuote(quote, at);
      } catch (DcapException e) {
        if (e.code().kind() == FailureCode.Kind.UNAVAILABLE) {
          throw ApiErrors.of(e.code(), e.getMessage());
        }
        // The quote names no platform we can fetch for (no PCK chain, a malformed one): that is a
        // verdict about the quote, stored like any other rejection.
        return new Judgement(failedBeforeCollateral(quote, e, at), Optional.empty());
      }
    }
    checkNotCancelled();
    return new Judgement(verifier.verify(quote, c, at), Optional.of(c));
  }

  private Verdict failedBeforeCollateral(Quote quote, DcapException e, Instant at) {
    Optional<Bytes> fmspc = Optional.empty();
    try {
      fmspc = Optional.of(quote.certificationData().pckCertChain().pckExtension().fmspc());
    } catch (DcapException ignored) {
      // No readable PCK extension: the verdict simply has no FMSPC.
    }
    return new Verdict(false, Optional.empty(), List.of(), Optional.of(Failure.of(e)), QuoteJson.checksum(quote),
        quote.version(), quote.teeType(), fmspc, Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), at, Optional.empty(), false, "", verifier.trustAnchor().insecure());
  }

  private VerifyResponse verifyResponse(Quote quote, StoredRecord r, boolean alreadyStored) {
    boolean ok = r.getVerdict().getSuccess();
    VerifyResponse.Builder b = VerifyResponse.newBuilder()
        .setSuccess(ok)
        .setQuote(ProtoQuotes.quote(quote, ok))
        .setChecksum(r.getVerdict().getChecksum())
        .setCanDownload(r.getCanDownload())
        .setUploadedAt(ProtoVerdicts.timestampMicros(r.getUploadedAtMicros()))
        .setVerifiedAt(ProtoVerdicts.timestampMicros(r.getVerifiedAtMicros()))
        .setVerdict(r.getVerdict())
        .setAlreadyStored(alreadyStored);
    collateralMessage(r.getCollateralId()).ifPresent(b::setQuoteCollateral);
    return b.build();
  }

  /** The collateral a stored record was judged against, or NOT_FOUND when it was judged without. */
  private QuoteCollateral judgedAgainst(Bytes checksum, StoredRecord r) {
    return storedCollateral(r.getCollateralId()).orElseThrow(() -> judgedWithout(checksum, r));
  }

  private static io.grpc.StatusRuntimeException judgedWithout(Bytes checksum, StoredRecord r) {
    return ApiErrors.notFound("quote " + checksum.hex() + " was judged without collateral: "
        + r.getVerdict().getFailure().getCode());
  }

  private boolean collateralStored(String id) {
    return id.isEmpty() || collateralById.containsKey(id) || store.collateralJson(id).isPresent();
  }

  private record KnownCollateral(QuoteCollateral model, dev.dcapd.proto.v1.QuoteCollateral message) {}

  private KnownCollateral remember(String id, QuoteCollateral c) {
    KnownCollateral known = collateralById.get(id);
    if (known != null) {
      return known;
    }
    if (collateralById.size() >= COLLATERAL_MEMO_LIMIT) {
      collateralById.clear();
    }
    known = new KnownCollateral(c, ProtoQuotes.collateral(c));
    collateralById.putIfAbsent(id, known);
    return known;
  }

  private Optional<dev.dcapd.proto.v1.QuoteCollateral> collateralMessage(String id) {
    return known(id).map(KnownCollateral::message);
  }

  private Optional<QuoteCollateral> storedCollateral(String id) {
    return known(id).map(KnownCollateral::model);
  }

  /** The collateral with this id, from memory or the store; empty for the empty id (judged without). */
  private Optional<KnownCollateral> known(String id) {
    if (id.isEmpty()) {
      return Optional.empty();
    }
    KnownCollateral known = collateralById.get(id);
    if (known != null) {
      return Optional.of(known);
    }
    Optional<String> json = store.collateralJson(id);
    if (json.isEmpty()) {
      throw ApiErrors.internal("collateral " + id + " referenced by a record is missing from the store");
    }
    try {
      return Optional.of(remember(id, QuoteCollateral.fromJson(json.get())));
    } catch (DcapException e) {
      throw ApiErrors.internal("stored collateral " + id + " cannot be read: " + e.getMessage());
    }
  }

  private Quote storedQuote(Bytes checksum) {
    byte[] raw = store.rawQuote(checksum).orElseThrow(() -> ApiErrors.internal("record without quote bytes: " + checksum.hex()));
    try {
      return QuoteInput.parse(raw);
    } catch (QuoteParseException e) {
      throw ApiErrors.internal("stored quote " + checksum.hex() + " no longer parses: " + e.getMessage());
    }
  }

  private static Quote parse(byte[] input) {
    if (input.length == 0) {
      throw ApiErrors.of(FailureCode.QUOTE_TRUNCATED, "quote is empty");
    }
    try {
      return QuoteInput.parse(input);
    } catch (QuoteParseException e) {
      throw ApiErrors.of(e.code(), "invalid quote: " + e.getMessage());
    }
  }

  /** A hex SHA-256 (64 digits, either case). */
  static Bytes checksum(String hex) {
    if (hex.length() != 64) {
      throw ApiErrors.invalidArgument("checksum must be 64 hex digits, got " + hex.length() + " characters");
    }
    try {
      return Bytes.of(HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw ApiErrors.invalidArgument("checksum must be 64 hex digits");
    }
  }

  private static StatusRuntimeException notStored(Bytes checksum) {
    return ApiErrors.notFound("no quote with checksum " + checksum.hex());
  }

  private static void checkNotCancelled() {
    if (Context.current().isCancelled()) {
      throw Status.fromThrowable(Context.current().cancellationCause()).withDescription("call cancelled or past its deadline")
          .asRuntimeException();
    }
  }

  private void log(Verdict v, long nanos) {
    metrics.verification(v.success(), v.tcbStatus().map(s -> s.intelName()).orElse(""), v.failureCode().orElse(""), nanos);
    if (LOG.isLoggable(System.Logger.Level.INFO)) {
      // Built by hand, not with MessageFormat: this line is written for every verification.
      LOG.log(System.Logger.Level.INFO, new StringBuilder(180)
          .append("verify checksum=").append(v.checksum())
          .append(" success=").append(v.success())
          .append(" status=").append(v.tcbStatus().map(s -> s.intelName()).orElse("-"))
          .append(" failure=").append(v.failureCode().orElse("-"))
          .append(" fmspc=").append(v.fmspc().map(Bytes::hex).orElse("-"))
          .append(" micros=").append(nanos / 1000)
          .toString());
    }
  }

  /** Runs {@code handler} on the blocking pool, in the call's context (deadline, cancellation). */
  private <T> void handOff(StreamObserver<T> response, Handler<T> handler) {
    blockingWork.execute(Context.current().wrap(() -> answer(response, handler)));
  }

  /**
   * Runs a unary handler: answers, or closes with the status the handler threw. A handler that
   * returns {@code null} has handed the call on and answers it there.
   */
  private static <T> void answer(StreamObserver<T> response, Handler<T> handler) {
    T value;
    try {
      value = handler.handle();
    } catch (StatusRuntimeException e) {
      response.onError(e);
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
