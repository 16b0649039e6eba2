package dev.dcapd.daemon.api;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.proto.store.v1.ReappraisalJob;
import dev.dcapd.verifier.Bytes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Judges stored quotes again in the background when what their verdicts rest on changes: new
 * collateral for a platform (its quotes, through the {@code platforms} index), or a new trust root
 * or policy (every record). One thread, a bounded batch at a time; each job's progress is stored
 * after every batch, so a daemon killed mid-way resumes where it was, and a quote already judged
 * again is skipped because its verdict now holds. Daemons sharing a store share its jobs: a lease
 * per job lets one of them work it at a time, and another takes it over if that one dies.
 */
public final class Reappraiser implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dcapd.reappraisal");
  /** Quotes judged per batch before the job's progress is stored. */
  static final int BATCH = 64;
  /** How long a job stays with a daemon that stopped renewing it, at least. */
  static final Duration MIN_JOB_LEASE = Duration.ofSeconds(15);

  private final AttestationStore store;
  private final Attestations service;
  private final Clock clock;
  private final String owner;
  /** Twice a batch's time at the rate, so that a batch ends before its lease does. */
  private final Duration jobLease;
  /** Nanoseconds between two quotes judged again. */
  private final long pace;
  private long nextSlot = System.nanoTime();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Thread thread;
  private volatile boolean closed;
  private long scheduled;

  /**
   * @param owner this daemon's name in job leases
   * @param quotesPerSecond at most this many quotes judged again per second
   */
  public Reappraiser(AttestationStore store, Attestations service, Clock clock, String owner, int quotesPerSecond) {
    if (quotesPerSecond < 1) {
      throw new IllegalArgumentException("at least one quote per second");
    }
    this.store = store;
    this.service = service;
    this.clock = clock;
    this.owner = owner;
    this.pace = 1_000_000_000L / quotesPerSecond;
    Duration batch = Duration.ofNanos(pace * BATCH);
    this.jobLease = batch.multipliedBy(2).compareTo(MIN_JOB_LEASE) > 0 ? batch.multipliedBy(2) : MIN_JOB_LEASE;
    this.thread = new Thread(this::run, "dcapd-reappraisal");
    this.thread.setDaemon(true);
  }

  /** Starts the thread; jobs left by an earlier run are resumed. */
  public Reappraiser start() {
    thread.start();
    return this;
  }

  /**
   * Re-appraises the quotes of {@code platform} ({@link AttestationStore#ALL_PLATFORMS} for every record)
   * from the start, also if a job for it was under way.
   */
  public void schedule(String platform, String reason) {
    lock.lock();
    try {
      store.putJob(platform, ReappraisalJob.newBuilder()
          .setReason(reason)
          .setStartedAtMicros(ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant()))
          .build());
      scheduled++;
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Jobs in progress (a gauge). */
  public long inProgress() {
    return store.jobs().size();
  }

  private void run() {
    while (!closed) {
      try {
        boolean worked = false;
        for (Map.Entry<String, ReappraisalJob> e : store.jobs().entrySet()) {
          if (closed) {
            return;
          }
          if (store.claim(lease(e.getKey()), owner, jobLease)) {
            batch(e.getKey(), e.getValue());
            worked = true;
          }
        }
        if (!worked) {
          // No job, or every one is another daemon's: look again when one is scheduled here, or in a second.
          awaitWork();
        }
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.log(System.Logger.Level.WARNING, "re-appraisal paused after an error: {0}", e.toString());
        sleepQuietly(1000);
      }
    }
  }

  /** One batch of a job; its progress is stored unless the job was scheduled again meanwhile. */
  private void batch(String platform, ReappraisalJob job) {
    Optional<Bytes> after = job.getAfter().isEmpty() ? Optional.empty() : Optional.of(Bytes.of(job.getAfter().toByteArray()));
    List<Bytes> next = store.checksums(platform, after, BATCH);
    int judged = 0;
    for (Bytes checksum : next) {
      if (closed) {
        return;
      }
      if (service.reappraise(checksum, job.getReason())) {
        judged++;
        keepPace();
      }
    }
    lock.lock();
    try {
      ReappraisalJob current = store.jobs().get(platform);
      if (current == null || current.getStartedAtMicros() != job.getStartedAtMicros()
          || !current.getAfter().equals(job.getAfter())) {
        return; // scheduled again while this batch ran: the new job starts from the beginning
      }
      if (next.size() < BATCH) {
        store.deleteJob(platform);
        store.release(lease(platform), owner);
        LOG.log(System.Logger.Level.INFO, "re-appraisal of {0} done ({1})", platform, job.getReason());
      } else {
        store.putJob(platform, job.toBuilder().setAfter(ByteString.copyFrom(next.get(next.size() - 1).toByteArray())).build());
      }
    } finally {
      lock.unlock();
    }
    if (judged > 0) {
      LOG.log(System.Logger.Level.DEBUG, "re-appraisal of {0}: {1} of {2} judged again", platform, judged, next.size());
    }
  }

  private static String lease(String platform) {
    return "reappraisal/" + platform;
  }

  /** Waits for the next slot of the rate; a quote that still held took none. */
  private void keepPace() {
    long now = System.nanoTime();
    nextSlot = Math.max(nextSlot + pace, now);
    long wait = nextSlot - now;
    if (wait > 0) {
      sleepQuietly(wait / 1_000_000L, (int) (wait % 1_000_000L));
    }
  }

  private void awaitWork() {
    lock.lock();
    try {
      long seen = scheduled;
      while (!closed && seen == scheduled) {
        if (!work.await(1, TimeUnit.SECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    } finally {
      lock.unlock();
    }
  }

  private static void sleepQuietly(long millis) {
    sleepQuietly(millis, 0);
  }

  private static void sleepQuietly(long millis, int nanos) {
    try {
      Thread.sleep(millis, nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops after the quote being judged; the job's progress stays for the next start. */
  @Override
  public void close() {
    closed = true;
    lock.lock();
    try {
      work.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
