package dev.dcapd.daemon.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.daemon.api.AnswerMessages;
import dev.dcapd.daemon.api.AttestationFailure;
import dev.dcapd.daemon.store.StoreException;
import dev.dcapd.daemon.api.Attestations;
import dev.dcapd.daemon.api.StoredCollaterals;
import dev.dcapd.daemon.token.ResultTokens;
import dev.dcapd.proto.json.AnswerJson;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentItem;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.quote.Quote;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * Phala Cloud's attestation API under {@code /api/v1/attestations/}, over {@link Attestations}:
 * the same paths, methods, status codes, headers, JSON field names and value spellings (see
 * {@code reference/peer-services.md}), with dcapd's {@code verdict} added to every answer about a
 * quote. Failures are {@code {"detail": …}} as Phala gives them, plus a stable {@code code}.
 */
final class PhalaApi extends Handler.Abstract {
  static final String PREFIX = "/api/v1/attestations/";
  /** Phala's cache lifetime for collateral and raw quotes. */
  static final String CACHE = "public, max-age=86400";
  /** Answers that change when a verdict is judged again: a cache must ask before each use. */
  static final String REVALIDATE = "no-cache";

  private static final System.Logger LOG = System.getLogger("dcapd.http");

  /** Media types that ask for the signed result alone, as the body. */
  static final List<String> TOKEN_TYPES = List.of("application/eat+jwt", "application/jwt");

  private final Attestations attestations;
  private final AnswerMessages messages;
  private final ResultTokens tokens;
  private final int maxBodyBytes;

