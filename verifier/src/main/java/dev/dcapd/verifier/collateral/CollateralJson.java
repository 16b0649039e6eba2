package dev.dcapd.verifier.collateral;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Strict field access for Intel's collateral JSON; every shape error is {@code COLLATERAL_MALFORMED}. */
final class CollateralJson {
  // Duplicate keys are refused. Intel's QVL does not look for them (rapidjson keeps both, its
  // re-serialisation writes both, and a field reads as the first): a signed text with two values
  // for one key could be read differently by different verifiers, so dcapd refuses it.
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
  // Writes a tree as rapidjson's Writer does: compact, members in the order held, only the escapes
  // JSON requires (quote, backslash, control characters: backspace, tab, newline, form feed and
  // carriage return as two-character escapes, others as six characters with upper-case hex), every
  // other character as itself. Jackson's generator writes exactly these.
  private static final JsonFactory COMPACT = new JsonFactory();
  // rapidjson holds an integer literal as a 64-bit integer when one fits (signed or unsigned), and
  // as a double otherwise, which it writes back in another form.
  private static final BigInteger MIN_RAPIDJSON_INT = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX_RAPIDJSON_INT = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  /** Intel's date form, exactly: QVL matches this pattern, then refuses dates that do not exist. */
  private static final Pattern INTEL_DATE_SHAPE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z");
  private static final DateTimeFormatter INTEL_DATE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withResolverStyle(ResolverStyle.STRICT);
  /** The largest unsigned 32-bit integer: the width of {@code tcbEvaluationDataNumber}. */
  static final long MAX_U32 = 0xffff_ffffL;

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

  /**
   * Reads a signed object ({@code tcbInfo}, {@code enclaveIdentity}) whose text must be its own
   * compact canonical form. Intel's QVL verifies the signature over its compact re-serialisation
   * of the parsed object (rapidjson's Writer), dcapd over the text received; requiring both to be
   * the same text makes the two agree. So spacing, a six-character escape where none is needed, an
   * escape written otherwise than rapidjson writes it, or a number written otherwise (a fraction
   * or exponent, {@code -0}, leading zeros, an integer beyond 64 bits) is refused, even under a
   * valid signature. Member order is kept, as rapidjson keeps it: another order is another text,
   * signed as such, and equal to its own compact form.
   */
  static JsonNode readSigned(String text, String what) throws DcapException {
    // The signature covers the text's UTF-8 bytes, where an unpaired surrogate would become '?':
    // the text read would then not be the text signed.
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(text)) {
      throw malformed(what + " holds an unpaired surrogate, which has no UTF-8 form");
    }
    JsonNode n = readObject(text, what);
    if (!compact(n, what).equals(text)) {
      throw malformed(what + " is not in the compact form Intel's verifier signs it in (spacing, escapes or"
          + " number form differ)");
    }
    return n;
  }

  /** The compact text of {@code n}; a number rapidjson would write back in another form is refused. */
  private static String compact(JsonNode n, String what) throws DcapException {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = COMPACT.createGenerator(out)) {
      write(g, n, what);
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to a string cannot fail", e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, JsonNode n, String what) throws IOException, DcapException {
    switch (n.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          g.writeFieldName(e.getKey());
          write(g, e.getValue(), what);
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode e : n) {
          write(g, e, what);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(n.textValue());
      case BOOLEAN -> g.writeBoolean(n.booleanValue());
      case NULL -> g.writeNull();
      case NUMBER -> {
        // Fractions and exponents are refused outright: Java and rapidjson print doubles
        // differently (1.0E7 against 10000000.0), and Intel's documents hold integers only.
        if (!n.isIntegralNumber()) {
          throw malformed(what + " holds a number with a fraction or exponent: " + n);
        }
        BigInteger v = n.bigIntegerValue();
        if (v.compareTo(MIN_RAPIDJSON_INT) < 0 || v.compareTo(MAX_RAPIDJSON_INT) > 0) {
          throw malformed(what + " holds an integer beyond 64 bits: " + v);
        }
        g.writeNumber(v);
      }
      default -> throw malformed(what + " holds a value that is not JSON: " + n.getNodeType());
    }
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

  /**
   * A date-time exactly as Intel writes it and QVL reads it, {@code YYYY-MM-DDThh:mm:ssZ} in UTC
   * ({@code 2025-06-19T10:56:11Z}): no fraction, no offset but {@code Z}, no lower case, a
   * four-digit year, and a date and time that exist (no February 30th, no second 60).
   */
  static Instant instant(JsonNode n, String key, String what) throws DcapException {
    String s = text(n, key, what);
    if (INTEL_DATE_SHAPE.matcher(s).matches()) {
      try {
        return LocalDateTime.parse(s, INTEL_DATE).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        // Falls through to the failure below.
      }
    }
    throw malformed(what + " '" + key + "' is not a date-time of the form YYYY-MM-DDThh:mm:ssZ: " + s);
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
