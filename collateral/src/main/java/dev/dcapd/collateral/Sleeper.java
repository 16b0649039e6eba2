package dev.dcapd.collateral;

import java.time.Duration;

/** Waits between retries; injected so that tests can record the waits instead of taking them. */
@FunctionalInterface
public interface Sleeper {
  /** The real one: {@link Thread#sleep}. */
  Sleeper SYSTEM = d -> Thread.sleep(d.toMillis());

  void sleep(Duration duration) throws InterruptedException;
}
