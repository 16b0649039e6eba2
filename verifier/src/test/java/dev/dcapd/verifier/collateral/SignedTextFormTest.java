package dev.dcapd.verifier.collateral;

import static dev.dcapd.verifier.collateral.CollateralParsingTest.code;
import static dev.dcapd.verifier.collateral.CollateralParsingTest.tdx;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Intel's format rules on the signed text of TCB info and QE identity, one choice per test. Intel's
 * QVL verifies the signature over its own compact re-serialisation of the parsed object (rapidjson's
 * Writer); dcapd verifies it over the text received and requires that text to be its own compact
 * form, so the two verify the same bytes. The signature path itself is exercised end to end, with
 * documents signed by the testkit's TCB signing key, in the testkit's SignedCollateralFormatTest.
 */
class SignedTextFormTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String U = "\\" + "u";

  private static String tcb() throws DcapException {
    return tdx().tcbInfo();
  }

  private static String qe() throws DcapException {
    return tdx().qeIdentity();
  }

  private static void malformed(String tcbInfo, String why) {
    assertEquals(FailureCode.COLLATERAL_MALFORMED, code(() -> TcbInfo.parse(tcbInfo)), why);
  }

  private static void malformedQe(String qeIdentity, String why) {
    assertEquals(FailureCode.COLLATERAL_MALFORMED, code(() -> QeIdentity.parse(qeIdentity)), why);
  }

  /** Every real TCB info and QE identity in the vectors is in Intel's compact form already. */
  @Test
  void realDocumentsAreCompact() throws Exception {
    for (String file : List.of("dcap-qvl/sgx_quote_collateral.json", "dcap-qvl/tdx_quote_collateral.json",
        "dcap-qvl/tdx_quote_outdated_collateral.json")) {
      QuoteCollateral c = QuoteCollateral.fromJson(Vectors.text(file));
      TcbInfo.parse(c.tcbInfo());
      QeIdentity.parse(c.qeIdentity());
    }
  }

  @Test
  void spacingIsMalformed() throws Exception {
    String t = tcb();
    malformed(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(t)), "pretty-printed");
    malformed(t.replaceFirst(",", ", "), "a space after a comma");
    malformed(" " + t, "a leading space");
    malformed(t + "\n", "a trailing newline");
    malformedQe(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(qe())), "pretty-printed");
    malformedQe(qe().replaceFirst(":", " : "), "spaces around a colon");
  }

  /**
   * Strings are compared as rapidjson writes them: every character as itself but the quote, the
   * backslash and control characters, which take the short escape where JSON has one and an
   * upper-case six-character escape otherwise.
   */
  @Test
  void escapesAreThoseRapidjsonWrites() throws Exception {
    String t = tcb();
    String bios = "\"category\":\"BIOS\"";
    assertNotEquals(t, t.replace(bios, "x"));
    // Accepted: what rapidjson writes.
    for (String ok : List.of("BI\\tOS", "BI\\nOS", "BI" + U + "001FOS", "BI" + U + "0000OS", "BI\\\"OS", "BI\\\\OS",
        "BI/OS", "BIÖS", "BI\u2028OS", "BI😀OS")) {
      TcbInfo.parse(t.replace(bios, "\"category\":\"" + ok + "\""));
    }
    // Refused: the same characters written otherwise.
    for (String bad : List.of("BI" + U + "0009OS", "BI" + U + "001fOS", "BI\\/OS", "BI" + U + "00D6OS",
        U + "0042IOS", "BI" + U + "d83d" + U + "de00OS")) {
      malformed(t.replace(bios, "\"category\":\"" + bad + "\""), bad);
    }
    // A raw unpaired surrogate (it reaches here through a collateral JSON escape): its UTF-8 bytes,
    // which the signature covers, would say '?'.
    malformed(t.replace(bios, "\"category\":\"BI\uD800OS\""), "an unpaired surrogate");
    malformed(t.replace("\"id\":\"TDX\"", "\"id\":\"" + U + "0054DX\""), "an escaped id");
    malformed(t.replace("\"tcbLevels\"", "\"tcb" + U + "004Cevels\""), "an escaped key");
    malformedQe(qe().replace("\"id\":\"TD_QE\"", "\"id\":\"TD" + U + "005FQE\""), "an escaped id");
  }

  /**
   * Numbers are compared as rapidjson writes them: integers that fit 64 bits (signed or unsigned)
   * as themselves; anything else rapidjson holds as a double and writes otherwise, so dcapd refuses
   * fractions, exponents, {@code -0} and wider integers, even in members it does not read.
   */
  @Test
  void numbersAreThoseRapidjsonWrites() throws Exception {
    String t = tcb();
    String tail = t.substring(0, t.length() - 1);
    for (String ok : List.of("0", "-1", "18446744073709551615", "-9223372036854775808", "true", "null", "[]", "{}")) {
      TcbInfo.parse(tail + ",\"extra\":" + ok + "}");
    }
    for (String bad : List.of("18446744073709551616", "-9223372036854775809", "1.5", "1.0", "1e2", "1E2", "-0", "0.0")) {
      malformed(tail + ",\"extra\":" + bad + "}", bad);
    }
    malformed(t.replace("\"tcbType\":0", "\"tcbType\":0.0"), "tcbType 0.0");
    malformed(t.replace("\"version\":3", "\"version\":3e0"), "version 3e0");
  }

  /**
   * Member order is not a format rule: rapidjson keeps the order received and so does dcapd's
   * re-serialisation, so a document signed in another order is its own compact form.
   */
  @Test
  void anotherMemberOrderIsAccepted() throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(tcb());
    List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      fields.add(it.next());
    }
    ObjectNode reversed = JSON.createObjectNode();
    for (int i = fields.size() - 1; i >= 0; i--) {
      reversed.set(fields.get(i).getKey(), fields.get(i).getValue());
    }
    String text = JSON.writeValueAsString(reversed);
    assertNotEquals(tcb(), text);
    assertEquals(TcbInfo.parse(tcb()), TcbInfo.parse(text));
  }

  /** {@code YYYY-MM-DDThh:mm:ssZ} exactly, for issueDate, nextUpdate and every tcbDate; a date that exists. */
  @Test
  void datesAreIntelsFormExactly() throws Exception {
    String t = tcb();
    String q = qe();
    String issue = "\"issueDate\":\"2025-06-19T10:16:03Z\"";
    String next = "\"nextUpdate\":\"2025-07-19T10:16:03Z\"";
    String tcbDate = "\"tcbDate\":\"2024-03-13T00:00:00Z\"";
    for (String[] where : new String[][] {{t, issue}, {t, next}, {t, tcbDate}}) {
      assertNotEquals(where[0], where[0].replace(where[1], "x"), where[1]);
    }
    assertEquals(Instant.parse("2025-06-19T10:16:03Z"), TcbInfo.parse(t).issueDate());
    for (String bad : List.of("2025-06-19T10:16:03.000Z", "2025-06-19T10:16:03.5Z", "2025-06-19T10:16:03+00:00",
        "2025-06-19T10:16:03", "2025-06-19T10:16:03z", "2025-06-19t10:16:03Z", "2025-06-19T10:16Z",
        "+2025-06-19T10:16:03Z", "12025-06-19T10:16:03Z", "25-06-19T10:16:03Z", "2025-6-19T10:16:03Z",
        "2025-02-30T10:16:03Z", "2025-06-19T24:00:00Z", "2025-06-19T10:16:60Z", "2025-06-19 10:16:03Z",
        "2025-06-19T10:16:03Z ", "２025-06-19T10:16:03Z")) {
      for (String field : List.of(issue, next, tcbDate)) {
        String key = field.substring(0, field.indexOf(':') + 1);
        malformed(t.replace(field, key + "\"" + bad + "\""), field + " -> " + bad);
      }
    }
    String qeIssue = q.substring(q.indexOf("\"issueDate\""), q.indexOf(",", q.indexOf("\"issueDate\"")));
    malformedQe(q.replace(qeIssue, "\"issueDate\":\"2025-06-19T10:16:03.000Z\""), "QE issueDate with a fraction");
    String qeLevelDate = q.substring(q.indexOf("\"tcbDate\""), q.indexOf(",", q.indexOf("\"tcbDate\"")));
    malformedQe(q.replace(qeLevelDate, "\"tcbDate\":\"2024-03-13T00:00:00+00:00\""), "QE tcbDate with an offset");
  }

  /** An unsigned 32-bit integer, as QVL reads it: not negative, not wider, not a float or a string. */
  @Test
  void tcbEvaluationDataNumberIsU32() throws Exception {
    String t = tcb();
    String q = qe();
    String field = "\"tcbEvaluationDataNumber\":17";
    assertNotEquals(t, t.replace(field, "x"));
    assertNotEquals(q, q.replace(field, "x"));
    assertEquals(4294967295L, TcbInfo.parse(t.replace(field, "\"tcbEvaluationDataNumber\":4294967295")).tcbEvaluationDataNumber());
    assertEquals(4294967295L, QeIdentity.parse(q.replace(field, "\"tcbEvaluationDataNumber\":4294967295")).tcbEvaluationDataNumber());
    for (String bad : List.of("-1", "4294967296", "9223372036854775807", "17.0", "\"17\"", "null")) {
      malformed(t.replace(field, "\"tcbEvaluationDataNumber\":" + bad), bad);
      malformedQe(q.replace(field, "\"tcbEvaluationDataNumber\":" + bad), bad);
    }
  }

  /**
   * SVNs within their widths: SGX and TDX TCB components are bytes (Intel's QVL reads any u32 and
   * keeps its low byte; dcapd refuses above 255), PCESVN and the QE's ISVSVN 16 bits, and the TDX
   * module's ISVSVN 16 bits as QVL checks it (a level above 255 is one no module reaches).
   */
  @Test
  void svnsAreWithinTheirWidths() throws Exception {
    String t = tcb();
    String sgxComp = "{\"svn\":2,\"category\":\"BIOS\",\"type\":\"Early Microcode Update\"}";
    assertNotEquals(t, t.replace(sgxComp, "x"));
    TcbInfo.parse(t.replaceFirst(java.util.regex.Pattern.quote(sgxComp), "{\"svn\":255,\"category\":\"BIOS\",\"type\":\"Early Microcode Update\"}"));
    malformed(t.replaceFirst(java.util.regex.Pattern.quote(sgxComp), "{\"svn\":256,\"category\":\"BIOS\",\"type\":\"Early Microcode Update\"}"),
        "SGX component 256");
    String tdxComps = "\"tdxtcbcomponents\":[{\"svn\":";
    int at = t.indexOf(tdxComps) + tdxComps.length();
    String svn = t.substring(at, t.indexOf(',', at));
    TcbInfo.parse(t.substring(0, at) + "255" + t.substring(at + svn.length()));
    malformed(t.substring(0, at) + "256" + t.substring(at + svn.length()), "TDX component 256");
    malformed(t.substring(0, at) + "-1" + t.substring(at + svn.length()), "TDX component -1");

    String pce = "\"pcesvn\":11";
    assertEquals(65535, TcbInfo.parse(t.replace(pce, "\"pcesvn\":65535")).tcbLevels().get(0).pceSvn());
    malformed(t.replace(pce, "\"pcesvn\":65536"), "PCESVN 65536");

    String module = "\"tcb\":{\"isvsvn\":4}";
    assertNotEquals(t, t.replace(module, "x"));
    TcbInfo.parse(t.replace(module, "\"tcb\":{\"isvsvn\":65535}"));
    malformed(t.replace(module, "\"tcb\":{\"isvsvn\":65536}"), "TDX module ISVSVN 65536");

    String q = qe();
    String qeSvn = q.substring(q.indexOf("\"tcb\":{\"isvsvn\":"), q.indexOf("}", q.indexOf("\"tcb\":{\"isvsvn\":")) + 1);
    QeIdentity.parse(q.replace(qeSvn, "\"tcb\":{\"isvsvn\":65535}"));
    malformedQe(q.replace(qeSvn, "\"tcb\":{\"isvsvn\":65536}"), "QE ISVSVN 65536");
  }

  /** TCB info v2 names its SGX components one by one: the same byte width. */
  @Test
  void v2ComponentsAreBytes() throws Exception {
    String v2 = CollateralParsingTest.tcbInfoOf(Vectors.text("intel/qvl-sample-sgx/tcbInfo.json"));
    String comp = v2.substring(v2.indexOf("\"sgxtcbcomp01svn\":"), v2.indexOf(",", v2.indexOf("\"sgxtcbcomp01svn\":")));
    TcbInfo.parse(v2.replace(comp, "\"sgxtcbcomp01svn\":255"));
    malformed(v2.replace(comp, "\"sgxtcbcomp01svn\":256"), "v2 component 256");
  }

  /**
   * Intel's own TDX sample TCB info has SGX component SVNs above 255 (65473, ...), which Intel's
   * QVL reads modulo 256: dcapd refuses that document.
   */
  @Test
  void intelsTdxSampleTcbInfoHasComponentsWiderThanAByte() throws Exception {
    malformed(CollateralParsingTest.tcbInfoOf(Vectors.text("intel/qvl-sample-tdx/tcbInfo.json")), "Intel's TDX sample");
    QeIdentity.parse(JSON.writeValueAsString(JSON.readTree(Vectors.text("intel/qvl-sample-tdx/qeIdentity.json")).get("enclaveIdentity")));
  }
}
