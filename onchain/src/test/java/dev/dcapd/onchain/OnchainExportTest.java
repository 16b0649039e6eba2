package dev.dcapd.onchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.TcbStatus;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Off-chain export of the real vectors, against bytes built by hand from the documented layout. */
class OnchainExportTest {
  private static final int HEADER = 48;

  @Test
  void tdxQuoteAtItsInstantIsUpToDateWithNoAdvisoryTrailer() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    assertTrue(c.verdict().success());
    assertEquals(TcbStatus.UP_TO_DATE, c.verdict().tcbStatus().orElseThrow());

    OnchainExport export = OnchainExport.forQuote(c.quote(), c.collateral(), c.verdict());

    ByteArrayOutputStream want = new ByteArrayOutputStream();
    want.writeBytes(Bytes.fromHex("0004" + "0002" + "00" + "b0c06f000000").toByteArray());
    want.write(c.quote().raw().toByteArray(), HEADER, 584);
    assertEquals(Bytes.of(want.toByteArray()), export.expectedOutput().orElseThrow());
    assertEquals(11 + 584, export.expectedOutput().orElseThrow().length());
    assertEquals(AutomataStatus.OK, export.expectedStatus().orElseThrow());
    assertEquals(17, export.tcbEvaluationDataNumber());
    assertTrue(export.notes().isEmpty(), export.notes().toString());
  }

  @Test
  void sgxV3QuoteCarriesStatus2AndNoAdvisoriesBecauseTheV3VerifierNeverEmitsThem() throws Exception {
    RealVectors.Case c = RealVectors.sgx();
    assertTrue(c.verdict().success());
    assertEquals(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED, c.verdict().tcbStatus().orElseThrow());
    assertEquals(List.of("INTEL-SA-00289", "INTEL-SA-00615"), c.verdict().advisoryIds());

    OnchainExport export = OnchainExport.forQuote(c.quote(), c.collateral(), c.verdict());

    ByteArrayOutputStream want = new ByteArrayOutputStream();
    want.writeBytes(Bytes.fromHex("0003" + "0001" + "02" + "00a067110000").toByteArray());
    want.write(c.quote().raw().toByteArray(), HEADER, 384);
    assertEquals(Bytes.of(want.toByteArray()), export.expectedOutput().orElseThrow());
    assertEquals(AutomataStatus.TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, export.expectedStatus().orElseThrow());
    assertEquals(1, export.notes().size(), "the advisory difference is noted");
    assertTrue(export.notes().get(0).startsWith("advisories:"));
  }

  @Test
  void calldataOfBothOverloadsFollowsTheAbi() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    OnchainExport export = OnchainExport.forQuote(c.quote(), c.collateral(), c.verdict());
    byte[] quote = c.quote().raw().toByteArray();

    ByteArrayOutputStream one = new ByteArrayOutputStream();
    one.writeBytes(Bytes.fromHex("38d8480a").toByteArray());
    one.writeBytes(word(0x20));
    one.writeBytes(word(quote.length));
    one.writeBytes(padded(quote));
    assertEquals(Bytes.of(one.toByteArray()), export.calldata());

    ByteArrayOutputStream two = new ByteArrayOutputStream();
    two.writeBytes(Bytes.fromHex("1beaf6d8").toByteArray());
    two.writeBytes(word(0x40));
    two.writeBytes(word(17));
    two.writeBytes(word(quote.length));
    two.writeBytes(padded(quote));
    assertEquals(Bytes.of(two.toByteArray()), export.calldataWithEvaluationNumber());
    assertEquals(PccsUpserts.selector("verifyAndAttestOnChain(bytes)"), AutomataCalls.VERIFY_SELECTOR);
    assertEquals(PccsUpserts.selector("verifyAndAttestOnChain(bytes,uint32)"), AutomataCalls.VERIFY_WITH_EVAL_SELECTOR);
  }

  @Test
  void outputWithAdvisoriesAppendsAbiEncodedStringArray() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    Bytes body = c.quote().raw().slice(HEADER, 584);
    List<String> ids = List.of("INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986");
    VerifiedOutput out = new VerifiedOutput(4, 2, AutomataStatus.TCB_OUT_OF_DATE, Bytes.fromHex("00806f050000"), body, ids);

    ByteArrayOutputStream want = new ByteArrayOutputStream();
    want.writeBytes(Bytes.fromHex("0004000204" + "00806f050000").toByteArray());
    want.writeBytes(body.toByteArray());
    want.writeBytes(word(0x20));
    want.writeBytes(word(3));
    want.writeBytes(word(0x60));
    want.writeBytes(word(0xa0));
    want.writeBytes(word(0xe0));
    for (String id : ids) {
      want.writeBytes(word(id.length()));
      want.writeBytes(padded(id.getBytes(StandardCharsets.US_ASCII)));
    }
    Bytes encoded = out.encode();
    assertEquals(Bytes.of(want.toByteArray()), encoded);
    // Automata's documented result for a real TDX v4 quote: 947 bytes.
    assertEquals(947, encoded.length());
    assertEquals(out, VerifiedOutput.decode(encoded));
  }

  @Test
  void aRejectedVerdictExpectsItsOwnFailure() throws Exception {
    RealVectors.Case c = RealVectors.load("dcap-qvl/tdx_quote", "dcap-qvl/tdx_quote_collateral.json", RealVectors.TDX_AT + 86_400L * 365);
    assertFalse(c.verdict().success());
    OnchainExport export = OnchainExport.forQuote(c.quote(), c.collateral(), c.verdict());
    assertFalse(export.expectedToVerify());
    assertEquals(c.verdict().failure().orElseThrow().code(), export.expectedFailure().orElseThrow());
    assertTrue(export.expectedReason().isEmpty());
    assertEquals(FailureCode.COLLATERAL_EXPIRED, export.expectedFailure().orElseThrow());
  }

  static byte[] word(long v) {
    byte[] w = new byte[32];
    byte[] b = BigInteger.valueOf(v).toByteArray();
    System.arraycopy(b, 0, w, 32 - b.length, b.length);
    return w;
  }

  static byte[] padded(byte[] data) {
    byte[] out = new byte[(data.length + 31) / 32 * 32];
    System.arraycopy(data, 0, out, 0, data.length);
    return out;
  }
}
