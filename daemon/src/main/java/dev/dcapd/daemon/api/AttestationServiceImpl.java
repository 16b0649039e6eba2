package dev.dcapd.daemon.api;

import com.google.protobuf.Timestamp;
import dev.dcapd.onchain.OnchainExport;
import dev.dcapd.onchain.PccsUpserts;
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
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.proto.v1.WatchVerdictsRequest;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.QuoteParseException;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.Verdict;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
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
  private final Judge judge;
  private final VerdictEvents events = new VerdictEvents();
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

  public AttestationServiceImpl(QuoteStore store, QuoteVerifier verifier, CollateralProvider collateral, Clock clock,
      Metrics metrics, Executor blockingWork) {
    this(store, new Judge(verifier, collateral, defaultPolicy(verifier)), clock, metrics, blockingWork);
  }

  /**
   * The daemon's default policy ({@link Policy#daemonDefault()}: debug refused), accepting the
   * verifier's trust anchor when that is an insecure one: the operator chose it, and every verdict
   * reports it.
   */
  public static Policy defaultPolicy(QuoteVerifier verifier) {
    return Policy.daemonDefault().withInsecureOptions(false, verifier.trustAnchor().insecure());
  }

  /**
   * @param judge the verifier, collateral and policy every answer is judged by
   * @param blockingWork runs calls that may wait on a collateral source, a lock or a synced write;
   *     bounded by the caller (the capacity limiter bounds the calls queued on it)
   */
  public AttestationServiceImpl(QuoteStore store, Judge judge, Clock clock, Metrics metrics, Executor blockingWork) {
    this.blockingWork = blockingWork;
    this.store = store;
    this.judge = judge;
    this.verifier = judge.verifier();
    this.collateral = judge.collateral();
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
      Bytes checksum = quote.checksum();
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
   * Under the checksum's lock: the stored answer while it still holds, else a judgement stored and
   * answered. Without {@code mayWait} only collateral held in memory is used, and {@code null}
   * means the call must move to a thread that may wait.
   */
  private VerifyResponse verifyLocked(VerifyRequest request, Quote quote, Bytes checksum, boolean mayWait) {
    Optional<StoredRecord> existing = store.record(checksum);
    Instant now = clock.instant();
    if (existing.isPresent() && !request.getReverify()) {
      StoredRecord r = existing.get();
      if (holds(r, quote, now)) {
        return verifyResponse(quote, r, true, now);
      }
      StoredRecord judged = rejudge(quote, checksum, r, now, mayWait, whyAgain(r, now));
      return judged == null ? null : verifyResponse(quote, judged, true, now);
    }
    if (mayWait) {
      checkNotCancelled();
    }
    Optional<Judge.Judgement> j = judgeNow(quote, now, !mayWait);
    if (j.isEmpty()) {
      return null;
    }
    String reason = existing.isPresent() ? "reverify requested" : "uploaded";
    StoredRecord record = store(quote, checksum, existing, j.get(), now, reason);
    if (existing.isEmpty()) {
      metrics.recordStored();
    }
    return verifyResponse(quote, record, false, now);
  }

  /** {@link Judge#judgeNow}, with no collateral to be had now as UNAVAILABLE (nothing stored). */
  private Optional<Judge.Judgement> judgeNow(Quote quote, Instant now, boolean cachedOnly) {
    long started = System.nanoTime();
    Optional<Judge.Judgement> j;
    try {
      j = judge.judgeNow(quote, now, cachedOnly);
    } catch (DcapException e) {
      throw ApiErrors.of(e.code(), e.getMessage());
    }
    j.ifPresent(x -> log(x, System.nanoTime() - started));
    return j;
  }

  /**
   * Whether the stored verdict is still true now, by a check cheap enough for every read: judged
   * under the daemon's trust root and policy, against the platform's current collateral (as held
   * in memory), before that collateral's earliest expiry. A verdict reached without collateral
   * (the quote names no platform) rests on the quote alone.
   */
  private boolean holds(StoredRecord r, Quote quote, Instant now) {
    return stale(r, now).isEmpty() && (r.getCollateralId().isEmpty()
        || collateral.isCurrent(r.getCollateralId(), quote.teeType(), Bytes.of(r.getFmspc().toByteArray()),
            r.getVerdict().getCa(), quote, now));
  }

  /**
   * Why a stored verdict no longer holds, by what the record alone tells (another trust root,
   * another policy, its collateral expired); empty when it may still hold. Listings, which do not
   * parse each quote, show a record as verified only when this is empty.
   */
  private Optional<String> stale(StoredRecord r, Instant now) {
    if (!r.getTrustRoot().equals(judge.trustRoot())) {
      return Optional.of(r.getTrustRoot().isEmpty() ? "judged before verdicts named their trust root" : "trust root changed");
    }
    if (!r.getPolicySha256().equals(judge.policy().sha256())) {
      return Optional.of("policy changed");
    }
    if (r.getEarliestExpiryMicros() != 0 && micros(now) >= r.getEarliestExpiryMicros()) {
      return Optional.of("collateral expired");
    }
    return Optional.empty();
  }

  /** Why a stored verdict no longer holds, for its history. */
  private String whyAgain(StoredRecord r, Instant now) {
    return stale(r, now).orElse("collateral changed");
  }

  /**
   * Judges a stored quote again at {@code now} and stores the new verdict, its change (if any) in
   * the history. When no source can give collateral now, the quote is judged against the
   * collateral of its record: still at {@code now}, so expired collateral fails as it should.
   * Returns {@code null} when {@code mayWait} is false and collateral is not in memory.
   */
  private StoredRecord rejudge(Quote quote, Bytes checksum, StoredRecord r, Instant now, boolean mayWait, String reason) {
    long started = System.nanoTime();
    Optional<Judge.Judgement> j;
    try {
      j = judge.judgeNow(quote, now, !mayWait);
    } catch (DcapException e) {
      Optional<QuoteCollateral> own = storedCollateral(r.getCollateralId());
      if (own.isEmpty()) {
        throw ApiErrors.of(e.code(), e.getMessage());
      }
      j = Optional.of(judge.judge(quote, own.get(), now));
      reason = reason + "; no collateral source answered, judged against the stored collateral";
    }
    if (j.isEmpty()) {
      return null;
    }
    log(j.get(), System.nanoTime() - started);
    return store(quote, checksum, Optional.of(r), j.get(), now, reason);
  }

  /**
   * Stores a judgement as the quote's record (new, or replacing {@code existing}, whose upload
   * time and history it keeps), appends the change of status to the history and announces it.
   */
  private StoredRecord store(Quote quote, Bytes checksum, Optional<StoredRecord> existing, Judge.Judgement j,
      Instant now, String reason) {
    dev.dcapd.proto.v1.Verdict verdict = judge.message(j);
    long micros = micros(now);
    String from = existing.map(r -> Judge.status(r.getVerdict())).orElse("");
    String to = Judge.status(verdict);
    StoredRecord.Builder b = StoredRecord.newBuilder()
        .setUploadedAtMicros(existing.map(StoredRecord::getUploadedAtMicros).orElse(micros))
        .setVerifiedAtMicros(micros)
        .setVerdict(verdict)
        .setCollateralId(j.verdict().collateralId())
        .setTeeType(quote.teeType().name())
        .setVersion(quote.version())
        .setFmspc(j.verdict().fmspc().map(ProtoQuotes::bs).orElse(com.google.protobuf.ByteString.EMPTY))
        .setSize(quote.raw().length())
        .setCanDownload(true)
        .setTrustRoot(judge.trustRoot())
        .setPolicySha256(judge.policy().sha256())
        .setEarliestExpiryMicros(j.verdict().earliestExpiry().map(AttestationServiceImpl::micros).orElse(0L));
    existing.ifPresent(r -> b.addAllHistory(r.getHistoryList()));
    boolean changed = existing.isEmpty() || !from.equals(to) || existing.get().getHistoryCount() == 0;
    VerdictChange change = null;
    if (changed) {
      change = VerdictChange.newBuilder()
          .setChecksum(checksum.hex())
          .setFrom(from)
          .setTo(to)
          .setAt(ProtoVerdicts.timestamp(now))
          .setReason(reason)
          .setCollateralId(j.verdict().collateralId())
          .setFmspc(b.getFmspc())
          .setSuccess(verdict.getSuccess())
          .build();
      b.addHistory(change);
    }
    StoredRecord record = b.build();
    // Collateral is stored once per content id; most judgements reference one already stored.
    String newCollateral = j.collateral()
        .filter(c -> !collateralStored(record.getCollateralId()))
        .map(QuoteCollateral::toJson)
        .orElse(null);
    if (existing.isPresent()) {
      store.replaceRecord(checksum, record, newCollateral);
    } else {
      store.put(quote, record, newCollateral, -1L);
    }
    if (!record.getCollateralId().isEmpty()) {
      j.collateral().ifPresent(c -> remember(record.getCollateralId(), c));
    }
    if (change != null) {
      if (existing.isPresent()) {
        metrics.verdictChange(from, to, reason);
      }
      events.publish(change);
    }
    return record;
  }

  /**
   * Re-appraises one stored quote now, if its verdict no longer holds (for the background
   * re-appraisal after new collateral, or a change of trust root or policy). Runs on a thread
   * that may wait; returns whether the verdict was judged again.
   */
  public boolean reappraise(Bytes checksum, String reason) {
    ReentrantLock lock = locks[checksum.unsigned(0)];
    lock.lock();
    try {
      Optional<StoredRecord> r = store.record(checksum);
      if (r.isEmpty()) {
        return false;
      }
      Quote quote = storedQuote(checksum);
      Instant now = clock.instant();
      if (holds(r.get(), quote, now)) {
        return false;
      }
      rejudge(quote, checksum, r.get(), now, true, reason);
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void watchVerdicts(WatchVerdictsRequest request, StreamObserver<VerdictChange> response) {
    if (!request.getChecksum().isEmpty()) {
      try {
        checksum(request.getChecksum());
      } catch (StatusRuntimeException e) {
        response.onError(e);
        return;
      }
    }
    events.watch(request, (ServerCallStreamObserver<VerdictChange>) response);
  }

  /** Open {@code WatchVerdicts} streams. */
  public int watchers() {
    return events.watchers();
  }

  private static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> response) {
    answer(response, () -> {
      Bytes checksum = checksum(request.getChecksum());
      StoredRecord r = store.record(checksum).orElseThrow(() -> notStored(checksum));
      Quote quote = storedQuote(checksum);
      Instant now = clock.instant();
      if (holds(r, quote, now)) {
        return getResponse(checksum, quote, r, now);
      }
      ReentrantLock lock = locks[checksum.unsigned(0)];
      if (!store.syncWrites() && lock.tryLock()) {
        try {
          StoredRecord judged = rejudgeLocked(checksum, quote, false);
          if (judged != null) {
            return getResponse(checksum, quote, judged, clock.instant());
          }
        } finally {
          lock.unlock();
        }
      }
      handOff(response, () -> {
        checkNotCancelled();
        lock.lock();
        try {
          return getResponse(checksum, quote, rejudgeLocked(checksum, quote, true), clock.instant());
        } finally {
          lock.unlock();
        }
      });
      return null;
    });
  }

  /** Under the checksum's lock: the record read again, judged again unless it now holds. */
  private StoredRecord rejudgeLocked(Bytes checksum, Quote quote, boolean mayWait) {
    StoredRecord r = store.record(checksum).orElseThrow(() -> notStored(checksum));
    Instant now = clock.instant();
    return holds(r, quote, now) ? r : rejudge(quote, checksum, r, now, mayWait, whyAgain(r, now));
  }

  private GetResponse getResponse(Bytes checksum, Quote quote, StoredRecord r, Instant now) {
    boolean ok = r.getVerdict().getSuccess();
    return GetResponse.newBuilder()
        .setSuccess(ok)
        .setChecksum(checksum.hex())
        .setQuote(ProtoQuotes.quote(quote, ok))
        .setVerified(ok)
        .setCanDownload(r.getCanDownload())
        .setUploadedAt(ProtoVerdicts.timestampMicros(r.getUploadedAtMicros()))
        .setVerifiedAt(ProtoVerdicts.timestampMicros(r.getVerifiedAtMicros()))
        .setVerdict(currentAt(r.getVerdict(), now))
        .setCollateralId(r.getCollateralId())
        .setSize(r.getSize())
        .addAllHistory(r.getHistoryList())
        .build();
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
      Instant now = clock.instant();
      for (RecentPage.Entry e : page.entries()) {
        StoredRecord r = e.record();
        // A verdict proven under another root or policy, or whose collateral has expired, is not
        // shown as verified; the background re-appraisal (or the next read) judges it again.
        boolean verified = r.getVerdict().getSuccess() && stale(r, now).isEmpty();
        RecentItem.Builder item = RecentItem.newBuilder()
            .setChecksum(e.checksum())
            .setVerified(verified)
            .setCreatedAt(ProtoVerdicts.timestampMicros(r.getUploadedAtMicros()))
            .setTeeType(r.getTeeType())
            .setTcbStatus(verified ? r.getVerdict().getTcbStatus() : "");
        if (request.getIncludeQuote()) {
          item.setQuote(ProtoQuotes.quote(storedQuote(Bytes.fromHex(e.checksum())), verified));
        }
        b.addItems(item);
      }
      page.nextPageToken().ifPresent(b::setNextPageToken);
      return b.build();
    });
  }

  @Override
  public void check(CheckRequest request, StreamObserver<CheckResponse> response) {
    // Check may fetch collateral and is not the hot path: always on the blocking pool. What it
    // fetches for a caller's instant answers this call only: it never enters the shared cache.
    handOff(response, () -> {
      Quote quote = parse(request.getQuote().toByteArray());
      Instant at = request.hasAt() ? ProtoVerdicts.instant(request.getAt()) : clock.instant();
      long started = System.nanoTime();
      Judge.Judgement j;
      if (request.hasCollateral()) {
        j = judge.judge(quote, ProtoQuotes.collateral(request.getCollateral()), at);
      } else {
        try {
          QuoteCollateral c = request.hasAt() ? collateral.forQuoteAt(quote, at) : collateral.forQuote(quote, at);
          j = judge.judge(quote, c, at);
        } catch (DcapException e) {
          if (e.code().kind() == FailureCode.Kind.UNAVAILABLE) {
            throw ApiErrors.of(e.code(), e.getMessage());
          }
          j = judge.judgeWithout(quote, e, at);
        }
      }
      log(j, System.nanoTime() - started);
      dev.dcapd.proto.v1.Verdict verdict = judge.message(j);
      CheckResponse.Builder b = CheckResponse.newBuilder()
          .setSuccess(verdict.getSuccess())
          .setChecksum(j.verdict().checksum())
          .setQuote(ProtoQuotes.quote(quote, verdict.getSuccess()))
          .setVerdict(verdict);
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

  /**
   * {@code v} shown current at {@code now}: as it is when it was reached at that instant (a fresh
   * judgement), else a copy with {@code current_at} set.
   */
  private static dev.dcapd.proto.v1.Verdict currentAt(dev.dcapd.proto.v1.Verdict v, Instant now) {
    Timestamp at = v.getCurrentAt();
    if (at.getSeconds() == now.getEpochSecond() && at.getNanos() == now.getNano()) {
      return v;
    }
    return v.toBuilder().setCurrentAt(ProtoVerdicts.timestamp(now)).build();
  }

  private VerifyResponse verifyResponse(Quote quote, StoredRecord r, boolean alreadyStored, Instant now) {
    boolean ok = r.getVerdict().getSuccess();
    VerifyResponse.Builder b = VerifyResponse.newBuilder()
        .setSuccess(ok)
        .setQuote(ProtoQuotes.quote(quote, ok))
        .setChecksum(r.getVerdict().getChecksum())
        .setCanDownload(r.getCanDownload())
        .setUploadedAt(ProtoVerdicts.timestampMicros(r.getUploadedAtMicros()))
        .setVerifiedAt(ProtoVerdicts.timestampMicros(r.getVerifiedAtMicros()))
        .setVerdict(currentAt(r.getVerdict(), now))
        .setAlreadyStored(alreadyStored)
        .addAllHistory(r.getHistoryList());
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

  private void log(Judge.Judgement j, long nanos) {
    Verdict v = j.verdict();
    metrics.verification(j.appraisal().success(), v.tcbStatus().map(s -> s.intelName()).orElse(""),
        j.appraisal().failureCode().map(Enum::name).orElse(""), nanos);
    if (LOG.isLoggable(System.Logger.Level.INFO)) {
      // Built by hand, not with MessageFormat: this line is written for every verification.
      LOG.log(System.Logger.Level.INFO, new StringBuilder(180)
          .append("verify checksum=").append(v.checksum())
          .append(" success=").append(j.appraisal().success())
          .append(" status=").append(v.tcbStatus().map(s -> s.intelName()).orElse("-"))
          .append(" failure=").append(j.appraisal().failureCode().map(Enum::name).orElse("-"))
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
