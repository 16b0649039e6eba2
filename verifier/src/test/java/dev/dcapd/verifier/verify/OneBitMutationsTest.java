package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParseException;
import dev.dcapd.verifier.quote.QuoteParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * One-bit mutations of every signed or bound region of {@code tdx_quote} (header, body, quote
 * signature, attestation key, QE report, QE report signature, QE auth data: 1,240 bytes), one bit in
 * every 21 bytes from the 11th, 59 in all. Each must be rejected (by the parser or the verifier, never by an
 * exception) and, where one check owns the bytes, with that check's code. Every failure is collected
 * before asserting, in the manner of Wycheproof.
 */
class OneBitMutationsTest {
  static final int STRIDE = 21;
  static final int FIRST = 10;
  static final Instant AT = Instant.ofEpochSecond(1752919234L);

  @Test
  void everyMutationIsRejected() throws Exception {
    byte[] raw = Vectors.bytes("dcap-qvl/tdx_quote");
    QuoteCollateral collateral = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    Quote quote = QuoteParser.parse(raw);
    QuoteRegions r = QuoteRegions.of(quote);
    // Region starts and ends in the raw quote, and the code a flip there must give (null: any rejection).
    int[][] regions = {
      {0, r.signedEnd()},
      {r.signatureStart(), r.attestationKeyStart()},
      {r.attestationKeyStart(), r.attestationKeyStart() + 64},
      {r.qeReportStart(), r.qeReportSignatureStart()},
      {r.qeReportSignatureStart(), r.qeReportSignatureStart() + 64},
      {r.qeAuthDataStart(), r.qeAuthDataEnd()},
    };
    String[] expected = {
      null, "INVALID_QUOTE_SIGNATURE", "INVALID_QE_REPORT_DATA", "INVALID_QE_REPORT_SIGNATURE", "INVALID_QE_REPORT_SIGNATURE",
      "INVALID_QE_REPORT_DATA",
    };
    List<Integer> offsets = new ArrayList<>();
    List<String> wants = new ArrayList<>();
    for (int i = 0; i < regions.length; i++) {
      for (int o = regions[i][0]; o < regions[i][1]; o++) {
        offsets.add(o);
        wants.add(expected[i]);
      }
    }
    assertEquals(1240, offsets.size());
    QuoteVerifier verifier = QuoteVerifier.intel();
    assertTrue(verifier.verify(quote, collateral, AT).success());

    List<String> problems = new ArrayList<>();
    int tried = 0;
    for (int k = FIRST; k < offsets.size(); k += STRIDE) {
      tried++;
      int offset = offsets.get(k);
      int bit = k % 8;
      byte[] mutated = QuoteRegions.flip(raw, offset, bit);
      String outcome;
      try {
        Verdict v = verifier.verify(QuoteParser.parse(mutated), collateral, AT);
        outcome = v.success() ? "ACCEPTED" : v.failureCode().orElseThrow();
      } catch (QuoteParseException e) {
        outcome = "parse:" + e.code();
      } catch (RuntimeException e) {
        outcome = "EXCEPTION " + e;
      }
      String want = wants.get(k);
      boolean ok = !outcome.equals("ACCEPTED") && !outcome.startsWith("EXCEPTION") && (want == null || want.equals(outcome));
      if (!ok) {
        problems.add("byte " + offset + " bit " + bit + ": " + outcome + (want == null ? "" : ", want " + want));
      }
    }
    assertEquals(59, tried);
    assertEquals(List.of(), problems);
  }
}
