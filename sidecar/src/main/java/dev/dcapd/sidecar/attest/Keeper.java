package dev.dcapd.sidecar.attest;

import dev.dcapd.verifier.Backoff;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.verify.Verdict;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the app attested: mints a quote bound to the app key at start, again every
 * {@code interval} and on demand, submits each to the daemon, and keeps the latest attestation
 * and its verdict. A daemon or agent outage is retried with backoff and shown in
 * {@link #daemonStatus()} / {@link #agentStatus()}, never hidden: the last good attestation stays
 * served, marked with what is failing.
 */
public final class Keeper implements Closeable {
  private static final System.Logger LOG = System.getLogger("dcap-sidecar");

  /** Where submission to the daemon stands. */
  public enum DaemonState {
    /** No daemon configured: quotes are minted and checked locally only. */
    NOT_CONFIGURED,
    /** The latest quote has not been answered yet. */
    PENDING,
    /** The daemon answered for the latest quote (see the verdict for its outcome). */
    OK,
    /** The daemon is unreachable or busy; the submission is being retried. */
    RETRYING,
    /** The daemon refused the submission in a way retrying will not change. */
    FAILED
  }

  /** Submission status: state, failed attempts for the current quote, last error, next retry. */
  public record DaemonStatus(DaemonState state, int attempts, Optional<String> lastError, Optional<Instant> nextRetryAt) {}

  /** Minting status: consecutive failures and the last error (empty once a mint succeeds). */
  public record AgentStatus(int consecutiveFailures, Optional<String> lastError, Optional<Instant> lastErrorAt) {}

  private final Minter minter;
  private final Optional<VerdictSink> sink;
  private final Clock clock;
  private final Duration interval;
  private final Backoff backoff;
  private final ScheduledExecutorService scheduler;

  private Attestation latest;
  private Verdict verdict;
  private long generation;
  private DaemonStatus daemonStatus;
  private AgentStatus agentStatus = new AgentStatus(0, Optional.empty(), Optional.empty());
  private ScheduledFuture<?> nextMint;

  public Keeper(Minter minter, Optional<VerdictSink> sink, Clock clock, Duration interval, Backoff backoff) {
    this.minter = minter;
    this.sink = sink;
    this.clock = clock;
    this.interval = interval;
    this.backoff = backoff;
    this.daemonStatus = new DaemonStatus(sink.isPresent() ? DaemonState.PENDING : DaemonState.NOT_CONFIGURED, 0,
        Optional.empty(), Optional.empty());
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sidecar-keeper");
      t.setDaemon(true);
      return t;
    });
  }

  public Minter minter() {
    return minter;
  }

  /** Mints the first attestation in the background and keeps re-attesting. */
  public synchronized void start() {
    nextMint = scheduler.schedule(this::scheduledMint, 0, TimeUnit.MILLISECONDS);
  }

  private void scheduledMint() {
    try {
      refresh();
    } catch (AttestException e) {
      // recorded in agentStatus by refresh; the retry is scheduled there
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "re-attestation failed unexpectedly", e);
      scheduleMint(backoff.max());
    }
  }

  /**
   * Mints a fresh attestation now (on demand or on schedule), makes it the latest, and submits it.
   * On failure the previous attestation stays and a retry is scheduled with backoff.
   */
  public Attestation refresh() throws AttestException {
    Attestation a;
    try {
      a = minter.mint(Optional.empty());
    } catch (AttestException e) {
      synchronized (this) {
        int failures = agentStatus.consecutiveFailures() + 1;
        agentStatus = new AgentStatus(failures, Optional.of(e.getMessage()), Optional.of(clock.instant()));
        Duration wait = e.kind() == AttestException.Kind.AGENT_UNAVAILABLE ? backoff.delay(failures)
            : backoff.max();
        LOG.log(System.Logger.Level.WARNING, "attestation failed ({0} in a row), retrying in {1} ms: {2}", failures,
            wait.toMillis(), e.getMessage());
        scheduleMint(wait);
      }
      throw e;
    }
    long gen;
    synchronized (this) {
      latest = a;
      gen = ++generation;
      agentStatus = new AgentStatus(0, Optional.empty(), Optional.empty());
      if (sink.isPresent()) {
        daemonStatus = new DaemonStatus(DaemonState.PENDING, 0, Optional.empty(), Optional.empty());
      }
      scheduleMint(interval);
    }
    if (sink.isPresent()) {
      scheduler.execute(() -> submit(a, gen, 1));
    }
    return a;
  }

  private synchronized void scheduleMint(Duration wait) {
    if (scheduler.isShutdown()) {
      return;
    }
    if (nextMint != null) {
      nextMint.cancel(false);
    }
    nextMint = scheduler.schedule(this::scheduledMint, wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void submit(Attestation a, long gen, int attempt) {
    synchronized (this) {
      if (gen != generation) {
        return; // a newer attestation took over; its own submission runs
      }
    }
    try {
      Verdict s = sink.get().submit(a.quote());
      synchronized (this) {
        if (gen == generation) {
          verdict = s;
          daemonStatus = new DaemonStatus(DaemonState.OK, attempt - 1, Optional.empty(), Optional.empty());
        }
      }
      if (!s.success()) {
        LOG.log(System.Logger.Level.WARNING, "the daemon rejected quote {0}: {1}", s.checksum(), s.failureCode().orElse("?"));
      }
    } catch (SubmitException e) {
      synchronized (this) {
        if (gen != generation || scheduler.isShutdown()) {
          return; // superseded, or interrupted by close()
        }
        if (!e.retryable()) {
          daemonStatus = new DaemonStatus(DaemonState.FAILED, attempt, Optional.of(e.getMessage()), Optional.empty());
          LOG.log(System.Logger.Level.ERROR, "submitting quote {0} failed: {1}", a.checksum(), e.getMessage());
          return;
        }
        Duration wait = backoff.delay(attempt);
        daemonStatus = new DaemonStatus(DaemonState.RETRYING, attempt, Optional.of(e.getMessage()),
            Optional.of(clock.instant().plus(wait)));
        LOG.log(System.Logger.Level.WARNING, "daemon unavailable (attempt {0}), retrying in {1} ms: {2}", attempt,
            wait.toMillis(), e.getMessage());
        if (!scheduler.isShutdown()) {
          scheduler.schedule(() -> submit(a, gen, attempt + 1), wait.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    }
  }

  /** A fresh quote bound to the key and {@code nonce}; not made the latest attestation. */
  public Attestation mintWithNonce(Bytes nonce) throws AttestException {
    return minter.mint(Optional.of(nonce));
  }

  /** Submits {@code a} once, without retrying (for nonce quotes a caller waits on). */
  public Optional<Verdict> submitOnce(Attestation a) throws SubmitException {
    if (sink.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(sink.get().submit(a.quote()));
  }

  public synchronized Optional<Attestation> latest() {
    return Optional.ofNullable(latest);
  }

  /** The daemon's verdict on the latest attestation, once it answered. */
  public synchronized Optional<Verdict> verdict() {
    if (latest == null || verdict == null || !verdict.checksum().equals(latest.checksum())) {
      return Optional.empty();
    }
    return Optional.of(verdict);
  }

  public synchronized DaemonStatus daemonStatus() {
    return daemonStatus;
  }

  public synchronized AgentStatus agentStatus() {
    return agentStatus;
  }

  public boolean daemonConfigured() {
    return sink.isPresent();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    sink.ifPresent(VerdictSink::close);
    minter.agent().close();
  }
}
