package dev.dcapd.daemon.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the pages write an instant: UTC, to the second, the same everywhere on them. */
final class PageTime {
  private static final DateTimeFormatter TEXT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT).withZone(ZoneOffset.UTC);

  private PageTime() {}

  static String text(Instant at) {
    return TEXT.format(at);
  }

  static String day(Instant at) {
    return DAY.format(at);
  }
}
