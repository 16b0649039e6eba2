package dev.dcapd.verifier.quote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Binary and hex-text quotes are told apart and decoded. */
class QuoteInputTest {
  private static final byte[] BINARY = Vectors.bytes("dcap-qvl/tdx_quote");

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void binaryPassesThroughUnchanged() throws Exception {
    assertSame(BINARY, QuoteInput.decode(BINARY));
  }

  @Test
  void hexWithAndWithoutPrefixAndWhitespace() throws Exception {
    String hex = HexFormat.of().formatHex(BINARY);
    assertArrayEquals(BINARY, QuoteInput.decode(ascii(hex)));
    assertArrayEquals(BINARY, QuoteInput.decode(ascii("0x" + hex)));
    assertArrayEquals(BINARY, QuoteInput.decode(ascii("  0X" + hex.toUpperCase() + "\n")));
  }

  @Test
  void brokenHexIsRefused() {
    assertEquals(FailureCode.QUOTE_MALFORMED,
        assertThrows(QuoteParseException.class, () -> QuoteInput.decode(ascii("0x0400020"))).code());
    assertEquals(FailureCode.QUOTE_MALFORMED,
        assertThrows(QuoteParseException.class, () -> QuoteInput.decode(ascii("0x04zz"))).code());
  }

  @Test
  void emptyInputIsTruncated() {
    assertEquals(FailureCode.QUOTE_TRUNCATED,
        assertThrows(QuoteParseException.class, () -> QuoteInput.parse(new byte[0])).code());
  }

  /** The checksum is SHA-256 of the exact bytes, the same for the binary and the hex text. */
  @Test
  void checksumIsTheSha256OfTheExactBytes() throws Exception {
    String expected = "c42f9164325024bca2757bc8819b11879a0a369132ea4e2b7c85df4805ea72db";
    Quote q = QuoteInput.parse(BINARY);
    assertEquals(expected, q.checksumHex());
    assertSame(q.checksum(), q.checksum(), "computed once");
    assertEquals(expected, QuoteInput.parse(ascii(HexFormat.of().formatHex(BINARY))).checksumHex());
  }
}