  PhalaApi(Attestations attestations, AnswerMessages messages, ResultTokens tokens, int maxBodyBytes) {
    this.attestations = attestations;
    this.messages = messages;
    this.tokens = tokens;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    if (!path.startsWith(PREFIX)) {
      return false;
    }
    String rest = path.substring(PREFIX.length());
    int slash = rest.indexOf('/');
    String route = slash < 0 ? rest : rest.substring(0, slash);
    String argument = slash < 0 ? null : rest.substring(slash + 1);
    try {
      switch (route) {
        case "verify" -> {
          allow(request, response, argument == null, HttpMethod.POST);
          verify(request, response, callback);
        }
        case "recent" -> {
          allow(request, response, argument == null, HttpMethod.GET, HttpMethod.HEAD);
          recent(request, response, callback);
        }
        case "view" -> {
          allow(request, response, argument != null, HttpMethod.GET, HttpMethod.HEAD);
          view(checksum(argument), request, response, callback);
        }
        case "collateral" -> {
          allow(request, response, argument != null, HttpMethod.GET, HttpMethod.HEAD);
          collateral(checksum(argument), request, response, callback);
        }
        case "raw" -> {
          allow(request, response, argument != null, HttpMethod.GET, HttpMethod.HEAD);
          raw(checksum(argument), request, response, callback);
        }
        default -> throw notFound();
      }
    } catch (HttpFailure f) {
      Answers.failure(response, callback, f);
    } catch (AttestationFailure f) {
      Answers.failure(response, callback, Answers.of(f));
    } catch (StoreException e) {
      LOG.log(e.unavailable() ? System.Logger.Level.WARNING : System.Logger.Level.ERROR, "store failure: {0}", e.getMessage());
      Answers.failure(response, callback, Answers.of(AttestationFailure.of(e)));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "internal error answering " + request.getMethod() + " " + path, e);
      Answers.failure(response, callback,
          new HttpFailure(HttpStatus.INTERNAL_SERVER_ERROR_500, "INTERNAL", "Internal server error"));
    }
    return true;
  }

  /**
   * {@code POST verify}: 200 and Phala's {@code VerificationResponse} when the quote verified; 400
   * {@code "Quote verification failed"} with the same answer (stored, as Phala does) when it did
   * not; 422 when it does not parse; 400 {@code COLLATERAL_NOT_FOUND} when every collateral source
   * answered that it knows no such platform, 500 when no collateral could be had otherwise
   * (nothing stored).
   */
  private void verify(Request request, Response response, Callback callback) {
    TokenAsk ask = TokenAsk.of(request);
    Quote quote = Attestations.parse(QuoteUpload.read(request, maxBodyBytes));
    tokens.checkNonce(quote, ask.nonce());
    Attestations.Answer a = attestations.verifyFromMemory(quote, false)
        .orElseGet(() -> attestations.verify(quote, false, () -> {}));
    VerifyResponse message = messages.verifyResponse(a);
    ObjectNode body = AnswerJson.verification(message);
    Optional<String> token = ask.issue(tokens, a.quote(), message.getVerdict());
    if (ask.bare()) {
      answerToken(response, callback, token.orElseThrow());
      return;
    }
    token.ifPresent(t -> body.put("token", t));
    if (!a.record().getVerdict().getSuccess()) {
      String code = a.record().getVerdict().getFailure().getCode();
      throw new HttpFailure(HttpStatus.BAD_REQUEST_400, code.isEmpty() ? "VERIFICATION_FAILED" : code,
          "Quote verification failed", body);
    }
    Answers.json(response, callback, HttpStatus.OK_200, body);
  }

  /** {@code GET view/{checksum}}: the stored quote, judged now. */
  private void view(Bytes checksum, Request request, Response response, Callback callback) {
    TokenAsk ask = TokenAsk.of(request);
    Attestations.Answer a = attestations.getFromMemory(checksum).orElseGet(() -> attestations.get(checksum, () -> {}));
    GetResponse message = messages.getResponse(a);
    Optional<String> token = ask.issue(tokens, a.quote(), message.getVerdict());
    if (ask.bare()) {
      answerToken(response, callback, token.orElseThrow());
      return;
    }
    ObjectNode body = AnswerJson.stored(message);
    token.ifPresent(t -> body.put("token", t));
    // Judged for this answer: true now, and no cache may serve it later without asking again.
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, REVALIDATE);
    Answers.json(response, callback, HttpStatus.OK_200, body);
  }

  /** The signed result alone, as {@code application/eat+jwt}. */
  private static void answerToken(Response response, Callback callback, String token) {
    // A token is issued for one caller (and maybe one nonce): never a cache's to hand to another.
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    Answers.text(response, callback, HttpStatus.OK_200, "application/eat+jwt", token);
  }

  /**
   * Whether a request asks for a signed result: {@code ?token=ear} (added to the JSON as
   * {@code token}) or {@code Accept: application/eat+jwt} (the token alone is the body), with an
   * optional {@code ?nonce=HEX} from {@code POST /api/v1/challenge}.
   */
  private record TokenAsk(boolean wanted, boolean bare, Optional<byte[]> nonce) {
    static TokenAsk of(Request request) {
      Fields query = Request.extractQueryParameters(request);
      String format = Optional.ofNullable(query.getValue("token")).orElse("");
      String accept = Optional.ofNullable(request.getHeaders().get(HttpHeader.ACCEPT)).orElse("");
      boolean bare = TOKEN_TYPES.stream().anyMatch(accept::contains);
      String nonceHex = query.getValue("nonce");
      Optional<byte[]> nonce = nonceHex == null || nonceHex.isEmpty() ? Optional.empty()
          : Optional.of(QuoteUpload.decodeHex(nonceHex, "the nonce"));
      String asked = bare && format.isEmpty() ? ResultTokens.FORMAT_EAR : format;
      ResultTokens.requireFormat(asked, nonce.isPresent());
      return new TokenAsk(!asked.isEmpty(), bare, nonce);
    }

    Optional<String> issue(ResultTokens tokens, Quote quote, Verdict verdict) {
      return wanted ? Optional.of(tokens.issue(quote, verdict, nonce)) : Optional.empty();
    }
  }

  /**
   * {@code GET collateral/{checksum}}: the {@code QuoteCollateralV3} the quote's current verdict
   * was reached against, with Phala's cache headers; 304 when {@code If-None-Match} names it; 400
   * when the quote was judged without collateral (its platform names none).
   */
  private void collateral(Bytes checksum, Request request, Response response, Callback callback) {
    requireStored(checksum);
    // The collateral of the verdict as it stands now: a record that no longer holds is judged
    // again first, so the answer (and its ETag) follow a re-appraisal to newer collateral.
    Attestations.Answer a = attestations.getFromMemory(checksum).orElseGet(() -> attestations.get(checksum, () -> {}));
    StoredCollaterals.Known c;
    try {
      c = attestations.collateralOf(a);
    } catch (AttestationFailure f) {
      if (f.kind() != AttestationFailure.Kind.NOT_FOUND) {
        throw f;
      }
      throw new HttpFailure(HttpStatus.BAD_REQUEST_400, "COLLATERAL_NOT_AVAILABLE", f.getMessage());
    }
    // The ETag names the content served, not the quote: after a re-appraisal a revalidating
    // client gets the new collateral, never a 304 for the old. Caches may keep a copy but must
    // ask again before using it (no-cache): which collateral a quote rests on can change any time.
    String etag = "\"" + c.id() + "\"";
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, REVALIDATE);
    response.getHeaders().put("CDN-Cache-Control", REVALIDATE);
    response.getHeaders().put(HttpHeader.ETAG, etag);
    // Added to, never replaced: the CORS handler has already said the answer varies by Origin
    // (it reflects the caller's), and a shared cache must not hand one origin's copy to another.
    response.getHeaders().ensureField(new HttpField(HttpHeader.VARY, "Accept-Encoding"));
    if (matches(request.getHeaders().get(HttpHeader.IF_NONE_MATCH), etag)) {
      response.setStatus(HttpStatus.NOT_MODIFIED_304);
      callback.succeeded();
      return;
    }
    Answers.json(response, callback, HttpStatus.OK_200, AnswerJson.collateral(messages.collateral(c)));
  }

  /** {@code GET}/{@code HEAD raw/{checksum}}: the exact bytes uploaded, as a download. */
  private void raw(Bytes checksum, Request request, Response response, Callback callback) {
    StoredRecord r = requireStored(checksum);
    String etag = "\"" + checksum.hex() + "\"";
    cacheHeaders(response, etag);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
    response.getHeaders().put(HttpHeader.CONTENT_DISPOSITION, "attachment; filename=" + checksum.hex() + ".bin");
    if (matches(request.getHeaders().get(HttpHeader.IF_NONE_MATCH), etag)) {
      response.setStatus(HttpStatus.NOT_MODIFIED_304);
      callback.succeeded();
      return;
    }
    if (HttpMethod.HEAD.is(request.getMethod())) {
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, r.getSize());
      response.setStatus(HttpStatus.OK_200);
      callback.succeeded();
      return;
    }
    byte[] bytes = attestations.raw(checksum);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.setStatus(HttpStatus.OK_200);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  /**
   * {@code GET recent?skip=&limit=}: Phala's list, newest first. Deep pages use the cursor: the
   * answer's {@code X-Next-Page-Token} (and {@code Link: <…>; rel="next"}) goes back as
   * {@code page_token}.
   */
  private void recent(Request request, Response response, Callback callback) {
    Fields query = Request.extractQueryParameters(request);
    int skip = intParameter(query, "skip", 0);
    int limit = intParameter(query, "limit", Attestations.DEFAULT_LIMIT);
    if (limit < 1) {
      throw new HttpFailure(HttpStatus.UNPROCESSABLE_ENTITY_422, "INVALID_ARGUMENT", "limit must be at least 1");
    }
    Optional<String> token = Optional.ofNullable(query.getValue("page_token")).filter(t -> !t.isEmpty());
    RecentResponse page = messages.recentResponse(attestations.recent(skip, limit, token), false);
    ArrayNode items = Answers.JSON.createArrayNode();
    for (RecentItem item : page.getItemsList()) {
      items.add(AnswerJson.recentItem(item));
    }
    if (!page.getNextPageToken().isEmpty()) {
      String next = page.getNextPageToken();
      response.getHeaders().put("X-Next-Page-Token", next);
      response.getHeaders().put(HttpHeader.LINK, "<" + PREFIX + "recent?limit=" + Math.min(limit, Attestations.MAX_LIMIT)
          + "&page_token=" + URLEncoder.encode(next, StandardCharsets.UTF_8) + ">; rel=\"next\"");
    }
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, REVALIDATE);
    Answers.json(response, callback, HttpStatus.OK_200, items);
  }

  private StoredRecord requireStored(Bytes checksum) {
    return attestations.stat(checksum).orElseThrow(PhalaApi::quoteNotFound);
  }

  private static void cacheHeaders(Response response, String etag) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, CACHE);
    response.getHeaders().put("CDN-Cache-Control", CACHE);
    response.getHeaders().put(HttpHeader.ETAG, etag);
  }

  /** Whether an {@code If-None-Match} value names {@code etag} (or is {@code *}), weak or strong. */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.trim();
      t = t.startsWith("W/") ? t.substring(2) : t;
      if (t.equals("*") || t.equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** A checksum in a path: 64 hex digits, else 422 (as Phala's validation answers). */
  static Bytes checksum(String argument) {
    if (argument == null || argument.isEmpty() || argument.indexOf('/') >= 0) {
      throw new HttpFailure(HttpStatus.UNPROCESSABLE_ENTITY_422, "INVALID_ARGUMENT", "checksum must be 64 hex digits");
    }
    return Attestations.checksum(argument);
  }

  private static int intParameter(Fields query, String name, int absent) {
    String v = query.getValue(name);
    if (v == null || v.isEmpty()) {
      return absent;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new HttpFailure(HttpStatus.UNPROCESSABLE_ENTITY_422, "INVALID_ARGUMENT", name + " must be a non-negative integer");
    }
  }

  /** 405 with {@code Allow} for a known path asked with another method; 404 for a path with a missing or extra part. */
  private static void allow(Request request, Response response, boolean shapeOk, HttpMethod... methods) {
    if (!shapeOk) {
      throw notFound();
    }
    for (HttpMethod m : methods) {
      if (m.is(request.getMethod())) {
        return;
      }
    }
    StringBuilder allowed = new StringBuilder();
    for (HttpMethod m : methods) {
      allowed.append(allowed.length() == 0 ? "" : ", ").append(m.asString());
    }
    response.getHeaders().put(HttpHeader.ALLOW, allowed.toString());
    throw new HttpFailure(HttpStatus.METHOD_NOT_ALLOWED_405, "METHOD_NOT_ALLOWED", "Method Not Allowed");
  }

  private static HttpFailure notFound() {
    return new HttpFailure(HttpStatus.NOT_FOUND_404, "NOT_FOUND", "Not Found");
  }

  private static HttpFailure quoteNotFound() {
    return new HttpFailure(HttpStatus.NOT_FOUND_404, "NOT_FOUND", "Quote not found");
  }
}
