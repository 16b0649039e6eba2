package dev.dcapd.sidecar.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.sidecar.attest.AttestException;
import dev.dcapd.sidecar.attest.Attestation;
import dev.dcapd.sidecar.attest.Keeper;
import dev.dcapd.sidecar.attest.SubmitException;
import dev.dcapd.sidecar.http.HttpRequest;
import dev.dcapd.sidecar.http.HttpResponse;
import dev.dcapd.sidecar.key.AppKey;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import dev.dcapd.verifier.eventlog.DstackAppInfo;
import dev.dcapd.verifier.json.VerdictJson;
import dev.dcapd.verifier.verify.Verdict;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;

/**
 * The sidecar's HTTP API for the app next to it:
 *
 * <ul>
 *   <li>{@code GET /attestation}: the latest quote bound to the app key, its checksum, the key, the
 *       event log and its facts, the daemon's verdict and the submission status
 *   <li>{@code POST /attestation}: re-attest now, then answer as GET does (rate-limited like /quote)
 *   <li>{@code POST /quote} {@code {"nonce": hex}}: a fresh quote bound to the key and the nonce (rate-limited)
 *   <li>{@code POST /sign} {@code {"message": hex}}: an ECDSA signature by the bound key
 *   <li>{@code GET /healthz}: 200 when an attestation is held and not rejected by the daemon, else 503
 * </ul>
 * Errors are {@code {"error": message}} with a status that says whose fault it is. Over TCP every
 * route but {@link #OPEN_PATHS} needs the API token (checked before this class sees the request).
 */
public final class LocalApi implements Function<HttpRequest, HttpResponse> {
  /** Largest nonce accepted (it is hashed into report_data, so any length would fit). */
  public static final int MAX_NONCE_BYTES = 1024;
  /** Largest message /sign accepts. */
  public static final int MAX_MESSAGE_BYTES = 1024 * 1024;
  /** Largest request body. */
  public static final int MAX_BODY_BYTES = 4 * MAX_MESSAGE_BYTES;
  /**
   * What a {@code GET} may ask for over TCP without the API token: {@code /healthz} only, so a
   * health probe needs no secret. It uses no key, asks the agent for nothing and tells only whether
   * the app is attested (and the checksum, which the daemon publishes anyway). {@code GET
   * /attestation} is not open: it is as cheap, but it hands out the current quote and event log,
   * which are for the app to pass on, not for any local process to collect.
   */
  public static final java.util.Set<String> OPEN_PATHS = java.util.Set.of("/healthz");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final Keeper keeper;
  private final RateLimiter quoteLimit;

  public LocalApi(Keeper keeper, RateLimiter quoteLimit) {
    this.keeper = keeper;
    this.quoteLimit = quoteLimit;
  }

  @Override
  public HttpResponse apply(HttpRequest r) {
    try {
      return switch (r.path()) {
        case "/attestation" -> switch (r.method()) {
          case "GET" -> attestation();
          case "POST" -> refresh();
          default -> methodNotAllowed();
        };
        case "/quote" -> r.method().equals("POST") ? quote(r) : methodNotAllowed();
        case "/sign" -> r.method().equals("POST") ? sign(r) : methodNotAllowed();
        case "/healthz" -> r.method().equals("GET") ? health() : methodNotAllowed();
        default -> error(404, "no such endpoint: " + r.path() + " (try /attestation, /quote, /sign, /healthz)");
      };
    } catch (ApiError e) {
      return error(e.status, e.getMessage());
    }
  }

  private HttpResponse attestation() {
    Optional<Attestation> a = keeper.latest();
    if (a.isEmpty()) {
      ObjectNode body = F.objectNode();
      body.put("error", "no attestation yet" + keeper.agentStatus().lastError().map(m -> ": " + m).orElse(""));
      body.set("daemon", daemon());
      return json(503, body);
    }
    ObjectNode body = render(a.get());
    body.set("verdict", keeper.verdict().<JsonNode>map(LocalApi::verdict).orElse(F.nullNode()));
    body.set("daemon", daemon());
    body.set("agent", agent());
    return json(200, body);
  }

  private HttpResponse refresh() throws ApiError {
    // Each refresh costs a real quote generation, like /quote, and shares its budget.
    if (!quoteLimit.tryAcquire()) {
      throw new ApiError(429, "too many fresh quotes; try again shortly");
    }
    try {
      keeper.refresh();
    } catch (AttestException e) {
      throw attestError(e);
    }
    return attestation();
  }

  private HttpResponse quote(HttpRequest r) throws ApiError {
    JsonNode in = body(r);
    Bytes nonce = hexField(in, "nonce", MAX_NONCE_BYTES);
    if (nonce.length() == 0) {
      throw new ApiError(400, "\"nonce\" must not be empty");
    }
    if (!quoteLimit.tryAcquire()) {
      throw new ApiError(429, "too many fresh quotes; try again shortly");
    }
    Attestation a;
    try {
      a = keeper.mintWithNonce(nonce);
    } catch (AttestException e) {
      throw attestError(e);
    }
    ObjectNode body = render(a);
    try {
      body.set("verdict", keeper.submitOnce(a).<JsonNode>map(LocalApi::verdict).orElse(F.nullNode()));
    } catch (SubmitException e) {
      body.putNull("verdict");
      body.put("daemon_error", e.getMessage());
    }
    return json(200, body);
  }

