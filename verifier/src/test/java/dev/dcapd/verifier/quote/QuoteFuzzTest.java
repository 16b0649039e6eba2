package dev.dcapd.verifier.quote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.Vectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Holds the parser to its contract on mutated real quotes, with a fixed seed so CI is repeatable:
 * the only exception is {@link QuoteParseException} with an offset inside the input, and anything
 * accepted re-encodes to exactly its input. Length fields are favoured, since they decide
 * allocation.
 */
class QuoteFuzzTest {
  private static final long SEED = 0x6463617064L;
  private static final int ITERATIONS_PER_QUOTE = 4_000;

  private static final List<String> SEEDS = List.of(
      "dcap-qvl/sgx_quote",
      "dcap-qvl/tdx_quote",
      "dcap-qvl/tdx_quote_outdated",
      "go-tdx-guest/tdx_prod_quote_SPR_E4.dat",
      "intel/qvl-sample-sgx/quote.dat",
      "intel/qvl-sample-tdx/quote.dat");

  /** Offsets of the length and type fields of each seed quote, found by parsing it. */
  private static int[] fieldOffsets(Quote q) {
    List<Integer> at = new ArrayList<>(List.of(0, 2, 4, 12));
    int auth = q.signedLength();
    at.add(auth);
    if (q.version() == 5) {
      at.add(48);
      at.add(50);
    }
    int afterKey = auth + 4 + 128;
    if (q.version() == 3) {
      int qeAuth = afterKey + 384 + 64;
      at.add(qeAuth);
      at.add(qeAuth + 2 + q.qeReportCertificationData().qeAuthData().length());
      at.add(qeAuth + 4 + q.qeReportCertificationData().qeAuthData().length());
    } else {
      at.add(afterKey);
      at.add(afterKey + 2);
      int qeAuth = afterKey + 6 + 384 + 64;
      at.add(qeAuth);
      at.add(qeAuth + 2 + q.qeReportCertificationData().qeAuthData().length());
      at.add(qeAuth + 4 + q.qeReportCertificationData().qeAuthData().length());
    }
    return at.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void onlyTheDocumentedExceptionAndExactReencoding() throws Exception {
    SplittableRandom rnd = new SplittableRandom(SEED);
    List<String> failures = new ArrayList<>();
    int accepted = 0;
    int rejected = 0;
    for (String path : SEEDS) {
      byte[] original = Vectors.bytes(path);
      int[] fields = fieldOffsets(QuoteParser.parse(original));
      for (int i = 0; i < ITERATIONS_PER_QUOTE; i++) {
        byte[] input = mutate(original, fields, rnd);
        try {
          Quote q = QuoteParser.parse(input);
          accepted++;
          byte[] again = Quote.assemble(q.header(), q.body(), q.signatureData(), q.trailing()).raw().toByteArray();
          if (!Arrays.equals(input, again)) {
            failures.add(path + " #" + i + ": accepted but re-encodes differently");
          }
        } catch (QuoteParseException e) {
          rejected++;
          assertNotNull(e.code());
          if (e.offset() < 0 || e.offset() > input.length) {
            failures.add(path + " #" + i + ": offset " + e.offset() + " outside input of " + input.length);
          }
        } catch (RuntimeException | Error e) {
          failures.add(path + " #" + i + ": " + e);
        }
      }
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " contract violations, first: " + failures.subList(0, Math.min(10, failures.size())));
    }
    assertTrue(accepted > 0 && rejected > 0, "the mutations reach both outcomes");
  }

  @Test
  void randomInputIsRejectedCleanly() {
    SplittableRandom rnd = new SplittableRandom(SEED + 1);
    for (int i = 0; i < 20_000; i++) {
      byte[] input = new byte[rnd.nextInt(0, 2048)];
      rnd.nextBytes(input);
      if (input.length >= 2 && rnd.nextBoolean()) {
        input[0] = (byte) rnd.nextInt(3, 6);
        input[1] = 0;
      }
      try {
        QuoteParser.parse(input);
      } catch (QuoteParseException e) {
        assertTrue(e.offset() >= 0 && e.offset() <= input.length);
      }
    }
  }

  @Test
  void extractingThePckChainFromMutatedQuotesFailsOnlyWithItsCode() throws Exception {
    SplittableRandom rnd = new SplittableRandom(SEED + 2);
    byte[] original = Vectors.bytes("dcap-qvl/tdx_quote");
    Quote q = QuoteParser.parse(original);
    int pemStart = q.length() - q.certificationData().data().length();
    for (int i = 0; i < 300; i++) {
      byte[] input = original.clone();
      for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
        input[pemStart + rnd.nextInt(q.certificationData().data().length())] = (byte) rnd.nextInt(256);
      }
      try {
        QuoteParser.parse(input).certificationData().pckCertChain().pckExtension();
      } catch (DcapException e) {
        assertNotNull(e.code());
      }
    }
  }

  private static byte[] mutate(byte[] original, int[] fields, SplittableRandom rnd) {
    byte[] b = original.clone();
    switch (rnd.nextInt(5)) {
      case 0 -> { // flip bits anywhere
        for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
          b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
      }
      case 1 -> { // rewrite a length or type field with an interesting value
        int at = fields[rnd.nextInt(fields.length)];
        long[] values = {0, 1, 2, 3, 5, 6, 0x7f, 0xff, 0xffff, 0x10000, 0x7fffffffL, 0xffffffffL, rnd.nextInt(10_000)};
        long v = values[rnd.nextInt(values.length)];
        for (int k = 0; k < 4 && at + k < b.length; k++) {
          b[at + k] = (byte) (v >>> (8 * k));
        }
      }
      case 2 -> { // nudge a length field by a little
        int at = fields[rnd.nextInt(fields.length)];
        b[at] = (byte) (b[at] + rnd.nextInt(-3, 4));
      }
      case 3 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
      default -> { // append
        b = Arrays.copyOf(b, b.length + rnd.nextInt(1, 200));
      }
    }
    return b;
  }

  @Test
  void seedsParse() throws Exception {
    for (String path : SEEDS) {
      assertEquals(Vectors.bytes(path).length, QuoteParser.parse(Vectors.bytes(path)).raw().length());
    }
  }
}
