package dev.dcapd.onchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import org.junit.jupiter.api.Test;

/** Exact signed-object text out of Intel's responses, and the TCB evaluation data upsert. */
class SignedJsonTest {
  @Test
  void intelsTcbInfoResponseGivesTheExactObjectTextAndSignature() throws Exception {
    String response = Vectors.text("intel/qvl-sample-sgx/tcbInfo.json");
    SignedJson s = SignedJson.parse(response, "tcbInfo");
    assertTrue(response.startsWith("{\"tcbInfo\":" + s.body() + ",\"signature\":\""));
    assertEquals("220d445985dcbd34", s.signature().hex().substring(0, 16));
    assertEquals(64, s.signature().length());
  }

  @Test
  void textIsKeptByteForByteWithWhitespaceEscapesAndKeyOrder() throws Exception {
    String body = "{ \"a\" : \"x\\\"}{[\" , \"n\":[1, {\"b\":2}],\"t\":true }";
    String sig = "00".repeat(63) + "01";
    String response = "\n{ \"signature\" : \"" + sig + "\",\n  \"tcbEvaluationDataNumbers\" :" + body + " }";
    SignedJson s = SignedJson.parse(response, "tcbEvaluationDataNumbers");
    assertEquals(body, s.body());
    PccsUpserts.Upsert u = PccsUpserts.tcbEvaluationData(response);
    assertEquals(PccsUpserts.selector("upsertTcbEvaluationData((string,bytes))"), u.calldata().slice(0, 4));
    assertEquals("a6aaf75c", u.calldata().slice(0, 4).hex());
  }

  @Test
  void missingOrMalformedPartsAreCollateralMalformed() {
    for (String bad : new String[] {"[]", "{\"tcbEvaluationDataNumbers\":{}}", "{\"signature\":\"00\"}",
        "{\"tcbEvaluationDataNumbers\":{},\"signature\":\"zz\"}", "{\"tcbEvaluationDataNumbers\":{\"a\":\"unterminated}"}) {
      DcapException e = assertThrows(DcapException.class, () -> SignedJson.parse(bad, "tcbEvaluationDataNumbers"), bad);
      assertEquals(FailureCode.COLLATERAL_MALFORMED, e.code());
    }
  }
}
