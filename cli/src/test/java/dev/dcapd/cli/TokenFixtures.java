package dev.dcapd.cli;

import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.verifier.quote.QuoteLayout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Tokens to refuse and quotes to sign bad verdicts about, shared by the token tests. */
final class TokenFixtures {
  private static final Base64.Decoder B64 = Base64.getUrlDecoder();
  private static final Base64.Encoder B64_OUT = Base64.getUrlEncoder().withoutPadding();
  private static final String CHECKSUM_CLAIM = "\"checksum\":\"";

  private TokenFixtures() {}

  record Result(int exit, String out, String err) {}

  /** {@code dcap ARGS...} in this JVM. */
  static Result dcap(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Dcap.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(exit, out.toString(), err.toString());
  }

  /**
   * dcap-qvl's TDX quote with one REPORTDATA byte changed: it parses, its quote signature no
   * longer verifies (INVALID_QUOTE_SIGNATURE), and the daemon signs that verdict.
   */
  static byte[] forgedTdx() {
    byte[] q = LiveDaemon.TDX.clone();
    q[QuoteLayout.HEADER_SIZE + QuoteLayout.TD_REPORT_DATA_START] ^= 1;
    return q;
  }

  /**
   * {@code token} with one byte of its claims changed (a hex digit of the quote's checksum), the
   * signature kept: still a well-formed JWT with well-formed claims, so only the signature check
   * can refuse it.
   */
  static String withClaimChanged(String token) {
    String[] parts = token.split("\\.");
    String claims = new String(B64.decode(parts[1]), StandardCharsets.UTF_8);
    int at = claims.indexOf(CHECKSUM_CLAIM) + CHECKSUM_CLAIM.length();
    if (at < CHECKSUM_CLAIM.length()) {
      throw new IllegalArgumentException("no checksum claim in " + claims);
    }
    char digit = claims.charAt(at);
    String changed = claims.substring(0, at) + (digit == '0' ? '1' : '0') + claims.substring(at + 1);
    return parts[0] + "." + B64_OUT.encodeToString(changed.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
  }

  /** {@code token} with one byte of its signature (in r) flipped. */
  static String withSignatureChanged(String token) {
    String[] parts = token.split("\\.");
    byte[] signature = B64.decode(parts[2]);
    signature[0] ^= 1;
    return parts[0] + "." + parts[1] + "." + B64_OUT.encodeToString(signature);
  }

  /** The token's header, decoded (JSON text). */
  static String header(String token) {
    return new String(B64.decode(token.split("\\.")[0]), StandardCharsets.UTF_8);
  }
}
