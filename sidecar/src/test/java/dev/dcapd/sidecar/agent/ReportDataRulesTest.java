package dev.dcapd.sidecar.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** report_data as each agent endpoint builds it, against vectors/dstack/computed/computed-vectors.json. */
class ReportDataRulesTest {
  static JsonNode vectors() throws Exception {
    return new ObjectMapper().readTree(Vectors.text("dstack/computed/computed-vectors.json"));
  }

  @Test
  void tdxQuoteEveryAlgorithm() throws Exception {
    JsonNode v = vectors().get("report_data_tdxquote");
    Bytes data = Bytes.fromHex(v.get("input_report_data_hex").textValue());
    List<String> wrong = new ArrayList<>();
    int seen = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = v.get("by_algorithm").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      seen++;
      if (!ReportDataRules.tdxQuote(data, e.getKey(), "").hex().equals(e.getValue().textValue())) {
        wrong.add(e.getKey());
      }
    }
    assertEquals(List.of(), wrong);
    assertEquals(9, seen);
    // An empty algorithm is sha512 and an empty prefix is "app-data".
    assertEquals(v.at("/by_algorithm/sha512").textValue(), ReportDataRules.tdxQuote(data, "", "").hex());
    assertEquals(v.get("custom_prefix_my-prefix_sha512").textValue(), ReportDataRules.tdxQuote(data, "sha512", "my-prefix").hex());
    // The server always adds the colon: a prefix that ends in one is hashed with two.
    assertEquals(ReportDataRules.tdxQuote(data, "sha512", "app-data:").hex(),
        ReportDataRules.tdxQuote(Bytes.fromHex("3a" + data.hex()), "sha512", "app-data").hex());
  }

  @Test
  void rawIsExactly64BytesAndIgnoresThePrefix() {
    Bytes data = Bytes.zeros(63);
    assertThrows(IllegalArgumentException.class, () -> ReportDataRules.tdxQuote(data, "raw", ""));
    Bytes full = Bytes.fromHex("11".repeat(64));
    assertEquals(full, ReportDataRules.tdxQuote(full, "raw", "ignored"));
    assertThrows(IllegalArgumentException.class, () -> ReportDataRules.tdxQuote(full, "md5", ""));
  }

  @Test
  void getQuotePadsOnTheRightAndTheLegacySdkOnTheLeft() throws Exception {
    JsonNode v = vectors();
    assertEquals(v.at("/report_data_getquote/report_data").textValue(),
        ReportDataRules.getQuote(Bytes.fromHex(v.at("/report_data_getquote/input_hex").textValue())).hex());
    assertEquals(v.at("/report_data_tappd_sdk_raw_leftpad/report_data").textValue(),
        ReportDataRules.tappdSdkRaw(Bytes.fromHex(v.at("/report_data_tappd_sdk_raw_leftpad/input_hex").textValue())).hex());
    assertThrows(IllegalArgumentException.class, () -> ReportDataRules.getQuote(Bytes.zeros(65)));
  }
}
