package dev.dcapd.collateral;

import java.util.Locale;

/**
 * Which TCB recovery stream PCS answers from ({@code update=} on TCB info and QE identity):
 * {@code standard} is Intel's default, {@code early} gives TCB recovery collateral as soon as it
 * is published.
 */
public enum UpdateType {
  STANDARD,
  EARLY;

  /** The query value, lower case as Intel documents it (PCCS upper-cases it itself). */
  public String queryValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code standard} or {@code early} in any case. */
  public static UpdateType parse(String text) {
    for (UpdateType u : values()) {
      if (u.name().equalsIgnoreCase(text.strip())) {
        return u;
      }
    }
    throw new IllegalArgumentException("update must be standard or early, not '" + text + "'");
  }
}
