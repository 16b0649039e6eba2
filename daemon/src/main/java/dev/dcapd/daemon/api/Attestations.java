package dev.dcapd.daemon.api;

import dev.dcapd.daemon.CollateralProvider;
import dev.dcapd.daemon.Metrics;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.daemon.store.RecentPage;
import dev.dcapd.onchain.OnchainExport;
import dev.dcapd.onchain.PccsUpserts;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.QuoteParseException;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's one use case: verify and store quotes, and answer for stored ones (get, raw,
 * collateral, recent), check without storing, re-appraise and export. Every answer is judged when
 * it is given (the stored verdict only while it still holds). It speaks in domain types and
 * {@link AttestationFailure}; the gRPC service (and the HTTP API) are thin adapters over it.
 *
 * <p>Uploads of one quote are serialised by a lock striped on its checksum, so concurrent uploads
 * produce one record; a repeated upload answers from the stored record. Methods named
 * {@code …FromMemory} never wait on anything but the CPU and the store: they answer from
 * collateral held in memory, or return empty so the caller can move to a thread that may wait and
 * call the waiting form.
 */
public final class Attestations {
  private static final System.Logger LOG = System.getLogger("dcapd.verify");
  private static final int LOCK_STRIPES = 256;
  /** A record's {@code holds_until_micros} when nothing bounds its verdict (0 marks an older record). */
  static final long UNBOUNDED = Long.MAX_VALUE;
  /** Phala's default page size, for a limit of 0. */
  public static final int DEFAULT_LIMIT = 20;
  /** The largest page; a larger limit is cut to it. */
  public static final int MAX_LIMIT = 100;
  /** Offset paging scans the index; deeper pages must use the cursor. */
  public static final int MAX_SKIP = 10_000;