  private HttpResponse sign(HttpRequest r) throws ApiError {
    JsonNode in = body(r);
    Bytes message = hexField(in, "message", MAX_MESSAGE_BYTES);
    AppKey key = keeper.minter().key();
    Bytes signature = key.sign(message);
    ObjectNode body = F.objectNode();
    body.put("signature", signature.hex());
    body.put("signature_der", AppKey.der(signature).hex());
    body.put("algorithm", "ECDSA-SHA256");
    body.set("public_key", publicKey(key));
    keeper.latest().ifPresent(a -> body.put("checksum", a.checksum()));
    return json(200, body);
  }

  private HttpResponse health() {
    ObjectNode body = F.objectNode();
    Optional<Attestation> a = keeper.latest();
    Optional<Verdict> v = keeper.verdict();
    boolean rejected = v.isPresent() && !v.get().success();
    boolean ok = a.isPresent() && !rejected;
    body.put("status", ok ? "ok" : "unavailable");
    body.put("attested", a.isPresent());
    a.ifPresent(x -> body.put("checksum", x.checksum()));
    body.set("verified", v.map(s -> (JsonNode) F.booleanNode(s.success())).orElse(F.nullNode()));
    body.set("daemon", daemon());
    body.set("agent", agent());
    return json(ok ? 200 : 503, body);
  }

  private ObjectNode render(Attestation a) {
    ObjectNode body = F.objectNode();
    body.put("agent_kind", a.agentKind());
    body.put("quote", a.quote().hex());
    body.put("checksum", a.checksum());
    body.put("report_data", a.reportData().hex());
    body.put("binding", "dcapdbv1");
    body.set("public_key", publicKey(keeper.minter().key()));
    a.nonce().ifPresent(n -> body.put("nonce", n.hex()));
    body.put("event_log", a.eventLog());
    ObjectNode rtmrs = body.putObject("rtmrs");
    for (int i = 0; i < a.rtmrs().size(); i++) {
      rtmrs.put("rtmr" + i, a.rtmrs().get(i).hex());
    }
    body.set("app", app(a.app()));
    body.put("minted_at", a.mintedAt().toString());
    return body;
  }

  private static ObjectNode publicKey(AppKey key) {
    ObjectNode pk = F.objectNode();
    pk.put("type", key.type() == KeyType.P256 ? "p256" : "secp256k1");
    pk.put("xy", key.publicKeyXY().hex());
    pk.put("spki_der", key.publicKeySpki().hex());
    pk.put("key_id", key.keyId().hex());
    if (key.type() == KeyType.SECP256K1) {
      pk.put("eth_address", key.keyId().hex0x());
    }
    return pk;
  }

  private static ObjectNode app(DstackAppInfo info) {
    ObjectNode app = F.objectNode();
    app.put("app_id", info.appId().map(Bytes::hex).orElse(null));
    app.put("compose_hash", info.composeHash().map(Bytes::hex).orElse(null));
    app.put("instance_id", info.instanceId().map(Bytes::hex).orElse(null));
    app.put("os_image_hash", info.osImageHash().map(Bytes::hex).orElse(null));
    if (info.keyProvider().isPresent()) {
      app.putObject("key_provider").put("name", info.keyProvider().get().name()).put("id", info.keyProvider().get().id());
    } else {
      app.putNull("key_provider");
    }
    return app;
  }

  static ObjectNode verdict(Verdict v) {
    return VerdictJson.render(v);
  }

  private ObjectNode daemon() {
    Keeper.DaemonStatus d = keeper.daemonStatus();
    ObjectNode n = F.objectNode();
    n.put("state", d.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    n.put("failed_attempts", d.attempts());
    n.put("last_error", d.lastError().orElse(null));
    n.put("next_retry_at", d.nextRetryAt().map(Object::toString).orElse(null));
    return n;
  }

  private ObjectNode agent() {
    Keeper.AgentStatus s = keeper.agentStatus();
    ObjectNode n = F.objectNode();
    n.put("kind", keeper.minter().agent().kind());
    n.put("endpoint", keeper.minter().agent().endpoint().toString());
    n.put("consecutive_failures", s.consecutiveFailures());
    n.put("last_error", s.lastError().orElse(null));
    return n;
  }

  private static ApiError attestError(AttestException e) {
    int status = switch (e.kind()) {
      case AGENT_UNAVAILABLE -> 503;
      case AGENT_ERROR, BAD_QUOTE, BAD_EVENT_LOG -> 502;
    };
    return new ApiError(status, e.getMessage());
  }

  private static JsonNode body(HttpRequest r) throws ApiError {
    try {
      JsonNode n = JSON.readTree(r.body());
      if (n == null || !n.isObject()) {
        throw new ApiError(400, "the body must be a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new ApiError(400, "the body is not JSON");
    }
  }

  private static Bytes hexField(JsonNode in, String name, int max) throws ApiError {
    JsonNode n = in.get(name);
    if (n == null || !n.isTextual()) {
      throw new ApiError(400, "\"" + name + "\" (hex) is required");
    }
    Bytes b;
    try {
      b = Bytes.fromHex(n.textValue());
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "\"" + name + "\" is not hex");
    }
    if (b.length() > max) {
      throw new ApiError(413, "\"" + name + "\" is longer than " + max + " bytes");
    }
    return b;
  }

  private static HttpResponse methodNotAllowed() {
    return error(405, "method not allowed");
  }

  private static HttpResponse error(int status, String message) {
    return HttpResponse.error(status, message);
  }

  private static HttpResponse json(int status, JsonNode body) {
    return HttpResponse.json(status, body.toString());
  }

  private static final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    ApiError(int status, String message) {
      super(message);
      this.status = status;
    }
  }
}
