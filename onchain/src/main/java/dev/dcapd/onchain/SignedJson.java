package dev.dcapd.onchain;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.util.HexFormat;

/**
 * Reads one of Intel's signed JSON responses ({@code {"<name>": {...}, "signature": "<hex>"}})
 * into what the on-chain PCCS stores: the exact text of the signed object, byte for byte as served
 * (never re-serialised, or the signature would not verify), and the raw 64-byte signature.
 */
public record SignedJson(String body, Bytes signature) {
  private static final int SIGNATURE_SIZE = 64;

  /**
   * The object under {@code name} and the {@code signature} of {@code response}.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} if either is missing or malformed
   */
  public static SignedJson parse(String response, String name) throws DcapException {
    String body = rawValue(response, name);
    if (!body.startsWith("{")) {
      throw malformed("'" + name + "' is not an object");
    }
    String sig = rawValue(response, "signature");
    if (!sig.startsWith("\"") || !sig.endsWith("\"")) {
      throw malformed("'signature' is not a string");
    }
    Bytes signature;
    try {
      signature = Bytes.of(HexFormat.of().parseHex(sig.substring(1, sig.length() - 1)));
    } catch (IllegalArgumentException e) {
      throw malformed("'signature' is not hex");
    }
    if (signature.length() != SIGNATURE_SIZE) {
      throw malformed("'signature' is " + signature.length() + " bytes, not 64");
    }
    return new SignedJson(body, signature);
  }

  /** The exact text of the value of top-level key {@code name}. */
  static String rawValue(String json, String name) throws DcapException {
    int i = skipSpace(json, 0);
    if (i >= json.length() || json.charAt(i) != '{') {
      throw malformed("not a JSON object");
    }
    i++;
    while (true) {
      i = skipSpace(json, i);
      if (i < json.length() && json.charAt(i) == '}') {
        throw malformed("no '" + name + "'");
      }
      int keyEnd = endOfValue(json, i);
      String key = json.substring(i, keyEnd);
      i = skipSpace(json, keyEnd);
      if (i >= json.length() || json.charAt(i) != ':') {
        throw malformed("a key is not followed by ':'");
      }
      int valueStart = skipSpace(json, i + 1);
      int valueEnd = endOfValue(json, valueStart);
      if (key.equals("\"" + name + "\"")) {
        return json.substring(valueStart, valueEnd);
      }
      i = skipSpace(json, valueEnd);
      if (i < json.length() && json.charAt(i) == ',') {
        i++;
      }
    }
  }

  /** Where the JSON value starting at {@code i} ends: strings with escapes, nested objects/arrays, literals. */
  private static int endOfValue(String s, int i) throws DcapException {
    if (i >= s.length()) {
      throw malformed("the JSON ends early");
    }
    char c = s.charAt(i);
    if (c == '"') {
      for (int j = i + 1; j < s.length(); j++) {
        char d = s.charAt(j);
        if (d == '\\') {
          j++;
        } else if (d == '"') {
          return j + 1;
        }
      }
      throw malformed("an unterminated string");
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      for (int j = i; j < s.length(); j++) {
        char d = s.charAt(j);
        if (d == '"') {
          j = endOfValue(s, j) - 1;
        } else if (d == '{' || d == '[') {
          depth++;
        } else if (d == '}' || d == ']') {
          depth--;
          if (depth == 0) {
            return j + 1;
          }
        }
      }
      throw malformed("an unterminated object or array");
    }
    int j = i;
    while (j < s.length() && ",}] \t\r\n".indexOf(s.charAt(j)) < 0) {
      j++;
    }
    if (j == i) {
      throw malformed("a value is missing");
    }
    return j;
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    return i;
  }

  private static DcapException malformed(String what) {
    return new DcapException(FailureCode.COLLATERAL_MALFORMED, "signed JSON: " + what);
  }
}
