package dev.dcapd.verifier.quote;

import dev.dcapd.verifier.FailureCode;

/**
 * Quotes as users hand them over: raw binary, or hex text with or without {@code 0x} and
 * surrounding whitespace. A binary quote never looks like hex text (its first byte is 3, 4 or 5).
 */
public final class QuoteInput {
  private QuoteInput() {}

  /** The quote bytes in {@code input}, decoding hex text when that is what it is. */
  public static byte[] decode(byte[] input) throws QuoteParseException {
    int start = 0;
    int end = input.length;
    while (start < end && isSpace(input[start])) {
      start++;
    }
    while (end > start && isSpace(input[end - 1])) {
      end--;
    }
    if (end - start >= 2 && input[start] == '0' && (input[start + 1] == 'x' || input[start + 1] == 'X')) {
      start += 2;
    } else if (end == start || !isHexDigit(input[start])) {
      return input;
    }
    for (int i = start; i < end; i++) {
      if (!isHexDigit(input[i])) {
        if (input[0] == '0' || isHexDigit(input[0])) {
          throw new QuoteParseException(FailureCode.QUOTE_MALFORMED, i, "the input looks like hex text but has a non-hex character");
        }
        return input;
      }
    }
    if ((end - start) % 2 != 0) {
      throw new QuoteParseException(FailureCode.QUOTE_MALFORMED, end, "the hex text has an odd number of digits");
    }
    byte[] out = new byte[(end - start) / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (Character.digit(input[start + 2 * i], 16) << 4 | Character.digit(input[start + 2 * i + 1], 16));
    }
    return out;
  }

  /** Decodes then parses. */
  public static Quote parse(byte[] input) throws QuoteParseException {
    return QuoteParser.parse(decode(input));
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  private static boolean isHexDigit(byte b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
  }
}
