package dev.dcapd.daemon.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.daemon.api.AttestationFailure;
import dev.dcapd.verifier.FailureCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Writing answers: JSON bodies, and failures as Phala's {@code {"detail": …}} with dcapd's {@code code}. */
final class Answers {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String JSON_TYPE = "application/json";

  private Answers() {}

  static void json(Response response, Callback callback, int status, JsonNode body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  static void text(Response response, Callback callback, int status, String type, String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
  }

  /** {@code {"detail": …, "code": …}}, or the failure's answer with those two added. */
  static void failure(Response response, Callback callback, HttpFailure f) {
    ObjectNode body = JSON.createObjectNode();
    body.put("detail", f.getMessage());
    body.put("code", f.code());
    f.answer().ifPresent(body::setAll);
    json(response, callback, f.status(), body);
  }

  /**
   * A use-case failure as Phala's API answers it: input that does not parse 422 (a request refused
   * for a stated reason, such as a replayed nonce, 400 with that code), nothing stored
   * 404, no collateral to be had (and bugs) 500, except when every source answered that it knows no
   * such platform: 400 {@code COLLATERAL_NOT_FOUND}. The detail is Phala's words where Phala has them,
   * with dcapd's reason after them; the code is stable.
   */
  static HttpFailure of(AttestationFailure f) {
    return switch (f.kind()) {
      case INVALID_ARGUMENT -> f.reason().isPresent()
          ? new HttpFailure(HttpStatus.BAD_REQUEST_400, f.reason().get(), f.getMessage())
          : new HttpFailure(HttpStatus.UNPROCESSABLE_ENTITY_422, "INVALID_ARGUMENT", f.getMessage());
      case NOT_FOUND -> new HttpFailure(HttpStatus.NOT_FOUND_404, "NOT_FOUND", f.getMessage());
      case INTERNAL -> new HttpFailure(HttpStatus.INTERNAL_SERVER_ERROR_500, "INTERNAL", "Internal server error");
      case UNAVAILABLE -> new HttpFailure(HttpStatus.SERVICE_UNAVAILABLE_503, f.reason().orElse("UNAVAILABLE"), f.getMessage());
      case FAILURE -> {
        FailureCode code = f.code().orElseThrow();
        if (code == FailureCode.COLLATERAL_NOT_FOUND) {
          // The sources answered that they know no such platform: the quote cannot be verified,
          // and asking again soon answers the same (nothing is stored).
          yield new HttpFailure(HttpStatus.BAD_REQUEST_400, code.name(),
              "Quote verification failed: no collateral for the quote's platform (" + f.getMessage() + ")");
        }
        yield code.kind() == FailureCode.Kind.MALFORMED
            ? new HttpFailure(HttpStatus.UNPROCESSABLE_ENTITY_422, code.name(),
                "Invalid quote: malformed quote structure (" + f.getMessage() + ")")
            : new HttpFailure(HttpStatus.INTERNAL_SERVER_ERROR_500, code.name(),
                "Internal server error during verification (" + f.getMessage() + ")");
      }
    };
  }
}
