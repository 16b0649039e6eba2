package dev.dcapd.sidecar.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.sidecar.http.HttpResponse;
import dev.dcapd.sidecar.http.LocalHttpServer;
import dev.dcapd.verifier.Bytes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dstack client against agents that are missing, refuse, answer malformed JSON or are slow
 * (the clients against the simulated agent are in sidecar-sim's AgentClientTest).
 */
class AgentFailureTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  @TempDir static Path dir;

  @Test
  void aMissingSocketIsUnreachable() {
    try (DstackAgent agent = new DstackAgent(AgentEndpoint.unix(dir.resolve("nothing-here.sock")), TIMEOUT)) {
      AgentException e = assertThrows(AgentException.class, () -> agent.getQuote(Bytes.empty()));
      assertEquals(AgentException.Kind.UNREACHABLE, e.kind());
      assertTrue(e.retryable());
    }
  }

  @Test
  void anErrorAnswerIsRefusedWithItsMessage() throws Exception {
    try (FakeAgent fake = new FakeAgent(r -> HttpResponse.json(400, "{\n  \"error\": \"Method not found\"\n}"));
        DstackAgent agent = new DstackAgent(AgentEndpoint.unix(fake.socket), TIMEOUT)) {
      AgentException e = assertThrows(AgentException.class, () -> agent.getQuote(Bytes.empty()));
      assertEquals(AgentException.Kind.REFUSED, e.kind());
      assertTrue(e.getMessage().contains("Method not found"));
    }
  }

  @Test
  void malformedAnswersAreBadAnswers() throws Exception {
    String[] answers = {
        "{\"quote\":\"zz\",\"event_log\":\"[]\"}",
        "{\"quote\":\"abc\",\"event_log\":\"[]\"}",
        "{\"event_log\":\"[]\"}",
        "{\"quote\":7}",
        "not json",
        "[]",
    };
    for (String answer : answers) {
      try (FakeAgent fake = new FakeAgent(r -> HttpResponse.json(200, answer));
          DstackAgent agent = new DstackAgent(AgentEndpoint.unix(fake.socket), TIMEOUT)) {
        AgentException e = assertThrows(AgentException.class, () -> agent.getQuote(Bytes.empty()), answer);
        assertEquals(AgentException.Kind.BAD_ANSWER, e.kind(), answer);
      }
    }
    try (FakeAgent fake = new FakeAgent(r -> HttpResponse.json(200, "{\"key\":\"00\"}"));
        DstackAgent agent = new DstackAgent(AgentEndpoint.unix(fake.socket), TIMEOUT)) {
      assertEquals(AgentException.Kind.BAD_ANSWER, assertThrows(AgentException.class, () -> agent.deriveKey("p")).kind());
    }
  }

  @Test
  void aSlowAgentTimesOut() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    try (FakeAgent fake = new FakeAgent(r -> {
          try {
            never.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return HttpResponse.json(200, "{}");
        });
        DstackAgent agent = new DstackAgent(AgentEndpoint.unix(fake.socket), Duration.ofMillis(300))) {
      AgentException e = assertThrows(AgentException.class, () -> agent.getQuote(Bytes.empty()));
      assertEquals(AgentException.Kind.TIMEOUT, e.kind());
      assertTrue(e.retryable());
    } finally {
      never.countDown();
    }
  }

  /** A guest agent that answers every call with {@code handler}. */
  static final class FakeAgent implements AutoCloseable {
    private static int count;
    final Path socket;
    private final LocalHttpServer server;

    FakeAgent(Function<dev.dcapd.sidecar.http.HttpRequest, HttpResponse> handler) throws Exception {
      synchronized (FakeAgent.class) {
        socket = dir.resolve("fake-" + (count++) + ".sock");
      }
      server = LocalHttpServer.unix(socket, 1 << 20, 4, handler);
    }

    @Override
    public void close() throws Exception {
      server.close();
    }
  }
}
