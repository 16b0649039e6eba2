package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report page's timeline drawing: where windows and marks fall, and which lines labels take. */
class TimelineTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  @Test
  void windowsAndNowFallWhereTheirInstantsAre() {
    Instant now = T0.plus(Duration.ofDays(50));
    Timeline t = Timeline.of(List.of(
            new Timeline.Span("TCB info", T0, T0.plus(Duration.ofDays(100))),
            new Timeline.Span("QE identity", T0.plus(Duration.ofDays(10)), T0.plus(Duration.ofDays(40)))),
        List.of(), now);
    // The axis runs from T0 - 4 days to T0 + 104 days (a margin of a 25th of the span on each side).
    assertEquals("3.70", t.rows().get(0).x());
    assertEquals("92.59", t.rows().get(0).width());
    assertTrue(t.rows().get(0).coversNow());
    assertFalse(t.rows().get(1).coversNow(), "a window that ended before now does not cover it");
    assertEquals(1, t.marks().size());
    Timeline.Mark mark = t.marks().get(0);
    assertEquals("now", mark.name());
    assertTrue(mark.now());
    assertEquals("50.00", mark.x());
    assertEquals("middle", mark.anchor());
    assertEquals("2024-12-28", t.from());
    assertEquals("2025-04-15", t.to());
    assertTrue(t.rows().get(1).barY() > t.rows().get(0).barY());
    assertTrue(t.axisY() > t.rows().get(1).barY() + Timeline.BAR_HEIGHT);
  }

  @Test
  void momentsAtOneInstantShareAMarkAndCloseOnesTakeAnotherLine() {
    Instant now = T0.plus(Duration.ofDays(30));
    Timeline t = Timeline.of(List.of(new Timeline.Span("TCB info", T0, now.plusSeconds(3600))),
        List.of(new Timeline.Moment("judged", now), new Timeline.Moment("expires", now.plusSeconds(1))), now);
    assertEquals(2, t.marks().size());
    Timeline.Mark first = t.marks().get(0);
    Timeline.Mark second = t.marks().get(1);
    assertEquals("judged · now", first.name());
    assertTrue(first.now());
    assertEquals("expires", second.name());
    assertFalse(second.now());
    assertTrue(second.labelY() > first.labelY(), "a label too close to another goes on the next line");
    assertEquals("end", second.anchor(), "a label near the right edge ends at its mark");
    assertTrue(t.rows().get(0).labelY() > second.labelY(), "rows start below every label");
  }

  @Test
  void windowsEndingAtNowDoNotCoverIt() {
    Timeline t = Timeline.of(List.of(new Timeline.Span("QE identity", T0, T0.plusSeconds(60))), List.of(), T0.plusSeconds(60));
    assertFalse(t.rows().get(0).coversNow());
  }
}
