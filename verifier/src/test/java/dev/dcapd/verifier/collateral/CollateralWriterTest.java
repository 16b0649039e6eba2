package dev.dcapd.verifier.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.dcapd.verifier.Vectors;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * TCB info and QE identity write themselves back as Intel's JSON: every real document parses,
 * writes, and parses again to an equal model; documents in Intel's canonical form come back byte
 * for byte, the others (hex in lower case, another key order) come back as the same JSON once
 * those are set aside, except for keys the verifier does not read, which are not written. (A
 * pretty-printed document no longer parses: SignedTextFormTest.)
 */
class CollateralWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");

  /** How close the written text comes to a document. */
  private enum Form {
    /** Byte for byte: Intel's canonical form. */
    CANONICAL,
    /** The same JSON once hex case and key order are set aside. */
    SAME_JSON,
    /** Only the same model: the document has keys the verifier does not read. */
    SAME_MODEL
  }

  private record Doc(String name, String text, Form form) {}

  private static Doc fromCollateral(String file, boolean tcbInfo, Form form) throws Exception {
    QuoteCollateral c = QuoteCollateral.fromJson(Vectors.text(file));
    return new Doc(file + (tcbInfo ? " tcb_info" : " qe_identity"), tcbInfo ? c.tcbInfo() : c.qeIdentity(), form);
  }

  /** The exact text of the signed object in a PCS response body {@code {"key":{...},"signature":"..."}}. */
  private static Doc fromBody(String file, String key, Form form) throws Exception {
    String body = Vectors.text(file).strip();
    String prefix = "{\"" + key + "\":";
    String text = body.startsWith(prefix)
        ? body.substring(prefix.length(), body.lastIndexOf(",\"signature\":"))
        : JSON.writeValueAsString(JSON.readTree(body).get(key));
    return new Doc(file, text, form);
  }

  private static List<Doc> tcbInfos() throws Exception {
    return List.of(
        fromCollateral("dcap-qvl/sgx_quote_collateral.json", true, Form.CANONICAL),
        // Intel PCS's TDX TCB info, whose component SVNs carry a category and type.
        fromCollateral("dcap-qvl/tdx_quote_collateral.json", true, Form.CANONICAL),
        fromCollateral("dcap-qvl/tdx_quote_outdated_collateral.json", true, Form.CANONICAL),
        fromBody("intel/qvl-sample-sgx/tcbInfo.json", "tcbInfo", Form.CANONICAL),
        // (Intel's TDX sample, in another key order and with lower-case hex, has component SVNs
        // wider than a byte and no longer parses: SignedTextFormTest.)
        // A lower-case FMSPC.
        fromBody("go-tdx-guest/sample_tcbInfo_response", "tcbInfo", Form.SAME_JSON),
        fromBody("go-tdx-guest/sample_tcbinfo_response_v5", "tcbInfo", Form.SAME_JSON),
        // A fixture of Intel's PCK selection tests: SGX levels that also carry tdxtcbcomponents and
        // 'AdvisoryIDs' (capital A), neither of which the verifier reads.
        fromBody("intel/pckcertselection/tcb_info_4.json", "tcbInfo", Form.SAME_MODEL));
  }

  private static List<Doc> qeIdentities() throws Exception {
    return List.of(
        fromCollateral("dcap-qvl/sgx_quote_collateral.json", false, Form.CANONICAL),
        fromCollateral("dcap-qvl/tdx_quote_collateral.json", false, Form.CANONICAL),
        fromCollateral("dcap-qvl/tdx_quote_outdated_collateral.json", false, Form.CANONICAL),
        fromBody("intel/qvl-sample-sgx/qeIdentity.json", "enclaveIdentity", Form.CANONICAL),
        fromBody("intel/qvl-sample-sgx/qveIdentity.json", "enclaveIdentity", Form.CANONICAL),
        fromBody("go-tdx-guest/sample_qeIdentity_response", "enclaveIdentity", Form.CANONICAL),
        // Some hex in lower case.
        fromBody("intel/qvl-sample-tdx/qeIdentity.json", "enclaveIdentity", Form.SAME_JSON));
  }

  @Test
  void tcbInfoWritesBackWhatItParsedFrom() throws Exception {
    List<String> failures = new ArrayList<>();
    for (Doc d : tcbInfos()) {
      TcbInfo parsed = TcbInfo.parse(d.text());
      String written = parsed.toJson();
      check(failures, d, written, parsed.equals(TcbInfo.parse(written)));
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void qeIdentityWritesBackWhatItParsedFrom() throws Exception {
    List<String> failures = new ArrayList<>();
    for (Doc d : qeIdentities()) {
      QeIdentity parsed = QeIdentity.parse(d.text());
      String written = parsed.toJson();
      check(failures, d, written, parsed.equals(QeIdentity.parse(written)));
    }
    assertEquals(List.of(), failures);
  }

  /** Collects every way {@code written} falls short of {@code d}, so that one run shows them all. */
  private static void check(List<String> failures, Doc d, String written, boolean sameModel) throws Exception {
    if (!sameModel) {
      failures.add(d.name() + ": parses to another model");
    }
    boolean identical = written.equals(d.text());
    if (identical != (d.form() == Form.CANONICAL)) {
      failures.add(d.name() + (identical ? ": byte-identical, so canonical" : ": not byte-identical"));
    }
    boolean sameJson = normalised(JSON.readTree(d.text())).equals(JSON.readTree(written));
    if (sameJson != (d.form() != Form.SAME_MODEL)) {
      failures.add(d.name() + (sameJson ? ": the same JSON, so not only the same model" : ": not the same JSON"));
    }
  }

  /** {@code n} with hex text in upper case (key order and spacing do not count in a tree). */
  private static JsonNode normalised(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = (ObjectNode) n;
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        e.setValue(normalised(e.getValue()));
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        ((com.fasterxml.jackson.databind.node.ArrayNode) n).set(i, normalised(n.get(i)));
      }
    } else if (n.isTextual() && HEX.matcher(n.textValue()).matches()) {
      return TextNode.valueOf(n.textValue().toUpperCase(Locale.ROOT));
    }
    return n;
  }

  @Test
  void theWrittenTextIsCompactAndInIntelsKeyOrder() throws Exception {
    String written = TcbInfo.parse(tcbInfos().get(0).text()).toJson();
    assertTrue(written.startsWith("{\"id\":\"SGX\",\"version\":3,\"issueDate\":"), written);
    assertTrue(!written.contains(" ") && !written.contains("\n"), written);
  }
}
