package dev.dcapd.verifier.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TCB info and QE identity parsing on real collateral, and every shape error as COLLATERAL_MALFORMED. */
class CollateralParsingTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static QuoteCollateral tdx() throws DcapException {
    return QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
  }

  static String tcbInfoOf(String pcsBody) throws Exception {
    return JSON.writeValueAsString(JSON.readTree(pcsBody).get("tcbInfo"));
  }

  @Test
  void tdxTcbInfo() throws Exception {
    TcbInfo t = TcbInfo.parse(tdx().tcbInfo());
    assertEquals(TeeType.TDX, t.id());
    assertEquals(3, t.version());
    assertEquals(Bytes.fromHex("b0c06f000000"), t.fmspc());
    assertEquals(Instant.parse("2025-07-19T10:16:03Z"), t.nextUpdate());
    assertEquals(17, t.tcbEvaluationDataNumber());
    assertEquals(2, t.tcbLevels().size());
    assertEquals(TcbStatus.UP_TO_DATE, t.tcbLevels().get(0).tcbStatus());
    assertEquals(11, t.tcbLevels().get(0).pceSvn());
    assertEquals(14, t.tcbLevels().get(1).advisoryIds().size());
    assertEquals(Bytes.zeros(48), t.tdxModule().orElseThrow().mrSigner());
    TdxModuleIdentity tdx01 = t.tdxModuleIdentity(1).orElseThrow();
    assertEquals("TDX_01", tdx01.id());
    assertEquals(List.of(4, 2), tdx01.tcbLevels().stream().map(EnclaveTcbLevel::isvSvn).toList());
    assertTrue(t.tdxModuleIdentity(2).isEmpty());
  }

  @Test
  void tcbInfoV2() throws Exception {
    TcbInfo t = TcbInfo.parse(tcbInfoOf(Vectors.text("intel/qvl-sample-sgx/tcbInfo.json")));
    assertEquals(TeeType.SGX, t.id());
    assertEquals(2, t.version());
    assertTrue(t.tcbLevels().stream().allMatch(l -> l.tdxComponents().isEmpty()));
  }

  @Test
  void tcbInfoV1IsNotSupported() throws Exception {
    DcapException e = assertThrows(DcapException.class, () -> TcbInfo.parse(tcbInfoOf(Vectors.text("intel/pckcertselection/tcb_info.json"))));
    assertEquals(FailureCode.TCB_INFO_MISMATCH, e.code());
  }

  /** QVL orders levels itself; JSON order is not trusted (dcap-qvl adopted the same sort in 2026). */
  @Test
  void levelsAreInIntelsOrderWhateverTheJsonOrder() throws Exception {
    ObjectNode info = (ObjectNode) JSON.readTree(Vectors.text("intel/pckcertselection/tcb_info_4.json")).get("tcbInfo");
    TcbInfo inOrder = TcbInfo.parse(JSON.writeValueAsString(info));
    List<JsonNode> levels = new ArrayList<>();
    info.get("tcbLevels").forEach(levels::add);
    Collections.reverse(levels);
    ArrayNode reversed = info.putArray("tcbLevels");
    levels.forEach(reversed::add);
    TcbInfo shuffled = TcbInfo.parse(JSON.writeValueAsString(info));
    assertEquals(inOrder.tcbLevels(), shuffled.tcbLevels());
    assertEquals(TcbStatus.UP_TO_DATE, shuffled.tcbLevels().get(0).tcbStatus());
    assertEquals(7, shuffled.tcbLevels().get(0).pceSvn());
  }

  @Test
  void qeIdentities() throws Exception {
    QeIdentity td = QeIdentity.parse(tdx().qeIdentity());
    assertEquals(QeIdentity.Id.TD_QE, td.id());
    assertEquals(Bytes.fromHex("dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5"), td.mrSigner());
    assertEquals(2, td.isvProdId());
    assertEquals(Bytes.fromHex("fbffffffffffffff0000000000000000"), td.attributesMask());
    String qve = JSON.writeValueAsString(JSON.readTree(Vectors.text("intel/qvl-sample-sgx/qveIdentity.json")).get("enclaveIdentity"));
    assertEquals(QeIdentity.Id.QVE, QeIdentity.parse(qve).id());
  }

  @Test
  void qeIdentityRules() throws Exception {
    String text = tdx().qeIdentity();
    assertEquals(FailureCode.QE_IDENTITY_MISMATCH, code(() -> QeIdentity.parse(text.replace("\"version\":2", "\"version\":3"))));
    assertEquals(FailureCode.QE_IDENTITY_MISMATCH, code(() -> QeIdentity.parse(text.replace("\"TD_QE\"", "\"TD_QX\""))));
    assertEquals(FailureCode.COLLATERAL_MALFORMED, code(() -> QeIdentity.parse(text.replace("\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"SWHardeningNeeded\""))));
  }

  interface Parse {
    void run() throws DcapException;
  }

  static FailureCode code(Parse p) {
    return assertThrows(DcapException.class, p::run).code();
  }

  @Test
  void shapeErrorsAreMalformed() throws Exception {
    String t = tdx().tcbInfo();
    List<String> bad = List.of(
        "",
        "[]",
        "{",
        t + "x",
        t.replace("\"fmspc\":\"B0C06F000000\"", "\"fmspc\":\"B0C06F0000\""),
        t.replace("\"fmspc\":\"B0C06F000000\"", "\"fmspc\":\"B0C06F00000G\""),
        t.replace("\"pceId\":\"0000\",", ""),
        t.replace("\"issueDate\":\"2025-06-19T10:16:03Z\"", "\"issueDate\":\"yesterday\""),
        t.replace("\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"Fine\""),
        t.replace("\"pcesvn\":11", "\"pcesvn\":-1"),
        t.replace("\"pcesvn\":11", "\"pcesvn\":\"11\""),
        t.replace("\"pcesvn\":11", "\"pcesvn\":70000"),
        t.replace("{\"svn\":2,\"category\":\"BIOS\",\"type\":\"Early Microcode Update\"},", ""),
        t.replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":17,\"tcbEvaluationDataNumber\":18"),
        t.replaceFirst("\"tdxModule\":\\{[^}]*\\},", ""),
        t.replace("\"id\":\"TDX_03\"", "\"id\":\"TDX_3\""),
        t.replace("\"tcbStatus\":\"OutOfDate\"}]}]", "\"tcbStatus\":\"SWHardeningNeeded\"}]}]"),
        t.substring(0, t.indexOf("\"tcbLevels\":[{\"tcb\":{\"sgx")) + "\"tcbLevels\":[]}");
    for (int i = 0; i < bad.size(); i++) {
      String text = bad.get(i);
      assertEquals(FailureCode.COLLATERAL_MALFORMED, code(() -> TcbInfo.parse(text)), "case " + i);
    }
  }

  /**
   * Intel's QVL keeps TCB levels (and a module identity's levels) in a set and refuses TCB info
   * holding two equal ones: the same SVNs (and PCESVN) with perhaps another status.
   */
  @Test
  void duplicateLevelsAreMalformed() throws Exception {
    ObjectNode info = (ObjectNode) JSON.readTree(tdx().tcbInfo());
    ArrayNode levels = (ArrayNode) info.get("tcbLevels");
    ((ObjectNode) levels.get(1)).set("tcb", levels.get(0).get("tcb").deepCopy());
    String twice = JSON.writeValueAsString(info);
    assertEquals(FailureCode.COLLATERAL_MALFORMED, code(() -> TcbInfo.parse(twice)));
    String t = tdx().tcbInfo();
    String module = "\"tcb\":{\"isvsvn\":4}";
    assertTrue(t.contains(module));
    assertEquals(FailureCode.COLLATERAL_MALFORMED, code(() -> TcbInfo.parse(t.replace(module, "\"tcb\":{\"isvsvn\":2}"))));
    TcbInfo.parse(t.replace(module, "\"tcb\":{\"isvsvn\":3}"));
  }

  @Test
  void tcbInfoRules() throws Exception {
    String t = tdx().tcbInfo();
    assertEquals(FailureCode.TCB_INFO_MISMATCH, code(() -> TcbInfo.parse(t.replace("\"version\":3", "\"version\":4"))));
    assertEquals(FailureCode.TCB_INFO_MISMATCH, code(() -> TcbInfo.parse(t.replace("\"id\":\"TDX\"", "\"id\":\"SEV\""))));
    assertEquals(FailureCode.TCB_INFO_MISMATCH, code(() -> TcbInfo.parse(t.replace("\"tcbType\":0", "\"tcbType\":1"))));
  }
}
