package dev.dcapd.proto.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.dcapd.proto.v1.Failure;
import dev.dcapd.proto.v1.Quote;
import dev.dcapd.proto.v1.QuoteBody;
import dev.dcapd.proto.v1.QuoteHeader;
import dev.dcapd.proto.v1.RecentItem;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.proto.v1.VerifyResponse;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AnswerJsonTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void aTdQuoteInPhalasSpellings() {
    Quote q = Quote.newBuilder()
        .setHeader(QuoteHeader.newBuilder().setVersion(4).setAkType(2).setTeeType("TDX")
            .setQeVendor(bytes("939a7233f79c4ca9940a0db3957f0607")).setUserData(ByteString.copyFrom(new byte[20])))
        .setBody(QuoteBody.newBuilder().setTeeTcbSvn(bytes("06010300000000000000000000000000"))
            .setMrtd(bytes("91eb2b44")).setReportdata(bytes("ab")))
        .setBodyType(2)
        .setCertData("-----BEGIN CERTIFICATE-----")
        .setVerified(true)
        .build();
    ObjectNode n = AnswerJson.quote(q);
    assertEquals("ECDSA_P256", n.at("/header/ak_type").textValue());
    assertEquals("TEE_TDX", n.at("/header/tee_type").textValue());
    assertEquals("0x939a7233f79c4ca9940a0db3957f0607", n.at("/header/qe_vendor").textValue());
    assertEquals("0x" + "00".repeat(20), n.at("/header/user_data").textValue());
    assertEquals("06010300000000000000000000000000", n.at("/body/tee_tcb_svn").textValue());
    assertEquals("0x91eb2b44", n.at("/body/mrtd").textValue());
    assertFalse(n.get("body").has("mrenclave"));
    assertTrue(n.get("verified").booleanValue());
  }

  @Test
  void anSgxQuoteHasTheEnclaveFields() {
    Quote q = Quote.newBuilder()
        .setHeader(QuoteHeader.newBuilder().setVersion(3).setAkType(2).setTeeType("SGX"))
        .setBody(QuoteBody.newBuilder().setMrenclave(bytes("33d8")).setMiscselect(5).setIsvsvn(7))
        .setBodyType(1)
        .build();
    ObjectNode n = AnswerJson.quote(q);
    assertEquals("TEE_SGX", n.at("/header/tee_type").textValue());
    assertEquals("0x33d8", n.at("/body/mrenclave").textValue());
    assertEquals("0x00000005", n.at("/body/miscselect").textValue());
    assertEquals(7, n.at("/body/isvsvn").intValue());
    assertFalse(n.get("body").has("mrtd"));
    assertTrue(n.get("cert_data").isNull());
  }

  @Test
  void timesAreIsoWithPlusZeroAndTheVerdictKeepsItsKeys() {
    Timestamp at = Timestamp.newBuilder().setSeconds(1755273688L).build();
    Timestamp micro = Timestamp.newBuilder().setSeconds(1755273688L).setNanos(123_456_789).build();
    VerifyResponse r = VerifyResponse.newBuilder()
        .setSuccess(false)
        .setChecksum("c4")
        .setUploadedAt(at)
        .setVerifiedAt(micro)
        .setVerdict(Verdict.newBuilder().setSuccess(false).setTeeType("TDX").setFmspc(bytes("b0c06f000000"))
            .setFailure(Failure.newBuilder().setCode("INVALID_QUOTE_SIGNATURE").setMessage("m")).setVerifiedAt(micro))
        .build();
    ObjectNode n = AnswerJson.verification(r);
    assertEquals("2025-08-15T16:01:28+00:00", n.get("uploaded_at").textValue());
    assertEquals("2025-08-15T16:01:28.123456+00:00", n.get("verified_at").textValue());
    assertTrue(n.get("quote").isNull());
    assertTrue(n.get("quote_collateral").isNull());
    ObjectNode v = (ObjectNode) n.get("verdict");
    assertEquals("TEE_TDX", v.get("tee_type").textValue());
    assertEquals("0xb0c06f000000", v.get("fmspc").textValue());
    assertEquals("INVALID_QUOTE_SIGNATURE", v.at("/failure/code").textValue());
    assertEquals("UNTRUSTED", v.at("/failure/kind").textValue());
    assertTrue(v.get("tcb_status").isNull());
    assertEquals("2025-08-15T16:01:28.123456789Z", v.get("verified_at").textValue());

    ObjectNode item = AnswerJson.recentItem(RecentItem.newBuilder().setChecksum("c4").setVerified(true)
        .setCreatedAt(micro).setTeeType("SGX").build());
    assertEquals(1, item.get("verified").intValue());
    assertEquals("2025-08-15T16:01:28+00:00", item.get("created_at").textValue());
    assertEquals("TEE_SGX", item.get("tee_type").textValue());
  }

  private static ByteString bytes(String hex) {
    return ByteString.copyFrom(HEX.parseHex(hex));
  }
}
