package dev.dcapd.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The progress of {@code dcap verify FILE...} on stderr. On a terminal one line (done/total, rate,
 * failures so far) is redrawn in place at most {@link #REDRAW_INTERVAL_NANOS} apart; elsewhere
 * (a log file, a pipe, a test) nothing is written until the summary. Either way the run ends with
 * one summary line. Safe to call from the threads that complete remote calls.
 */
final class VerifyProgress {
  /** At most four redraws a second: readable, and cheap next to thousands of verifications. */
  static final long REDRAW_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final PrintWriter err;
  private final boolean terminal;
  private final LongSupplier nanoTime;
  private final int total;
  private final long start;
  private long lastRedraw;
  private int verified;
  private int rejected;
  private int errors;
  /** Length of the line on screen, so that a shorter one can blank out what it does not cover. */
  private int shown;

  /**
   * @param terminal whether {@code err} is a terminal (redraw a line) or not (summary only)
   * @param nanoTime the clock, {@link System#nanoTime} outside tests
   */
  VerifyProgress(PrintWriter err, boolean terminal, LongSupplier nanoTime, int total) {
    this.err = err;
    this.terminal = terminal;
    this.nanoTime = nanoTime;
    this.total = total;
    this.start = nanoTime.getAsLong();
    this.lastRedraw = start;
  }

  /** Progress on {@code err}, a terminal or not, timed by {@link System#nanoTime}. */
  static VerifyProgress of(PrintWriter err, boolean terminal, int total) {
    return new VerifyProgress(err, terminal, System::nanoTime, total);
  }

  /** Counts one file's outcome and, on a terminal, redraws the line if it is due. */
  synchronized void done(VerifyBatch.Outcome outcome) {
    switch (outcome) {
      case VERIFIED -> verified++;
      case REJECTED -> rejected++;
      case ERROR -> errors++;
    }
    long now = nanoTime.getAsLong();
    if (terminal && now - lastRedraw >= REDRAW_INTERVAL_NANOS) {
      lastRedraw = now;
      draw(line(now));
    }
  }

  /** The live line: {@code verify: 37/100, 12.3/s, 2 failed} (failed = rejected or in error). */
  synchronized String line(long now) {
    int done = verified + rejected + errors;
    return String.format(Locale.ROOT, "verify: %d/%d, %.1f/s, %d failed", done, total, rate(done, now), rejected + errors);
  }

  /**
   * The summary: {@code verify: 100/100 done in 8.1 s, 12.3/s: 97 verified, 3 failed (2 rejected, 1 errors)}.
   */
  synchronized String summary(long now) {
    int done = verified + rejected + errors;
    return String.format(Locale.ROOT, "verify: %d/%d done in %.1f s, %.1f/s: %d verified, %d failed (%d rejected, %d errors)",
        done, total, (now - start) / 1e9, rate(done, now), verified, rejected + errors, rejected, errors);
  }

  /** Ends the run: the summary on its own line (replacing the live line on a terminal). */
  synchronized void finish() {
    String s = summary(nanoTime.getAsLong());
    if (terminal) {
      draw(s);
      shown = 0;
      err.println();
    } else {
      err.println(s);
    }
    err.flush();
  }

  /** Blanks the live line on a terminal, so that an error message starts at the left margin. */
  synchronized void clear() {
    if (terminal && shown > 0) {
      err.print("\r" + " ".repeat(shown) + "\r");
      shown = 0;
      err.flush();
    }
  }

  private double rate(int done, long now) {
    return done / (Math.max(now - start, 1) / 1e9);
  }

  private void draw(String text) {
    String pad = text.length() < shown ? " ".repeat(shown - text.length()) : "";
    err.print("\r" + text + pad);
    err.flush();
    shown = text.length();
  }
}
