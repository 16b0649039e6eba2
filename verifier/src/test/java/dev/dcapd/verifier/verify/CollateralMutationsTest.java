package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * One-bit mutations spread over every signed part of {@code tdx_quote}'s collateral (both CRLs, the
 * TCB info and QE identity text and their signatures): none is accepted and none makes the verifier
 * throw. Collected, then asserted.
 */
class CollateralMutationsTest {
  static final int PER_FIELD = 40;

  @Test
  void noMutationIsAcceptedOrThrows() throws Exception {
    QuoteCollateral base = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    Quote quote = QuoteParser.parse(Vectors.bytes("dcap-qvl/tdx_quote"));
    Instant at = Instant.ofEpochSecond(1752919234L);
    QuoteVerifier verifier = QuoteVerifier.intel();
    assertTrue(verifier.verify(quote, base, at).success());

    Map<String, Bytes> binary = Map.of(
        "root_ca_crl", base.rootCaCrl(), "pck_crl", base.pckCrl(),
        "tcb_info_signature", base.tcbInfoSignature(), "qe_identity_signature", base.qeIdentitySignature(),
        "tcb_info", Bytes.of(base.tcbInfo().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
        "qe_identity", Bytes.of(base.qeIdentity().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
    Map<String, BiFunction<NegativeVectorsTest.Builder, Bytes, NegativeVectorsTest.Builder>> setters = Map.of(
        "root_ca_crl", NegativeVectorsTest.Builder::rootCaCrl,
        "pck_crl", NegativeVectorsTest.Builder::pckCrl,
        "tcb_info_signature", NegativeVectorsTest.Builder::tcbInfoSignature,
        "qe_identity_signature", NegativeVectorsTest.Builder::qeIdentitySignature,
        "tcb_info", (b, v) -> b.tcbInfo(new String(v.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1)),
        "qe_identity", (b, v) -> b.qeIdentity(new String(v.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1)));

    List<String> problems = new ArrayList<>();
    int tried = 0;
    for (String field : List.of("root_ca_crl", "pck_crl", "tcb_info_signature", "qe_identity_signature", "tcb_info", "qe_identity")) {
      Bytes value = binary.get(field);
      for (int k = 0; k < PER_FIELD; k++) {
        int offset = (int) ((long) k * value.length() / PER_FIELD);
        int bit = (k * 3) % 8;
        byte[] b = value.toByteArray();
        b[offset] ^= (byte) (1 << bit);
        QuoteCollateral mutated = setters.get(field).apply(new NegativeVectorsTest.Builder(base), Bytes.of(b)).build();
        tried++;
        try {
          Verdict v = verifier.verify(quote, mutated, at);
          if (v.success()) {
            problems.add(field + " byte " + offset + " bit " + bit + ": ACCEPTED");
          }
        } catch (RuntimeException e) {
          problems.add(field + " byte " + offset + " bit " + bit + ": " + e);
        }
      }
    }
    assertEquals(6 * PER_FIELD, tried);
    assertEquals(List.of(), problems);
  }
}
