package dev.dcapd.collateral;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link CollateralCache} in memory, optionally backed by a {@link CollateralStore}.
 *
 * <ul>
 *   <li>One fetch per key at a time: concurrent callers for a key share the fetch in flight.
 *   <li>Entries are refreshed in the background once they come within the refresh margin of
 *       their earliest expiry or pass the maximum age (new TCB info can appear before the old one
 *       expires); callers are answered from the entry meanwhile.
 *   <li>While every source is down, the last good entry is served for as long as it is valid at
 *       the instant asked about. A key is refreshed at most once per minimum interval, so a
 *       source with nothing newer, or one that is down, is not asked on every call.
 *   <li>An instant outside the entry's window is taken to the sources, except within that
 *       interval after they served the entry (they serve only their current collateral).
 *   <li>When every source answers that it knows no such platform ({@code COLLATERAL_NOT_FOUND}),
 *       that answer is given for the not-found period without asking them again.
 * </ul>
 *
 * <p>The cache holds the most recently fetched collateral that passed the check at the clock's now
 * and is not older, in any part, than what it held ({@link CollateralEdition}): a fetch for a
 * caller's other instant ({@link #getForInstant}) answers such calls only, and a source that lags
 * behind another never rolls back a CRL or TCB info the cache has seen. Time comes from the
 * injected {@link Clock}.
 *
 * <p>Its three maps are Caffeine caches bounded by {@link Builder#maximumSize}. Caffeine's own
 * refresh-ahead ({@code refreshAfterWrite}) does not fit these rules: it refreshes a fixed time
 * after a write, where an entry here is due by its own expiry or by its fetch time (which predates
 * the write when it comes from the store), and it would ask a source that is down again on every
 * read instead of once per minimum interval. Nor does time-based expiry of entries: an entry past
 * its expiry still answers for instants inside its window and is what a newer fetch is compared
 * with, so entries leave only by the size bound.
 */
public final class InMemoryCollateralCache implements CollateralCache {
  private static final System.Logger LOG = System.getLogger(InMemoryCollateralCache.class.getName());
  /**
   * Keys held by default: an order of magnitude above the platforms Intel serves collateral for (a
   * few hundred FMSPCs, each with one or two CA and TEE types): eviction is a backstop, not a policy.
   */
  public static final long DEFAULT_MAXIMUM_SIZE = 4096;
  /**
   * How long the sources' "no such platform" is remembered: short enough that a platform Intel
   * adds is served minutes later, long enough that repeating a quote cannot load them.
   */
  public static final Duration DEFAULT_NOT_FOUND_PERIOD = Duration.ofMinutes(5);
  private static final ExecutorService DEFAULT_REFRESHER = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "dcapd-collateral-refresh");
    t.setDaemon(true);
    return t;
  });

  private final CollateralFetcher fetcher;
  private final Clock clock;
  private final Duration refreshMargin;
  private final Duration maxAge;
  private final Duration minRefreshInterval;
  private final Executor refreshExecutor;
  private final CollateralStore store;
  private final InstallListener onInstall;
  /**
   * The collateral installed per key. Only collateral that passed the check under the trust anchor
   * is installed, so the keys are Intel's real platforms (a few hundred FMSPCs, times CA and TEE),
   * however many made-up FMSPCs callers ask about; the bound is a backstop. A key evicted by it
   * forgets the edition it held, and the store, which keeps the last install, answers its next miss.
   */
  private final Cache<CollateralKey, CachedCollateral> entries;
  /**
   * The fetch in flight per key, removed when it ends: callers of one key share it. Futures rather
   * than Caffeine's {@code AsyncCache}: waiters park on the future, not on the map's lock, while
   * the fetch runs outside the map, and a failed fetch is not logged with a stack trace by
   * Caffeine as a failed asynchronous load (a made-up FMSPC would flood the log).
   */
  private final Cache<CollateralKey, CompletableFuture<CachedCollateral>> inFlight;
  /** Keys whose background refresh started less than the minimum interval ago, by the clock. */
  private final Cache<CollateralKey, Instant> recentRefreshes;
  /**
   * Keys every source answered it knows nothing of ({@code COLLATERAL_NOT_FOUND}: PCS's 404), with
   * that answer and until when it is given again without asking, for the not-found period by the
   * clock. Asking again sooner would get the same answer, and whoever repeats a quote of such a
   * platform must not make this cache ask the sources on every call. Bounded like the entries:
   * only platforms whose PCK chain the trust anchor vouches for get this far (the daemon checks
   * the chain before it asks), so the keys are real platforms.
   */
  private final Cache<CollateralKey, NotFound> notFound;
  private final Duration notFoundPeriod;
  /**
   * Keys the sources were asked about for a caller's instant ({@link #getForInstant}) less than the
   * minimum interval ago, and what they served then if it passed: they serve only their current
   * collateral, so asking again for another instant would only load them, and a caller choosing
   * instants must not make this cache ask on every call.
   */
  private final Cache<CollateralKey, Instant> instantFetches;
  private final Cache<CollateralKey, CachedCollateral> instantAnswers;

  private record NotFound(CollateralUnavailableException answer, Instant until) {}

  private InMemoryCollateralCache(Builder b) {
    this.fetcher = b.fetcher;
    this.clock = b.clock != null ? b.clock : b.fetcher.clock();
    this.refreshMargin = b.refreshMargin;
    this.maxAge = b.maxAge;
    this.minRefreshInterval = b.minRefreshInterval;
    this.refreshExecutor = b.refreshExecutor;
    this.store = b.store;
    this.onInstall = b.onInstall;
    this.entries = Caffeine.newBuilder().maximumSize(b.maximumSize).build();
    this.inFlight = Caffeine.newBuilder().maximumSize(b.maximumSize).build();
    this.recentRefreshes = Caffeine.newBuilder()
        .maximumSize(b.maximumSize)
        .expireAfterWrite(minRefreshInterval)
        .ticker(ticker(clock))
        .build();
    this.notFoundPeriod = b.notFoundPeriod;
    this.instantFetches = Caffeine.newBuilder()
        .maximumSize(b.maximumSize)
        .expireAfterWrite(minRefreshInterval)
        .ticker(ticker(clock))
        .build();
    this.instantAnswers = Caffeine.newBuilder()
        .maximumSize(b.maximumSize)
        .expireAfterWrite(minRefreshInterval)
        .ticker(ticker(clock))
        .build();
    this.notFound = Caffeine.newBuilder()
        .maximumSize(b.maximumSize)
        .expireAfterWrite(notFoundPeriod)
        .ticker(ticker(clock))
        .build();
  }

  /** Throws the sources' "no such platform" for {@code key} while it is remembered. */
  private void notFoundRemembered(CollateralKey key) throws CollateralUnavailableException {
    NotFound known = notFound.getIfPresent(key);
    if (known != null) {
      throw new CollateralUnavailableException(FailureCode.COLLATERAL_NOT_FOUND, known.answer().getMessage()
          + " (the sources' answer, not asked again before " + known.until() + ")", known.answer().attempts());
    }
  }

  /** Remembers the sources' "no such platform" for {@code key} for the not-found period. */
  private void rememberNotFound(CollateralKey key, Exception e) {
    if (e instanceof CollateralUnavailableException u && u.notFound() && !notFoundPeriod.isZero()) {
      notFound.put(key, new NotFound(u, clock.instant().plus(notFoundPeriod)));
    }
  }

  /** Caffeine's time source read from the injected clock, so that tests move it with the clock. */
  private static Ticker ticker(Clock clock) {
    return () -> {
      Instant now = clock.instant();
      return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
    };
  }

  /** Told when the cache installs collateral for a key that differs from what it held. */
  @FunctionalInterface
  public interface InstallListener {
    /**
     * @param previous the entry replaced, if the cache held one
     * @param installed the entry now held
     */
    void installed(CollateralKey key, Optional<CachedCollateral> previous, CachedCollateral installed);
  }

  public static Builder builder(CollateralFetcher fetcher) {
    return new Builder(fetcher);
  }

  @Override
  public CachedCollateral get(CollateralKey key, Instant at) throws DcapException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(at, "at");
    CachedCollateral entry = entries.getIfPresent(key);
    if (entry == null) {
      entry = loadFromStore(key, at);
    }
    if (entry != null && entry.validAt(at)) {
      if (refreshDue(entry, clock.instant())) {
        refreshInBackground(key);
      }
      return entry;
    }
    if (entry != null && entry.age(clock.instant()).compareTo(minRefreshInterval) < 0) {
      // The sources answered with this entry moments ago and serve only their current
      // collateral: asking again for an instant outside its window would only load them.
      throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "the collateral for " + key + " is current from "
          + entry.validFrom() + " to " + entry.earliestExpiry() + ", not at " + at);
    }
    notFoundRemembered(key);
    CachedCollateral fresh = shared(key, at, true, () -> {
      CachedCollateral current = entries.getIfPresent(key);
      return current != null && current.validAt(at) ? current : null;
    });
    if (!fresh.validAt(at)) {
      throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "the collateral for " + key + " is current from "
          + fresh.validFrom() + " to " + fresh.earliestExpiry() + ", not at " + at);
    }
    return fresh;
  }

  /**
   * Collateral current at a caller's instant, for that call alone: the entry held if it is
   * current then, otherwise what the sources serve, checked at {@code at} and never installed or
   * stored. A past instant cannot replace the collateral every other caller is judged by. The
   * sources are asked at most once per key in the minimum refresh interval for such instants; what
   * they served answers the instants in its window meanwhile.
   */
  @Override
  public CachedCollateral getForInstant(CollateralKey key, Instant at) throws DcapException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(at, "at");
    CachedCollateral entry = entries.getIfPresent(key);
    if (entry == null) {
      entry = loadFromStore(key, clock.instant());
    }
    if (entry != null && entry.validAt(at)) {
      return entry;
    }
    if (entry != null && entry.age(clock.instant()).compareTo(minRefreshInterval) < 0) {
      throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "the collateral for " + key + " is current from "
          + entry.validFrom() + " to " + entry.earliestExpiry() + ", not at " + at);
    }
    notFoundRemembered(key);
    CachedCollateral answered = instantAnswers.getIfPresent(key);
    if (answered != null && answered.validAt(at)) {
      return answered;
    }
    Instant now = clock.instant();
    Instant asked = minRefreshInterval.isZero() ? null : instantFetches.asMap().putIfAbsent(key, now);
    if (asked != null) {
      throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "the sources were asked for " + key + " at " + asked
          + " and serve only their current collateral: not asked again for " + at + " before "
          + asked.plus(minRefreshInterval));
    }
    try {
      CachedCollateral fetched = fetcher.fetch(key, at).collateral();
      instantAnswers.put(key, fetched);
      return fetched;
    } catch (CollateralUnavailableException e) {
      rememberNotFound(key, e);
      throw e;
    }
  }

  @Override
  public Optional<CachedCollateral> peek(CollateralKey key, Instant at) {
    CachedCollateral entry = entries.getIfPresent(key);
    if (entry == null || !entry.validAt(at)) {
      return Optional.empty();
    }
    if (refreshDue(entry, clock.instant())) {
      refreshInBackground(key);
    }
    return Optional.of(entry);
  }

  /** The entries held now (for health and metrics). */
  public Map<CollateralKey, CachedCollateral> entries() {
    return Map.copyOf(entries.asMap());
  }

  /**
   * Runs the one fetch for {@code key}, or waits for the one in flight. {@code alreadyDone}
   * answers for a flight that finished between the caller's look at the cache and now, so that a
   * late caller does not fetch again.
   */
  private CachedCollateral shared(CollateralKey key, Instant checkAt, boolean mayInstall,
      Supplier<CachedCollateral> alreadyDone) throws DcapException {
    CompletableFuture<CachedCollateral> mine = new CompletableFuture<>();
    CompletableFuture<CachedCollateral> running = inFlight.get(key, k -> mine);
    if (running != mine) {
      return await(key, running);
    }
    boolean claimed = false;
    try {
      CachedCollateral done = alreadyDone.get();
      if (done != null) {
        mine.complete(done);
        return done;
      }
      if (mayInstall && store.shared()) {
        // Another cache on the store may have fetched it moments ago, or be fetching it now.
        claimed = store.claimFetch(key);
        CachedCollateral peers = claimed ? adopt(key, checkAt, true) : awaitPeer(key, checkAt);
        if (peers != null) {
          mine.complete(peers);
          return peers;
        }
      }
      CachedCollateral fetched = fetcher.fetch(key, checkAt).collateral();
      // Installed before the flight is removed: a caller that misses the flight finds the entry.
      // Collateral not current now was checked for the caller's instant: it answers that call only.
      if (mayInstall && fetched.validAt(clock.instant())) {
        install(key, fetched, true);
      }
      mine.complete(fetched);
      return fetched;
    } catch (DcapException | RuntimeException e) {
      // Remembered before the flight ends: a caller that misses the flight finds the answer.
      rememberNotFound(key, e);
      mine.completeExceptionally(e);
      throw e;
    } finally {
      if (claimed) {
        releaseFetch(key);
      }
      inFlight.asMap().remove(key, mine);
    }
  }

  private void releaseFetch(CollateralKey key) {
    try {
      store.releaseFetch(key);
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "fetch of {0} not released (it expires): {1}", key, e.toString());
    }
  }

  /**
   * Installs, without fetching, what another cache sharing the store saved for {@code key} when it
   * is newer than the entry held: {@link #shared} asks for it fetched within the minimum refresh
   * interval (as good as fetching now), the daemon's periodic look at the store for any newer
   * edition. It is checked like a fetch, at the clock's now, and never replaces a newer part.
   * Returns the entry held afterwards if it is current at {@code at}, else {@code null}.
   */
  private CachedCollateral adopt(CollateralKey key, Instant at, boolean fetchedJustNow) {
    CollateralStore.Stored s = stored(key);
    if (s == null) {
      return null;
    }
    Instant now = clock.instant();
    CachedCollateral held = entries.getIfPresent(key);
    boolean newer = held == null || !held.checked().id().equals(s.collateral().id()) || s.fetchedAt().isAfter(held.fetchedAt());
    if (!newer || (fetchedJustNow && s.fetchedAt().isBefore(now.minus(minRefreshInterval)))) {
      return null;
    }
    CachedCollateral peers;
    try {
      peers = new CachedCollateral(fetcher.check().check(s.collateral(), key, now), s.source(), s.fetchedAt());
      install(key, peers, false);
    } catch (DcapException e) {
      LOG.log(Level.INFO, "stored collateral for {0} not adopted at {1}: {2}: {3}", key, now, e.code(), e.getMessage());
      return null;
    }
    CachedCollateral current = entries.getIfPresent(key);
    return current != null && current.validAt(at) ? current : null;
  }

  /** How long a cache waits for another's fetch of a key before it fetches the key itself. */
  private static final Duration PEER_WAIT = Duration.ofSeconds(10);
  private static final long PEER_POLL_MILLIS = 100;

  /**
   * Waits (bounded) for the cache that holds the fetch of {@code key} to save what it fetched;
   * {@code null} when nothing came, and the caller fetches after all.
   */
  private CachedCollateral awaitPeer(CollateralKey key, Instant at) {
    long deadline = System.nanoTime() + PEER_WAIT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      CachedCollateral peers = adopt(key, at, true);
      if (peers != null) {
        return peers;
      }
      try {
        Thread.sleep(PEER_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    LOG.log(Level.INFO, "no collateral for {0} from the cache that holds its fetch within {1}; fetching it here", key, PEER_WAIT);
    return null;
  }

  /**
   * Installs what the store holds for {@code key} when another cache sharing it saved a newer
   * edition than the one held (checked, and never older in any part). Nothing for a key that is
   * being fetched here: that fetch looks at the store itself. Returns whether anything changed.
   */
  public boolean adoptStored(CollateralKey key) {
    CompletableFuture<CachedCollateral> mine = new CompletableFuture<>();
    if (inFlight.get(key, k -> mine) != mine) {
      return false;
    }
    CachedCollateral before = entries.getIfPresent(key);
    try {
      adopt(key, clock.instant(), false);
      CachedCollateral after = entries.getIfPresent(key);
      mine.complete(after);
      return after != before;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.asMap().remove(key, mine);
    }
  }

  private static CachedCollateral await(CollateralKey key, CompletableFuture<CachedCollateral> running)
      throws DcapException {
    try {
      return running.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "interrupted while waiting for collateral for " + key);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof CollateralUnavailableException u) {
        throw new CollateralUnavailableException(u.code(), u.getMessage(), u.attempts());
      }
      if (cause instanceof DcapException d) {
        throw new DcapException(d.code(), d.getMessage(), d);
      }
      throw new IllegalStateException("fetching collateral for " + key + " failed", cause);
    }
  }

  /**
   * Holds {@code fetched} (current now) for {@code key} unless a part of it is older than the entry
   * held; then refuses it, and the caller is answered as if no source had served it.
   */
  private void install(CollateralKey key, CachedCollateral fetched, boolean save) throws DcapException {
    notFound.invalidate(key);
    CachedCollateral held = entries.getIfPresent(key);
    if (held != null && held.checked().id().equals(fetched.checked().id())) {
      if (save && store.shared()) {
        // Caches sharing the store learn that the sources had nothing newer, and need not ask.
        save(key, fetched);
      }
      entries.put(key, fetched);
      return;
    }
    if (held != null) {
      List<String> older = fetched.checked().edition().olderPartsThan(held.checked().edition());
      if (!older.isEmpty()) {
        LOG.log(Level.WARNING, "collateral for {0} from {1} refused: older than the collateral held ({2})",
            key, fetched.source(), String.join("; ", older));
        throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "collateral for " + key + " from "
            + fetched.source() + " is older than the collateral held: " + String.join("; ", older));
      }
    }
    // Saved before it is held: a record judged against it (which other caches sharing the store
    // may read at once) never names collateral they cannot find.
    if (save) {
      save(key, fetched);
    }
    entries.put(key, fetched);
    try {
      onInstall.installed(key, Optional.ofNullable(held), fetched);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "collateral install listener for {0} failed: {1}", key, e.toString());
    }
  }

  private void save(CollateralKey key, CachedCollateral fetched) {
    try {
      store.save(key, new CollateralStore.Stored(
          fetched.collateral(), fetched.source(), fetched.fetchedAt(), fetched.earliestExpiry()));
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "collateral for {0} not persisted: {1}", key, e.toString());
    }
  }

  /** What the store holds for {@code key}, or {@code null} (none, or it cannot be read: logged). */
  private CollateralStore.Stored stored(CollateralKey key) {
    try {
      return store.load(key).orElse(null);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "stored collateral for {0} cannot be read: {1}", key, e.toString());
      return null;
    }
  }

  private CachedCollateral loadFromStore(CollateralKey key, Instant at) {
    CollateralStore.Stored s = stored(key);
    if (s == null) {
      return null;
    }
    try {
      CheckedCollateral checked = fetcher.check().check(s.collateral(), key, at);
      CachedCollateral loaded = new CachedCollateral(checked, s.source(), s.fetchedAt());
      CachedCollateral raced = entries.asMap().putIfAbsent(key, loaded);
      return raced != null ? raced : loaded;
    } catch (DcapException e) {
      LOG.log(Level.INFO, "stored collateral for {0} not used at {1}: {2}: {3}", key, at, e.code(), e.getMessage());
      return null;
    }
  }

  private boolean refreshDue(CachedCollateral entry, Instant now) {
    return !now.isBefore(entry.earliestExpiry().minus(refreshMargin)) || entry.age(now).compareTo(maxAge) >= 0;
  }

  /**
   * Starts a refresh unless one ran for this key within the minimum interval: sources that have
   * nothing newer (or are down) are not asked again on every call.
   */
  private void refreshInBackground(CollateralKey key) {
    // A refresh claims the key for the minimum interval; the claim expires by the injected clock.
    if (inFlight.asMap().containsKey(key) || recentRefreshes.asMap().putIfAbsent(key, clock.instant()) != null) {
      return;
    }
    try {
      refreshExecutor.execute(() -> refresh(key));
    } catch (RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "collateral refresh for {0} not scheduled: {1}", key, e.toString());
    }
  }

  private void refresh(CollateralKey key) {
    Instant now = clock.instant();
    try {
      shared(key, now, true, () -> {
        CachedCollateral current = entries.getIfPresent(key);
        return current != null && !refreshDue(current, clock.instant()) ? current : null;
      });
    } catch (DcapException | RuntimeException e) {
      CachedCollateral current = entries.getIfPresent(key);
      LOG.log(Level.WARNING, "collateral refresh for {0} failed ({1}); serving collateral fetched {2} from {3}, current until {4}",
          key, e.getMessage(), current == null ? "never" : current.fetchedAt(),
          current == null ? "-" : current.source(), current == null ? "-" : current.earliestExpiry());
    }
  }

  /** Configures an {@link InMemoryCollateralCache}. */
  public static final class Builder {
    private final CollateralFetcher fetcher;
    private Clock clock;
    private Duration refreshMargin = Duration.ofDays(1);
    private Duration maxAge = Duration.ofDays(1);
    private Duration minRefreshInterval = Duration.ofMinutes(5);
    private Executor refreshExecutor = DEFAULT_REFRESHER;
    private CollateralStore store = CollateralStore.NONE;
    private InstallListener onInstall = (key, previous, installed) -> { };
    private long maximumSize = DEFAULT_MAXIMUM_SIZE;
    private Duration notFoundPeriod = DEFAULT_NOT_FOUND_PERIOD;

    private Builder(CollateralFetcher fetcher) {
      this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    }

    /** The clock for "now" (default: the fetcher's). */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c);
      return this;
    }

    /** Refresh once an entry is this close to its earliest expiry (default one day). */
    public Builder refreshMargin(Duration d) {
      this.refreshMargin = nonNegative(d);
      return this;
    }

    /** Refresh once an entry is this old, however far its expiry (default one day). */
    public Builder maxAge(Duration d) {
      this.maxAge = nonNegative(d);
      return this;
    }

    /** At most one background refresh per key in this interval (default five minutes). */
    public Builder minRefreshInterval(Duration d) {
      this.minRefreshInterval = nonNegative(d);
      return this;
    }

    /** Runs background refreshes (default: a pool of daemon threads). */
    public Builder refreshExecutor(Executor e) {
      this.refreshExecutor = Objects.requireNonNull(e);
      return this;
    }

    public Builder store(CollateralStore s) {
      this.store = Objects.requireNonNull(s);
      return this;
    }

    /** Told of every install that changes a key's collateral (default: nobody). */
    public Builder onInstall(InstallListener l) {
      this.onInstall = Objects.requireNonNull(l);
      return this;
    }

    /**
     * At most this many keys are held (default {@value InMemoryCollateralCache#DEFAULT_MAXIMUM_SIZE}); beyond it the least
     * useful are evicted and are read again from the store on their next use.
     */
    public Builder maximumSize(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("the maximum size must be positive: " + n);
      }
      this.maximumSize = n;
      return this;
    }

    /**
     * How long every source's "no such platform" (404) for a key is answered without asking them
     * again (default {@link InMemoryCollateralCache#DEFAULT_NOT_FOUND_PERIOD}; zero: always ask).
     */
    public Builder notFoundPeriod(Duration d) {
      this.notFoundPeriod = nonNegative(d);
      return this;
    }

    public InMemoryCollateralCache build() {
      return new InMemoryCollateralCache(this);
    }

    private static Duration nonNegative(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("durations cannot be negative");
      }
      return d;
    }
  }
}
