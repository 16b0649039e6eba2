package dev.dcapd.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.pck.PckCertChain;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Header, JSON body and CRL body decoding on real PCS answers and on the ways they break. */
class WireFormatTest {
  @Test
  void realIssuerChainHeadersDecodeToTheirPem() throws Exception {
    for (String name : List.of("pckcrl_issuer_chain", "tcbinfo_issuer_chain", "qeidentity_issuer_chain")) {
      assertEquals(Vectors.text("go-tdx-guest/" + name + ".pem"),
          IssuerChainHeader.decode(Vectors.text("go-tdx-guest/" + name + ".urlencoded.txt")), name);
    }
  }

  @Test
  void plusStaysPlusAndBrokenEscapesAreMalformed() throws Exception {
    assertEquals("a+b /=\n", IssuerChainHeader.decode("a+b%20%2F%3d%0A"));
    for (String bad : List.of("%", "%2", "%zz", "caf\u00e9", "%C3%28")) {
      DcapException e = assertThrows(DcapException.class, () -> IssuerChainHeader.decode(bad), bad);
      assertEquals(FailureCode.COLLATERAL_MALFORMED, e.code());
    }
  }

  @Test
  void realPcsBodiesYieldTextThatTheirSignatureCovers() throws Exception {
    var signer = PckCertChain.readCertificates(Vectors.text("go-tdx-guest/tcbinfo_issuer_chain.pem")).get(0);
    String[][] cases = {
        {"go-tdx-guest/sample_tcbInfo_response", SignedJsonBody.TCB_INFO},
        {"go-tdx-guest/sample_tcbinfo_response_v5", SignedJsonBody.TCB_INFO},
        {"go-tdx-guest/sample_qeIdentity_response", SignedJsonBody.ENCLAVE_IDENTITY}};
    for (String[] c : cases) {
      SignedJsonBody b = SignedJsonBody.parse(Bytes.of(Vectors.bytes(c[0])), c[1]);
      assertTrue(b.signedText().startsWith("{\"id\":"), c[0]);
      Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
      s.initVerify(signer.getPublicKey());
      s.update(b.signedText().getBytes(StandardCharsets.UTF_8));
      assertTrue(s.verify(b.signature().toByteArray()), c[0]);
    }
  }

  @Test
  void theSignedValueIsCutExactlyWhateverTheLayout() throws Exception {
    String inner = "{ \"id\" : \"TDX\", \"s\":\"}\\\"{[\", \"u\":\"\u00e9\\u00e9\", \"n\":[1, {\"x\":{}}] }";
    String body = " {\n  \"signature\" : \"0A0b\",\n  \"other\": {\"tcbInfo\": 1},\n  \"tcbInfo\" :  " + inner + "\n}\n";
    SignedJsonBody b = SignedJsonBody.parse(Bytes.of(body.getBytes(StandardCharsets.UTF_8)), SignedJsonBody.TCB_INFO);
    assertEquals(inner, b.signedText());
    assertEquals(Bytes.fromHex("0a0b"), b.signature());
  }

  @Test
  void bodiesThatAreNotOneSignedObjectAreMalformed() {
    String ok = "{\"tcbInfo\":{\"a\":1},\"signature\":\"00\"}";
    List<String> bad = List.of(
        ok.substring(0, ok.length() - 1),
        ok.substring(0, 20),
        ok + "x",
        ok + "{}",
        "{\"tcbInfo\":{\"a\":1},\"tcbInfo\":{\"a\":2},\"signature\":\"00\"}",
        "{\"tcbInfo\":{\"a\":1}}",
        "{\"signature\":\"00\"}",
        "{\"tcbInfo\":\"{}\",\"signature\":\"00\"}",
        "{\"tcbInfo\":{},\"signature\":\"0g\"}",
        "{\"tcbInfo\":{},\"signature\":7}",
        "[]",
        "");
    List<String> accepted = new ArrayList<>();
    for (String body : bad) {
      try {
        SignedJsonBody.parse(Bytes.of(body.getBytes(StandardCharsets.UTF_8)), SignedJsonBody.TCB_INFO);
        accepted.add(body);
      } catch (DcapException e) {
        if (e.code() != FailureCode.COLLATERAL_MALFORMED) {
          accepted.add(body + " -> " + e.code());
        }
      }
    }
    assertEquals(List.of(), accepted);
    DcapException e = assertThrows(DcapException.class,
        () -> SignedJsonBody.parse(Bytes.of(new byte[] {'{', (byte) 0xff, '}'}), SignedJsonBody.TCB_INFO));
    assertEquals(FailureCode.COLLATERAL_MALFORMED, e.code());
  }

  @Test
  void crlBodiesAreDerHexOrPem() throws Exception {
    Bytes der = Bytes.of(Vectors.bytes("go-tdx-guest/rootcrl.der"));
    assertEquals(der, CrlBody.decode(der));
    assertEquals(der, CrlBody.decode(Bytes.of((der.hex() + "\n").getBytes(StandardCharsets.US_ASCII))));
    assertEquals(der, CrlBody.decode(Bytes.of(der.hex().toUpperCase().getBytes(StandardCharsets.US_ASCII))));
    String pem = "-----BEGIN X509 CRL-----\n" + Base64.getMimeEncoder().encodeToString(der.toByteArray())
        + "\n-----END X509 CRL-----\n";
    assertEquals(der, CrlBody.decode(Bytes.of(pem.getBytes(StandardCharsets.US_ASCII))));
    for (String bad : List.of("", "zz", "abc", "4142", "-----BEGIN X509 CRL-----\nAAAA")) {
      DcapException e = assertThrows(DcapException.class,
          () -> CrlBody.decode(Bytes.of(bad.getBytes(StandardCharsets.US_ASCII))), bad);
      assertEquals(FailureCode.COLLATERAL_MALFORMED, e.code());
    }
  }

  @Test
  void retryAfterIsSecondsOrADate() {
    assertEquals(Duration.ofSeconds(7), HttpGetter.retryAfter(headers("7")).orElseThrow());
    assertTrue(HttpGetter.retryAfter(headers("Wed, 21 Oct 2015 07:28:00 GMT")).orElseThrow().isZero());
    assertTrue(HttpGetter.retryAfter(headers("soon")).isEmpty());
    assertTrue(HttpGetter.retryAfter(headers("-3")).isEmpty());
  }

  @Test
  void backoffDoublesUpToItsCap() {
    RetryPolicy p = new RetryPolicy(6, Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(350),
        Duration.ofSeconds(1));
    assertEquals(List.of(100L, 200L, 350L, 350L),
        List.of(1, 2, 3, 4).stream().map(a -> p.backoffAfter(a).toMillis()).toList());
  }

  private static HttpHeaders headers(String retryAfter) {
    return HttpHeaders.of(Map.of("Retry-After", List.of(retryAfter)), (a, b) -> true);
  }
}
