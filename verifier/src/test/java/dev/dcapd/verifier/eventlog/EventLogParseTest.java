package dev.dcapd.verifier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventLogParseTest {
  private static final String DIGEST = "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

  @ParameterizedTest
  @ValueSource(strings = {
      "", "not json", "{}", "42", "\"not an array\"", "[1]",
      "[{\"event_type\":1,\"digest\":\"" + DIGEST + "\"}]",
      "[{\"imr\":4,\"event_type\":1,\"digest\":\"" + DIGEST + "\"}]",
      "[{\"imr\":-1,\"event_type\":1,\"digest\":\"" + DIGEST + "\"}]",
      "[{\"imr\":0,\"event_type\":4294967296,\"digest\":\"" + DIGEST + "\"}]",
      "[{\"imr\":0,\"event_type\":\"1\",\"digest\":\"" + DIGEST + "\"}]",
      "[{\"imr\":0,\"event_type\":1,\"digest\":\"abc\"}]",
      "[{\"imr\":0,\"event_type\":1,\"digest\":\"zz\"}]",
      "[{\"imr\":0,\"event_type\":1,\"digest\":\"" + DIGEST + "00\"}]",
      "[{\"imr\":0,\"event_type\":1,\"digest\":\"" + DIGEST + "\",\"event_payload\":7}]",
      "[{\"imr\":0,\"event_type\":1,\"digest\":\"" + DIGEST + "\",\"event\":7}]",
      "[{\"imr\":3,\"event_type\":134217729,\"digest\":\"\",\"event\":\"x\",\"version\":3}]",
  })
  void malformedLogsAreRefusedWithOneCode(String json) {
    assertEquals(FailureCode.EVENT_LOG_MALFORMED, assertThrows(DcapException.class, () -> EventLog.parse(json)).code());
  }

  @Test
  void aBootEventWithoutDigestCannotBeReplayed() throws DcapException {
    EventLog log = EventLog.parse("[{\"imr\":0,\"event_type\":1,\"digest\":\"\",\"event\":\"\",\"event_payload\":\"00\"}]");
    assertEquals(FailureCode.EVENT_LOG_MALFORMED, assertThrows(DcapException.class, log::replay).code());
  }

  @Test
  void absentFieldsTakeTheirDefaults() throws DcapException {
    EventLog log = EventLog.parse("[{\"imr\":3,\"event_type\":134217729,\"event\":\"x\"}]");
    TdxEvent e = log.events().get(0);
    assertEquals(Bytes.empty(), e.digest());
    assertEquals(Bytes.empty(), e.payload());
    assertEquals(1, e.version());
    assertEquals(RuntimeEventDigest.of(e), log.replay().digests().get(0));
  }

  @Test
  void theComputedRuntimeEventVectorsHold() throws Exception {
    var v = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(dev.dcapd.verifier.Vectors.text("dstack/computed/computed-vectors.json")).get("runtime_event_digest");
    long type = v.get("event_type").longValue();
    String name = v.get("event").textValue();
    Bytes payload = Bytes.fromHex(v.get("payload_hex").textValue());
    assertEquals(v.get("v1_preimage_hex").textValue(), RuntimeEventDigest.v1Preimage(type, name, payload).hex());
    assertEquals(v.get("v2_preimage_utf8").textValue(),
        new String(RuntimeEventDigest.v2Preimage(type, name, payload).toByteArray(), java.nio.charset.StandardCharsets.UTF_8));
    TdxEvent v1 = TdxEvent.of(3, type, Bytes.empty(), name, payload);
    TdxEvent v2 = new TdxEvent(3, type, Bytes.empty(), name, payload, 2, Optional.empty());
    assertEquals(v.get("v1_digest_sha384").textValue(), RuntimeEventDigest.of(v1).hex());
    assertEquals(v.get("v2_digest_sha384").textValue(), RuntimeEventDigest.of(v2).hex());
    assertEquals(v.get("rtmr3_after_single_v1_event").textValue(), EventLog.of(List.of(v1)).replay().rtmr(3).hex());
  }

  @Test
  void aVersion2EventIsCheckedAgainstItsPreimageAndDigest() throws DcapException {
    Bytes canonical = RuntimeEventDigest.v2Preimage(TdxEvent.RUNTIME_EVENT_TYPE, "app-id", Bytes.fromHex("deadbeef"));
    String good = "[{\"imr\":3,\"event_type\":134217729,\"digest\":\"%s\",\"event\":\"app-id\",\"event_payload\":\"deadbeef\","
        + "\"version\":2,\"preimage\":\"%s\"}]";
    Bytes digest = RuntimeEventDigest.sha384(canonical);
    EventLog.parse(String.format(good, digest.hex(), canonical.hex())).replay();
    // The preimage of another event, and a digest that is not the canonical form's, are both refused.
    Bytes other = RuntimeEventDigest.v2Preimage(TdxEvent.RUNTIME_EVENT_TYPE, "app-id", Bytes.fromHex("deadbeee"));
    assertEquals(FailureCode.EVENT_LOG_MISMATCH, assertThrows(DcapException.class,
        () -> EventLog.parse(String.format(good, digest.hex(), other.hex())).replay()).code());
    assertEquals(FailureCode.EVENT_LOG_MISMATCH, assertThrows(DcapException.class,
        () -> EventLog.parse(String.format(good, RuntimeEventDigest.sha384(other).hex(), canonical.hex())).replay()).code());
  }

  @Test
  void jcsEscapesLikeJsonStringify() {
    String json = new String(RuntimeEventDigest.v2Preimage(1, "a\"b\\c\n\u0001é", Bytes.empty()).toByteArray(),
        java.nio.charset.StandardCharsets.UTF_8);
    assertEquals("{\"name\":\"a\\\"b\\\\c\\n\\u0001é\",\"payload\":\"\",\"type\":1}", json);
  }
}
