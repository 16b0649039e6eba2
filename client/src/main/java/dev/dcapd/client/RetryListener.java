package dev.dcapd.client;

import io.grpc.Status;
import java.time.Duration;

/** Told before each retry: for logs and metrics (and tests that act between attempts). */
@FunctionalInterface
public interface RetryListener {
  /**
   * Attempt {@code attempt} (counting from 1) of {@code method} failed with {@code status}; the next
   * starts after {@code backoff}. Runs on the client's scheduler thread: keep it short.
   */
  void retrying(String method, int attempt, Status status, Duration backoff);
}