  private final AttestationStore store;
  private final Judge judge;
  private final VerdictEvents events = new VerdictEvents();
  private final StoredCollaterals collaterals;
  private final Clock clock;
  private final Metrics metrics;
  private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];

  /**
   * A stored quote's record as it is answered at {@code at}: judged then, or still holding then.
   * The checksum is the one asked for or computed on upload: hashing a quote read back from the
   * store again would cost a read a third of its time.
   */
  public record Answer(Bytes checksum, Quote quote, StoredRecord record, boolean alreadyStored, Instant at) {}

  /** A judgement that is answered and not stored ({@code Check}). */
  public record Checked(Quote quote, Judge.Judgement judgement, dev.dcapd.proto.v1.Verdict verdict) {}

  /** One entry of a {@link #recent} page: verified only if its verdict still holds by its record. */
  public record Listed(String checksum, StoredRecord record, boolean verified) {}

  /** A page of {@link #recent}. */
  public record Recent(List<Listed> entries, Optional<String> nextPageToken) {}

  /** What Automata's on-chain verifier takes and answers for a stored quote, and its PCCS uploads. */
  public record Export(Bytes checksum, OnchainExport export, List<PccsUpserts.Upsert> upserts) {}

  /**
   * @param judge the verifier, collateral and policy every answer is judged by
   */
  public Attestations(AttestationStore store, Judge judge, Clock clock, Metrics metrics) {
    this.store = store;
    this.judge = judge;
    this.collaterals = new StoredCollaterals(store);
    this.clock = clock;
    this.metrics = metrics;
    for (int i = 0; i < LOCK_STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  /** Whether writes are synced, so that every upload may wait on the disk. */
  public boolean writesMayWait() {
    return store.syncWrites();
  }

  /** Whether the store takes writes now (false while its disk is full): what health checks answer. */
  public boolean storeWritable() {
    return store.writable();
  }

  /** Whether reading the store may wait on the network, so that no call should read it on an event loop. */
  public boolean readsMayWait() {
    return store.readsMayWait();
  }

  /** The verdict changes published so far and to come ({@code WatchVerdicts}). */
  public VerdictEvents events() {
    return events;
  }

  /** The quote in {@code input} (binary, or hex text), or INVALID_ARGUMENT. */
  public static Quote parse(byte[] input) {
    if (input.length == 0) {
      throw AttestationFailure.of(FailureCode.QUOTE_TRUNCATED, "quote is empty");
    }
    try {
      return QuoteInput.parse(input);
    } catch (QuoteParseException e) {
      throw AttestationFailure.of(e.code(), "invalid quote: " + e.getMessage());
    }
  }

  /** A hex SHA-256 (64 digits, either case), or INVALID_ARGUMENT. */
  public static Bytes checksum(String hex) {
    if (hex.length() != 64) {
      throw AttestationFailure.invalidArgument("checksum must be 64 hex digits, got " + hex.length() + " characters");
    }
    try {
      return Bytes.of(HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw AttestationFailure.invalidArgument("checksum must be 64 hex digits");
    }
  }

  // ---- Verify --------------------------------------------------------------------------------

  /**
   * Verify without waiting: the answer when it can be given from memory and the checksum's lock is
   * free, else empty (the caller moves to a thread that may wait and calls {@link #verify}).
   */
  public Optional<Answer> verifyFromMemory(Quote quote, boolean reverify) {
    ReentrantLock lock = lock(quote.checksum());
    if (store.syncWrites() || !lock.tryLock()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(verifyLocked(quote, reverify, null));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Verify on a thread that may wait (a collateral fetch, the lock, a synced write).
   *
   * @param stillWanted called before judging; throws to give up a call nobody waits for any more
   */
  public Answer verify(Quote quote, boolean reverify, Runnable stillWanted) {
    ReentrantLock lock = lock(quote.checksum());
    lock.lock();
    try {
      return verifyLocked(quote, reverify, stillWanted);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Under the checksum's lock: the stored answer while it still holds, else a judgement stored and
   * answered. With a null {@code stillWanted} (may not wait) only collateral held in memory is used,
   * and {@code null} means the call must move to a thread that may wait.
   */
  private Answer verifyLocked(Quote quote, boolean reverify, Runnable stillWanted) {
    boolean mayWait = stillWanted != null;
    Bytes checksum = quote.checksum();
    Optional<StoredRecord> existing = store.record(checksum);
    Instant now = clock.instant();
    if (existing.isPresent() && !reverify) {
      StoredRecord r = existing.get();
      if (holds(r, quote, now)) {
        return new Answer(checksum, quote, r, true, now);
      }
      StoredRecord judged = rejudge(quote, checksum, r, now, mayWait, whyAgain(r, now));
      return judged == null ? null : new Answer(checksum, quote, judged, true, now);
    }
    if (mayWait) {
      stillWanted.run();
    }
    Optional<Judge.Judgement> j = judgeNow(quote, now, !mayWait);
    if (j.isEmpty()) {
      return null;
    }
    String reason = existing.isPresent() ? "reverify requested" : "uploaded";
    StoredRecord record = store(quote, checksum, existing, j.get(), now, reason);
    // A record uploaded at another time is another daemon's, stored first.
    boolean ours = record.getUploadedAtMicros() == micros(now) || existing.isPresent();
    if (existing.isEmpty() && ours) {
      metrics.recordStored();
    }
    return new Answer(checksum, quote, record, !ours, now);
  }

  // ---- Get -----------------------------------------------------------------------------------

  /**
   * A stored quote's record as it is now, without waiting: the stored verdict while it holds, a
   * new judgement from memory otherwise; empty when that needs a thread that may wait.
   */
  public Optional<Answer> getFromMemory(Bytes checksum) {
    StoredRecord r = store.record(checksum).orElseThrow(() -> notStored(checksum));
    Quote quote = storedQuote(checksum);
    Instant now = clock.instant();
    if (holds(r, quote, now)) {
      return Optional.of(new Answer(checksum, quote, r, true, now));
    }
    ReentrantLock lock = lock(checksum);
    if (store.syncWrites() || !lock.tryLock()) {
      return Optional.empty();
    }
    try {
      StoredRecord judged = rejudgeLocked(checksum, quote, false);
      return judged == null ? Optional.empty() : Optional.of(new Answer(checksum, quote, judged, true, clock.instant()));
    } finally {
      lock.unlock();
    }
  }

  /** A stored quote's record as it is now, on a thread that may wait. */
  public Answer get(Bytes checksum, Runnable stillWanted) {
    Quote quote = storedQuote(checksum);
    stillWanted.run();
    ReentrantLock lock = lock(checksum);
    lock.lock();
    try {
      return new Answer(checksum, quote, rejudgeLocked(checksum, quote, true), true, clock.instant());
    } finally {
      lock.unlock();
    }
  }

  /** Under the checksum's lock: the record read again, judged again unless it now holds. */
  private StoredRecord rejudgeLocked(Bytes checksum, Quote quote, boolean mayWait) {
    StoredRecord r = store.record(checksum).orElseThrow(() -> notStored(checksum));
    Instant now = clock.instant();
    return holds(r, quote, now) ? r : rejudge(quote, checksum, r, now, mayWait, whyAgain(r, now));
  }

  // ---- Stored data ---------------------------------------------------------------------------

  /** The record of a stored quote, as stored (for its size, or whether it exists). */
  public Optional<StoredRecord> stat(Bytes checksum) {
    return store.record(checksum);
  }

  /** The exact bytes of a stored quote, or NOT_FOUND. */
  public byte[] raw(Bytes checksum) {
    byte[] raw = store.rawQuote(checksum).orElseThrow(() -> notStored(checksum));
    // A shared store writes a quote's bytes before its record, not in one write: bytes without a
    // record are an upload that failed and was never acknowledged, so they are not served.
    if (store.shared() && store.record(checksum).isEmpty()) {
      throw notStored(checksum);
    }
    return raw;
  }

  /**
   * The stored quote with this checksum, parsed; NOT_FOUND when nothing is stored under it. A
   * quote's bytes are written before its record, so a record without them is a broken store.
   */
  public Quote storedQuote(Bytes checksum) {
    byte[] raw = store.rawQuote(checksum).orElseThrow(() -> store.record(checksum).isPresent()
        ? AttestationFailure.internal("record without quote bytes: " + checksum.hex())
        : notStored(checksum));
    try {
      return QuoteInput.parse(raw);
    } catch (QuoteParseException e) {
      throw AttestationFailure.internal("stored quote " + checksum.hex() + " no longer parses: " + e.getMessage());
    }
  }

  /**
   * The collateral of a stored quote's verdict as it is answered now ({@link #get} or
   * {@link #getFromMemory}), with its content id; NOT_FOUND when it was judged without collateral.
   */
  public StoredCollaterals.Known collateralOf(Answer a) {
    return collaterals.known(a.record().getCollateralId()).orElseThrow(() -> judgedWithout(a.checksum(), a.record()));
  }

  /** The collateral stored under a content id (empty for the empty id: judged without). */
  public Optional<StoredCollaterals.Known> collateral(String collateralId) {
    return collaterals.known(collateralId);
  }

  /**
   * Newest first: {@code limit} entries ({@link #DEFAULT_LIMIT} for 0, at most {@link #MAX_LIMIT})
   * after a page token this store issued, or after skipping {@code skip} (at most
   * {@link #MAX_SKIP}). A verdict proven under another root or policy, or whose collateral has expired,
   * is not listed as verified; the background re-appraisal (or the next read) judges it again.
   */
  public Recent recent(int skip, int limit, Optional<String> pageToken) {
    if (skip < 0 || limit < 0) {
      throw AttestationFailure.invalidArgument("skip and limit must not be negative");
    }
    if (pageToken.isPresent() && !store.acceptsPageToken(pageToken.get())) {
      throw AttestationFailure.invalidArgument("page_token is not a token this server issued");
    }
    if (pageToken.isEmpty() && skip > MAX_SKIP) {
      throw AttestationFailure.invalidArgument("skip is at most " + MAX_SKIP + "; page deeper with page_token");
    }
    RecentPage page = store.recent(skip, limit == 0 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT), pageToken);
    Instant now = clock.instant();
    List<Listed> entries = new ArrayList<>(page.entries().size());
    for (RecentPage.Entry e : page.entries()) {
      StoredRecord r = e.record();
      entries.add(new Listed(e.checksum(), r, r.getVerdict().getSuccess() && stale(r, now).isEmpty()));
    }
    return new Recent(entries, page.nextPageToken());
  }

  // ---- Check and export ----------------------------------------------------------------------

  /**
   * Judges a quote at {@code at} (now when absent) against the given collateral, or what the
   * sources give for that instant, and stores nothing: what is fetched for a caller's instant
   * answers calls at a caller's instant only and never enters the shared cache. May wait.
   */
  public Checked check(Quote quote, Optional<QuoteCollateral> given, Optional<Instant> at) {
    Instant when = at.orElseGet(clock::instant);
    long started = System.nanoTime();
    Judge.Judgement j;
    if (given.isPresent()) {
      j = judge.judge(quote, given.get(), when);
    } else if (at.isEmpty()) {
      try {
        j = judge.judgeNow(quote, when, false).orElseThrow();
      } catch (DcapException e) {
        throw AttestationFailure.of(e.code(), e.getMessage());
      }
    } else {
      // Nothing is fetched for a quote whose chain the trust anchor does not vouch for.
      Optional<Judge.Judgement> untrusted = judge.untrustedChain(quote, when);
      if (untrusted.isPresent()) {
        j = untrusted.get();
      } else {
        CollateralProvider collateral = judge.collateral();
        try {
          j = judge.judge(quote, collateral.forQuoteAt(quote, when), when);
        } catch (DcapException e) {
          if (e.code().kind() == FailureCode.Kind.UNAVAILABLE) {
            throw AttestationFailure.of(e.code(), e.getMessage());
          }
          j = judge.judgeWithout(quote, e, when);
        }
      }
    }
    log(j, System.nanoTime() - started);
    return new Checked(quote, j, judge.message(j));
  }

  /** The on-chain export of a stored quote, judged against the collateral of its record. */
  public Export export(Bytes checksum) {
    StoredRecord r = store.record(checksum).orElseThrow(() -> notStored(checksum));
    QuoteCollateral c = collaterals.known(r.getCollateralId()).orElseThrow(() -> judgedWithout(checksum, r)).model();
    Quote quote = storedQuote(checksum);
    // Verification is a pure function of quote, collateral and instant: judging again at the
    // recorded instant gives the stored verdict back as the object the exporter reads.
    Verdict v = judge.verifier().verify(quote, c, Instant.EPOCH.plus(r.getVerifiedAtMicros(), ChronoUnit.MICROS));
    try {
      return new Export(checksum, OnchainExport.forQuote(quote, c, v), PccsUpserts.forCollateral(c));
    } catch (DcapException e) {
      throw AttestationFailure.of(e.code(), "cannot export quote " + checksum.hex() + ": " + e.getMessage());
    }
  }

  // ---- Re-appraisal --------------------------------------------------------------------------

  /**
   * Re-appraises one stored quote now, if its verdict no longer holds (for the background
   * re-appraisal after new collateral, or a change of trust root or policy). Runs on a thread
   * that may wait; returns whether the verdict was judged again.
   */
  public boolean reappraise(Bytes checksum, String reason) {
    ReentrantLock lock = lock(checksum);
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

  // ---- Judging -------------------------------------------------------------------------------

  private ReentrantLock lock(Bytes checksum) {
    return locks[checksum.unsigned(0)];
  }

  /** {@link Judge#judgeNow}, with no collateral to be had now as UNAVAILABLE (nothing stored). */
  private Optional<Judge.Judgement> judgeNow(Quote quote, Instant now, boolean cachedOnly) {
    long started = System.nanoTime();
    Optional<Judge.Judgement> j;
    try {
      j = judge.judgeNow(quote, now, cachedOnly);
    } catch (DcapException e) {
      throw AttestationFailure.of(e.code(), e.getMessage());
    }
    j.ifPresent(x -> log(x, System.nanoTime() - started));
    return j;
  }

  /**
   * Whether the stored verdict is still true now, by a check cheap enough for every read: judged
   * under the daemon's trust root and policy, against the platform's current collateral (as held
   * in memory), before the instant it holds until (its collateral's expiry, the policy's time
   * limits). A verdict reached without collateral
   * (the quote names no platform) rests on the quote alone.
   */
  private boolean holds(StoredRecord r, Quote quote, Instant now) {
    return stale(r, now).isEmpty() && (r.getCollateralId().isEmpty()
        || judge.collateral().isCurrent(r.getCollateralId(), quote.teeType(), Bytes.of(r.getFmspc().toByteArray()),
            r.getVerdict().getCa(), quote, now));
  }

  /**
   * Why a stored verdict no longer holds, by what the record alone tells (another trust root,
   * another policy, past the instant it holds until: its collateral expired, or the policy's
   * {@code max_age} or {@code max_collateral_age} passed); empty when it may still hold. Listings, which do not
   * parse each quote, show a record as verified only when this is empty.
   */
  private Optional<String> stale(StoredRecord r, Instant now) {
    if (!r.getTrustRoot().equals(judge.trustRoot())) {
      return Optional.of(r.getTrustRoot().isEmpty() ? "judged before verdicts named their trust root" : "trust root changed");
    }
    if (!r.getPolicySha256().equals(judge.policy().sha256())) {
      return Optional.of("policy changed");
    }
    if (r.getHoldsUntilMicros() == 0) {
      return Optional.of("record without holds_until");
    }
    if (micros(now) >= r.getHoldsUntilMicros()) {
      return Optional.of(r.getEarliestExpiryMicros() != 0 && r.getHoldsUntilMicros() >= r.getEarliestExpiryMicros()
          ? "collateral expired" : "policy time limit passed");
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
   *
   * <p>The new verdict is judged at an instant strictly after the record it replaces: at
   * {@code now}, or one microsecond after the old verdict when the clock has not moved past it (a
   * judgement and its re-judgement within one microsecond, or a clock stepped back). A replacement
   * is conditional on the old verdict's instant, so two daemons judging one record again cannot
   * both replace it, and only one of them announces the change.
   */
  private StoredRecord rejudge(Quote quote, Bytes checksum, StoredRecord r, Instant clockNow, boolean mayWait,
      String reason) {
    Instant now = after(r, clockNow);
    long started = System.nanoTime();
    Optional<Judge.Judgement> j;
    try {
      j = judge.judgeNow(quote, now, !mayWait);
    } catch (DcapException e) {
      Optional<StoredCollaterals.Known> own = collaterals.known(r.getCollateralId());
      if (own.isEmpty()) {
        throw AttestationFailure.of(e.code(), e.getMessage());
      }
      j = Optional.of(judge.judge(quote, own.get().model(), now));
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
        .setEarliestExpiryMicros(j.verdict().earliestExpiry().map(Attestations::micros).orElse(0L))
        .setHoldsUntilMicros(j.holdsUntil().map(Attestations::micros).orElse(UNBOUNDED));
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
        .filter(c -> !collaterals.isStored(record.getCollateralId()))
        .map(QuoteCollateral::toJson)
        .orElse(null);
    StoredRecord stored = existing.isPresent()
        ? store.replaceRecord(checksum, existing.get(), record, newCollateral)
        : store.put(quote, record, newCollateral);
    if (!record.getCollateralId().isEmpty()) {
      j.collateral().ifPresent(c -> collaterals.remember(record.getCollateralId(), c));
    }
    if (stored != record) {
      // Another daemon sharing the store wrote this quote's record first: its record is the answer,
      // and the change (if any) is its to announce.
      return stored;
    }
    if (change != null) {
      if (existing.isPresent()) {
        metrics.verdictChange(from, to, reason);
      }
      events.publish(change);
    }
    return record;
  }

  private static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }

  /** {@code now}, or the microsecond after {@code r}'s verdict if {@code now} is not past it. */
  private static Instant after(StoredRecord r, Instant now) {
    long next = r.getVerifiedAtMicros() + 1;
    return micros(now) >= next ? now : Instant.EPOCH.plus(next, ChronoUnit.MICROS);
  }

  private static AttestationFailure notStored(Bytes checksum) {
    return AttestationFailure.notFound("no quote with checksum " + checksum.hex());
  }

  private static AttestationFailure judgedWithout(Bytes checksum, StoredRecord r) {
    return AttestationFailure.notFound("quote " + checksum.hex() + " was judged without collateral: "
        + r.getVerdict().getFailure().getCode());
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
}
