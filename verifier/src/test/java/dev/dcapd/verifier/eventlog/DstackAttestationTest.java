package dev.dcapd.verifier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.TdReport;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SCALE (version 0) attestations among the dstack vectors. */
class DstackAttestationTest {
  @Test
  void theSimulatorsAttestationHoldsTheExtractedQuoteAndLog() throws Exception {
    DstackAttestation a = DstackAttestation.parse(Vectors.bytes("dstack/simulator-v0.5.6-plus/attestation.bin"));
    assertEquals(Bytes.of(QuoteInput.decode(Vectors.bytes("dstack/simulator-v0.5.6-plus/attestation.extracted-quote.hex"))), a.quote());
    EventLog extracted = EventLog.parse(Vectors.text("dstack/simulator-v0.5.6-plus/attestation.extracted-eventlog.json"));
    assertEquals(extracted.events(), a.eventLog().events());
    assertEquals(33, a.eventLog().events().size());
    assertEquals(9, a.runtimeEvents().size());
    assertTrue(a.reportData().isAllZero());
    TdReport td = (TdReport) QuoteInput.parse(a.quote().toByteArray()).body();
    a.eventLog().replay().check(td);
    new ObjectMapper().readTree(a.config());
  }

  @Test
  void aStrippedAttestationReplaysRtmr3Only() throws Exception {
    byte[] bytes = Bytes.fromHex(new ObjectMapper().readTree(Vectors.text("dstack/verifier-fixtures/tdx-lite-attestation.json"))
        .get("attestation").textValue()).toByteArray();
    DstackAttestation a = DstackAttestation.parse(bytes);
    TdReport td = (TdReport) QuoteInput.parse(a.quote().toByteArray()).body();
    Replay replay = a.eventLog().replay();
    replay.checkRtmr3(td);
    assertEquals("6f24c170d0fd63fc2b1b53202eea47b013978437fa6982cf5e0438ff95c208994aaa0f4ebab2e3a66824b5b56869137e", replay.rtmr(3).hex());
    assertEquals(List.of(0, 1, 2), replay.mismatches(td));
    assertEquals("86b0e55f2fa8e4fb69d890f14f54d5612707646e", DstackAppInfo.of(a.eventLog()).appId().orElseThrow().hex());
  }

  @Test
  void truncationsAndOtherVersionsAreMalformed() {
    byte[] bytes = Vectors.bytes("dstack/simulator-v0.5.6-plus/attestation.bin");
    for (int cut : new int[] {0, 1, 2, 100, 5000, bytes.length - 65, bytes.length - 1}) {
      byte[] shortened = Arrays.copyOf(bytes, cut);
      assertEquals(FailureCode.EVENT_LOG_MALFORMED,
          assertThrows(DcapException.class, () -> DstackAttestation.parse(shortened)).code(), "cut at " + cut);
    }
    byte[] v1 = bytes.clone();
    v1[0] = 1;
    assertEquals(FailureCode.EVENT_LOG_MALFORMED, assertThrows(DcapException.class, () -> DstackAttestation.parse(v1)).code());
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertEquals(FailureCode.EVENT_LOG_MALFORMED, assertThrows(DcapException.class, () -> DstackAttestation.parse(longer)).code());
  }

  @Test
  void mutatedInputsFailOnlyWithTheDocumentedException() {
    java.util.Random random = new java.util.Random(8);
    byte[] attestation = Vectors.bytes("dstack/simulator-v0.5.6-plus/attestation.bin");
    String log = Vectors.text("dstack/simulator-legacy-v0.5.0-0.5.5/eventlog.json");
    List<String> escaped = new java.util.ArrayList<>();
    for (int i = 0; i < 500; i++) {
      byte[] a = attestation.clone();
      for (int j = 0; j < 1 + random.nextInt(4); j++) {
        a[random.nextInt(a.length)] = (byte) random.nextInt(256);
      }
      char[] text = log.toCharArray();
      for (int j = 0; j < 1 + random.nextInt(4); j++) {
        text[random.nextInt(text.length)] = "{}[]\":,0123456789abcdefxyz-e.".charAt(random.nextInt(29));
      }
      try {
        DstackAttestation.parse(a).eventLog().replay();
      } catch (DcapException expected) {
        // the documented failure
      } catch (RuntimeException e) {
        escaped.add("attestation " + i + ": " + e);
      }
      try {
        EventLog parsed = EventLog.parse(new String(text));
        parsed.replay();
        DstackAppInfo.of(parsed);
      } catch (DcapException expected) {
        // the documented failure
      } catch (RuntimeException e) {
        escaped.add("log " + i + ": " + e);
      }
    }
    assertEquals(List.of(), escaped);
  }
}
