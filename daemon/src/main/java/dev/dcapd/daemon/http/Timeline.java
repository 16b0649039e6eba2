package dev.dcapd.daemon.http;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Validity windows on one time axis with moments marked on it (the verdict, the evidence's expiry,
 * now), laid out for the report page's SVG drawing: horizontal positions are percentages of its
 * width, vertical ones pixels. Worked out here because the page's Content-Security-Policy allows no
 * inline style, and a template should not do arithmetic. Public only because FreeMarker reads public types.
 */
public record Timeline(List<Row> rows, List<Mark> marks, String from, String to, int axisY, int height) {
  /** A window, as given. */
  public record Span(String name, Instant from, Instant to) {}

  /** A moment, as given. */
  public record Moment(String name, Instant at) {}

  /** A window as drawn; {@code coversNow} when now lies inside it. */
  public record Row(String name, String fromText, String toText, String x, String width, int labelY, int barY,
      boolean coversNow) {}

  /**
   * A moment as drawn: a line from its label down to the axis. Moments at one instant share a
   * mark; {@code now} says whether now is among them.
   */
  public record Mark(String name, String atText, String x, String anchor, int labelY, int lineY, boolean now) {}

  static final int BAR_HEIGHT = 14;
  private static final int LABEL_LINE = 14;
  private static final int ROW = 36;
  private static final int MAX_LEVELS = 3;
  /** Labels closer than this (percent of the width) go on different lines. */
  private static final double LABEL_ROOM = 16;

  /** The drawing of {@code spans} with {@code moments} and now marked; the axis spans them all, with a margin. */
  static Timeline of(List<Span> spans, List<Moment> moments, Instant now) {
    List<Moment> all = new ArrayList<>(moments);
    all.add(new Moment("now", now));
    Instant start = now;
    Instant end = now;
    for (Span s : spans) {
      start = min(start, s.from());
      end = max(end, s.to());
    }
    for (Moment m : all) {
      start = min(start, m.at());
      end = max(end, m.at());
    }
    Duration margin = Duration.between(start, end).dividedBy(25);
    if (margin.compareTo(Duration.ofHours(1)) < 0) {
      margin = Duration.ofHours(1);
    }
    Axis axis = new Axis(start.minus(margin), end.plus(margin));

    List<Mark> marks = marks(all, now, axis);
    int top = marks.stream().mapToInt(Mark::labelY).max().orElse(0) + 10;
    List<Row> rows = new ArrayList<>(spans.size());
    for (int i = 0; i < spans.size(); i++) {
      Span s = spans.get(i);
      double from = axis.percent(s.from());
      double to = axis.percent(s.to());
      boolean covers = !now.isBefore(s.from()) && now.isBefore(s.to());
      rows.add(new Row(s.name(), PageTime.text(s.from()), PageTime.text(s.to()), percent(from), percent(to - from),
          top + i * ROW + 11, top + i * ROW + 15, covers));
    }
    int axisY = top + spans.size() * ROW + 2;
    return new Timeline(rows, marks, PageTime.day(axis.start()), PageTime.day(axis.end()), axisY, axisY + 20);
  }

  /** Moments merged by instant, in time order, each label on the first line where it has room. */
  private static List<Mark> marks(List<Moment> moments, Instant now, Axis axis) {
    List<Moment> sorted = new ArrayList<>(moments);
    sorted.sort(Comparator.comparing(Moment::at));
    List<Mark> out = new ArrayList<>();
    double[] lastOnLevel = new double[MAX_LEVELS];
    Arrays.fill(lastOnLevel, Double.NEGATIVE_INFINITY);
    for (int i = 0; i < sorted.size(); ) {
      Instant at = sorted.get(i).at();
      StringBuilder name = new StringBuilder();
      int j = i;
      for (; j < sorted.size() && sorted.get(j).at().equals(at); j++) {
        name.append(name.length() == 0 ? "" : " · ").append(sorted.get(j).name());
      }
      i = j;
      double x = axis.percent(at);
      int level = 0;
      while (level < MAX_LEVELS - 1 && x - lastOnLevel[level] < LABEL_ROOM) {
        level++;
      }
      lastOnLevel[level] = x;
      String anchor = x < 10 ? "start" : x > 90 ? "end" : "middle";
      int labelY = LABEL_LINE * (level + 1) - 2;
      out.add(new Mark(name.toString(), PageTime.text(at), percent(x), anchor, labelY, labelY + 4, at.equals(now)));
    }
    return out;
  }

  private record Axis(Instant start, Instant end) {
    double percent(Instant at) {
      double span = Duration.between(start, end).toMillis();
      return 100.0 * Duration.between(start, at).toMillis() / span;
    }
  }

  private static String percent(double p) {
    return String.format(Locale.ROOT, "%.2f", Math.max(0, Math.min(100, p)));
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
