package dev.dcapd.sidecar.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;

/**
 * pRPC calls to a guest agent: {@code POST path} with a JSON body and
 * {@code Content-Type: application/json} (which puts the agent in JSON mode), over a Unix socket
 * with Jetty's Unix-domain transport, or over TCP. Maps every way a call can go wrong onto an
 * {@link AgentException} kind; the agent's {@code {"error": ...}} message is kept.
 */
final class AgentHttp implements Closeable {
  /** The agent's own request-body limit; an answer larger than this is not one of its answers. */
  static final int MAX_ANSWER_BYTES = 10 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AgentEndpoint endpoint;
  private final Duration timeout;
  private final HttpClient client;

  AgentHttp(AgentEndpoint endpoint, Duration timeout) {
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.client = new HttpClient();
    client.setConnectTimeout(Math.min(timeout.toMillis(), 10_000));
    client.setFollowRedirects(false);
    client.setUserAgentField(null);
    try {
      client.start();
    } catch (Exception e) {
      throw new IllegalStateException("the HTTP client did not start", e);
    }
  }

  AgentEndpoint endpoint() {
    return endpoint;
  }

  /** POSTs {@code body} to {@code path} and returns the JSON object answered. */
  JsonNode call(String path, ObjectNode body) throws AgentException {
    Request request = client.newRequest(endpoint.baseUrl() + path)
        .method(HttpMethod.POST)
        .headers(h -> h.put(HttpHeader.ACCEPT, "application/json"))
        .body(new StringRequestContent("application/json", body.toString(), StandardCharsets.UTF_8))
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    endpoint.socket().ifPresent(p -> request.transport(new Transport.TCPUnix(p)));
    ContentResponse response;
    try {
      response = new CompletableResponseListener(request, MAX_ANSWER_BYTES).send().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentException(AgentException.Kind.UNREACHABLE, "interrupted while calling " + where(path));
    } catch (ExecutionException e) {
      throw failure(path, e.getCause());
    }
    String text = response.getContentAsString();
    JsonNode node = parse(text);
    if (response.getStatus() != 200) {
      String message = node != null && node.path("error").isTextual() ? node.get("error").textValue()
          : "HTTP " + response.getStatus();
      throw new AgentException(AgentException.Kind.REFUSED, where(path) + " answered " + response.getStatus() + ": " + message);
    }
    if (node == null || !node.isObject()) {
      throw new AgentException(AgentException.Kind.BAD_ANSWER, where(path) + " answered 200 with something that is not a JSON object");
    }
    // The JS SDK's rule: an "error" key is an error even under 200.
    if (node.has("error")) {
      throw new AgentException(AgentException.Kind.REFUSED, where(path) + " answered an error: " + node.get("error").asText());
    }
    return node;
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private AgentException failure(String path, Throwable cause) {
    if (endpoint.socket().isPresent() && !java.nio.file.Files.exists(endpoint.socket().get())) {
      return new AgentException(AgentException.Kind.UNREACHABLE, where(path) + " is not reachable: no socket at "
          + endpoint.socket().get(), cause);
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return new AgentException(AgentException.Kind.TIMEOUT, where(path) + " did not answer within " + timeout.toMillis() + " ms", cause);
      }
      if (t instanceof NoSuchFileException || t instanceof ConnectException || t instanceof ClosedChannelException
          || t instanceof java.net.SocketException || t instanceof java.io.EOFException) {
        return new AgentException(AgentException.Kind.UNREACHABLE, where(path) + " is not reachable: " + describe(t), cause);
      }
      if (t instanceof IllegalArgumentException && t.getMessage() != null && t.getMessage().contains("Buffering capacity")) {
        return new AgentException(AgentException.Kind.BAD_ANSWER, where(path) + " answered more than " + MAX_ANSWER_BYTES + " bytes", cause);
      }
    }
    return new AgentException(AgentException.Kind.UNREACHABLE, where(path) + " failed: " + describe(cause), cause);
  }

  private static String describe(Throwable t) {
    return t.getMessage() != null ? t.getClass().getSimpleName() + ": " + t.getMessage() : t.getClass().getSimpleName();
  }

  private String where(String path) {
    return "the guest agent at " + endpoint + " (" + path + ")";
  }

  @Override
  public void close() {
    try {
      client.stop();
    } catch (Exception e) {
      // stopping a client that failed is not worth reporting
    }
  }
}
