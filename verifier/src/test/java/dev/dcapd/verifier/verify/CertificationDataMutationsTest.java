package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParseException;
import dev.dcapd.verifier.quote.QuoteParser;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One-bit mutations spread over the PCK chain text inside {@code tdx_quote} (which no signature in
 * the quote covers). The verifier never throws, and accepts a mutation only when the certificates
 * it decodes are still byte for byte the original ones (a flipped line break, say).
 */
class CertificationDataMutationsTest {
  static final int MUTATIONS = 300;

  @Test
  void onlyHarmlessMutationsAreAccepted() throws Exception {
    byte[] raw = Vectors.bytes("dcap-qvl/tdx_quote");
    QuoteCollateral collateral = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    Instant at = Instant.ofEpochSecond(1752919234L);
    Quote quote = QuoteParser.parse(raw);
    List<byte[]> original = encodings(quote.certificationData().pckCertChain().certificates());
    int chainLength = quote.certificationData().data().length();
    int chainStart = quote.length() - chainLength;
    QuoteVerifier verifier = QuoteVerifier.intel();
    assertTrue(verifier.verify(quote, collateral, at).success());

    List<String> problems = new ArrayList<>();
    int accepted = 0;
    for (int k = 0; k < MUTATIONS; k++) {
      int offset = chainStart + (int) ((long) k * chainLength / MUTATIONS);
      int bit = (k * 5) % 8;
      byte[] mutated = QuoteRegions.flip(raw, offset, bit);
      try {
        Quote q = QuoteParser.parse(mutated);
        Verdict v = verifier.verify(q, collateral, at);
        if (v.success()) {
          accepted++;
          List<byte[]> decoded = encodings(PckCertChain.parsePem(q.certificationData().data()).certificates());
          boolean same = decoded.size() == original.size();
          for (int i = 0; same && i < decoded.size(); i++) {
            same = java.util.Arrays.equals(decoded.get(i), original.get(i));
          }
          if (!same) {
            problems.add("byte " + offset + " bit " + bit + ": accepted with different certificates");
          }
        }
      } catch (QuoteParseException e) {
        // rejected by the parser: fine
      } catch (RuntimeException | java.security.cert.CertificateEncodingException e) {
        problems.add("byte " + offset + " bit " + bit + ": " + e);
      }
    }
    assertEquals(List.of(), problems);
    assertTrue(accepted < MUTATIONS / 10, "only formatting changes can be harmless: " + accepted);
  }

  static List<byte[]> encodings(List<X509Certificate> certs) throws java.security.cert.CertificateEncodingException {
    List<byte[]> out = new ArrayList<>();
    for (X509Certificate c : certs) {
      out.add(c.getEncoded());
    }
    return out;
  }
}
