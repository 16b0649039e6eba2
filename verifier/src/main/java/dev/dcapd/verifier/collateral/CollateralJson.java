package dev.dcapd.verifier.collateral;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Strict field access for Intel's collateral JSON; every shape error is {@code COLLATERAL_MALFORMED}. */
final class CollateralJson {
  // Duplicate keys are refused, as QVL refuses them: a signed text with two values for one key
  // could be read differently by different verifiers.
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

  private CollateralJson() {}

  static JsonNode readObject(String text, String what) throws DcapException {
    JsonNode n;
    try {
      n = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw malformed(what + " is not JSON: " + e.getOriginalMessage());
    }
    if (n == null || !n.isObject()) {
      throw malformed(what + " is not a JSON object");
    }
    return n;
  }

  static JsonNode field(JsonNode n, String key, String what) throws DcapException {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      throw malformed(what + " has no '" + key + "'");
    }
    return v;
  }

  static JsonNode object(JsonNode n, String key, String what) throws DcapException {
    JsonNode v = field(n, key, what);
    if (!v.isObject()) {
      throw malformed(what + " '" + key + "' is not an object");
    }
    return v;
  }

  static String text(JsonNode n, String key, String what) throws DcapException {
    JsonNode v = field(n, key, what);
    if (!v.isTextual()) {
      throw malformed(what + " '" + key + "' is not a string");
    }
    return v.textValue();
  }

  /** A non-negative integer no larger than {@code max}. */
  static long integer(JsonNode n, String key, long max, String what) throws DcapException {
    JsonNode v = field(n, key, what);
    if (!v.isIntegralNumber() || v.bigIntegerValue().signum() < 0 || v.bigIntegerValue().bitLength() > 63
        || v.longValue() > max) {
      throw malformed(what + " '" + key + "' is not an integer in 0.." + max);
    }
    return v.longValue();
  }

  /** Hex text of exactly {@code length} bytes, either case. */
  static Bytes hex(JsonNode n, String key, int length, String what) throws DcapException {
    String s = text(n, key, what);
    if (s.length() != 2 * length) {
      throw malformed(what + " '" + key + "' is not " + length + " bytes of hex");
    }
    try {
      return Bytes.fromHex(s);
    } catch (IllegalArgumentException e) {
      throw malformed(what + " '" + key + "' is not hex");
    }
  }

  /** An ISO-8601 date-time with an offset, as Intel writes them ({@code 2025-06-19T10:56:11Z}). */
  static Instant instant(JsonNode n, String key, String what) throws DcapException {
    String s = text(n, key, what);
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw malformed(what + " '" + key + "' is not an ISO-8601 date-time: " + s);
    }
  }

  static List<JsonNode> array(JsonNode n, String key, String what) throws DcapException {
    JsonNode v = field(n, key, what);
    if (!v.isArray()) {
      throw malformed(what + " '" + key + "' is not an array");
    }
    List<JsonNode> out = new ArrayList<>(v.size());
    v.forEach(out::add);
    return out;
  }

  /** An optional array of strings; absent is empty. */
  static List<String> strings(JsonNode n, String key, String what) throws DcapException {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw malformed(what + " '" + key + "' is not an array");
    }
    List<String> out = new ArrayList<>(v.size());
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw malformed(what + " '" + key + "' holds a non-string");
      }
      out.add(e.textValue());
    }
    return List.copyOf(out);
  }

  /** The {@code tcbStatus} of a level, which must be one of {@code allowed}. */
  static TcbStatus status(JsonNode n, Set<TcbStatus> allowed, String what) throws DcapException {
    String s = text(n, "tcbStatus", what);
    TcbStatus status = TcbStatus.fromIntelName(s).orElse(null);
    if (status == null || !allowed.contains(status)) {
      throw malformed(what + " has a tcbStatus '" + s + "' not allowed there");
    }
    return status;
  }

  static DcapException malformed(String message) {
    return new DcapException(FailureCode.COLLATERAL_MALFORMED, message);
  }
}
