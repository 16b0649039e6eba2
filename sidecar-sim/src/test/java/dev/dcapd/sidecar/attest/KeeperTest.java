package dev.dcapd.sidecar.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dcapd.sidecar.agent.AgentEndpoint;
import dev.dcapd.sidecar.agent.DstackAgent;
import dev.dcapd.sidecar.key.AppKey;
import dev.dcapd.sidecar.sim.Simulator;
import dev.dcapd.verifier.Backoff;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keeper's bookkeeping with sinks that fail in each way a daemon can. */
class KeeperTest {
  @TempDir static Path dir;
  static Simulator sim;

  @BeforeAll
  static void start() throws Exception {
    sim = Simulator.start(dir.resolve("sim"), 5);
  }

  @AfterAll
  static void stop() throws Exception {
    sim.close();
  }

  interface Submit {
    Verdict apply(Bytes quote) throws SubmitException;
  }

  static VerdictSink sink(Submit f) {
    return new VerdictSink() {
      @Override
      public Verdict submit(Bytes quote) throws SubmitException {
        return f.apply(quote);
      }

      @Override
      public String describe() {
        return "test";
      }

      @Override
      public void close() {}
    };
  }

  static Keeper keeper(VerdictSink sink) {
    Minter minter = new Minter(new DstackAgent(AgentEndpoint.unix(sim.dstackSocket()), Duration.ofSeconds(10)),
        AppKey.generate(KeyType.P256, new SecureRandom()), Clock.systemUTC());
    return new Keeper(minter, Optional.of(sink), Clock.systemUTC(), Duration.ofHours(1),
        new Backoff(Duration.ofMillis(20), Duration.ofMillis(50)));
  }

  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(20);
    }
    fail("condition never held");
  }

  @Test
  void aFinalDaemonErrorIsNotRetried() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (Keeper k = keeper(sink(q -> {
      calls.incrementAndGet();
      throw new SubmitException("INVALID_ARGUMENT", false, null);
    }))) {
      k.refresh();
      await(() -> k.daemonStatus().state() == Keeper.DaemonState.FAILED);
      assertEquals(1, calls.get());
      assertEquals("INVALID_ARGUMENT", k.daemonStatus().lastError().orElseThrow());
      assertTrue(k.verdict().isEmpty());
      assertTrue(k.latest().isPresent());
    }
  }

  @Test
  void transientErrorsAreRetriedUntilTheDaemonAnswers() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (Keeper k = keeper(sink(q -> {
      if (calls.incrementAndGet() < 4) {
        throw new SubmitException("UNAVAILABLE", true, null);
      }
      return verdict(q);
    }))) {
      k.refresh();
      await(() -> k.verdict().isPresent());
      assertEquals(4, calls.get());
      assertEquals(Keeper.DaemonState.OK, k.daemonStatus().state());
      assertEquals(3, k.daemonStatus().attempts());
      // A rejected quote is an answer, kept like any other.
      assertFalse(k.verdict().get().success());
      assertEquals(k.latest().orElseThrow().checksum(), k.verdict().get().checksum());
    }
  }

  // A real verdict on the quote: against Intel's root, a testkit quote is rejected.
  static Verdict verdict(Bytes quote) {
    try {
      return QuoteVerifier.withTrustAnchor(TrustAnchor.intel())
          .verify(QuoteParser.parse(quote.toByteArray()), sim.agent().batch().collateral(), Instant.now());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
