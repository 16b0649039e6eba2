package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.cli.VerifyBatch.Outcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link VerifyProgress} with a hand-driven clock, on a terminal and off one. */
class VerifyProgressTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final StringWriter text = new StringWriter();

  private VerifyProgress progress(boolean terminal, int total) {
    return new VerifyProgress(new PrintWriter(text), terminal, now::get, total);
  }

  private void advanceMillis(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void offATerminalOnlyTheSummaryIsWritten() {
    VerifyProgress p = progress(false, 4);
    for (Outcome o : new Outcome[] {Outcome.VERIFIED, Outcome.REJECTED, Outcome.VERIFIED, Outcome.ERROR}) {
      advanceMillis(500);
      p.done(o);
    }
    assertEquals("", text.toString());
    p.clear();
    assertEquals("", text.toString());
    p.finish();
    assertEquals("verify: 4/4 done in 2.0 s, 2.0/s: 2 verified, 2 failed (1 rejected, 1 errors)" + System.lineSeparator(),
        text.toString());
  }

  @Test
  void onATerminalTheLineIsRedrawnAtMostFourTimesASecond() {
    VerifyProgress p = progress(true, 100);
    for (int i = 0; i < 20; i++) {
      advanceMillis(50);
      p.done(i == 7 ? Outcome.REJECTED : Outcome.VERIFIED);
    }
    // 20 files in one second: a redraw every 250 ms, so four.
    String shown = text.toString();
    assertEquals(4, shown.chars().filter(c -> c == '\r').count(), shown);
    assertFalse(shown.contains("\n"), "the live line stays on one line");
    assertTrue(shown.endsWith("\rverify: 20/100, 20.0/s, 1 failed"), shown);

    advanceMillis(1000);
    p.finish();
    String all = text.toString();
    assertTrue(all.endsWith("\rverify: 20/100 done in 2.0 s, 10.0/s: 19 verified, 1 failed (1 rejected, 0 errors)"
        + System.lineSeparator()), all);
  }

  @Test
  void clearBlanksTheLiveLineBeforeAnError() {
    VerifyProgress p = progress(true, 3);
    advanceMillis(300);
    p.done(Outcome.VERIFIED);
    String line = "verify: 1/3, 3.3/s, 0 failed";
    assertEquals("\r" + line, text.toString());
    p.clear();
    assertEquals("\r" + line + "\r" + " ".repeat(line.length()) + "\r", text.toString());
  }

  @Test
  void aShorterLineCoversTheLongerOneBeforeIt() {
    VerifyProgress p = progress(true, 10);
    advanceMillis(300);
    p.done(Outcome.ERROR);
    String first = text.toString();
    advanceMillis(100_000);
    p.done(Outcome.VERIFIED);
    String second = text.toString().substring(first.length());
    assertEquals(first.length(), second.length(), "the second draw pads to the first's width: " + second);
  }
}
